"""Statistics on a small scenario whose figures are worked out by hand:

====  ========  =============================================================  =====================
issue  category  story (T0 = Fri 2025-09-26 10:00 Shanghai)                     at as_of 2025-10-20
====  ========  =============================================================  =====================
I1     land      500113-ghzy: routed T0, checked in +2 h, resolved +24 h,        closed on time, rated 5
                 confirmed, rated 5
I2     labour    500113-rsj: routed +1 h, checked in +5 h, transferred +6 h to   open, resolution due
                 500113-jxw: checked in +8 h                                      10-16: overdue
I3     energy    500113-jxw: routed +2 h, returned +3 h                           returned, dispatch due
                                                                                  09-28: overdue
I4     land      500114-ghzy (other enterprise): routed +3 h, withdrawn           withdrawn
====  ========  =============================================================  =====================

Totals: accepted 4, closed 1, withdrawn 1, closure 0.25, on time 1 ÷ (1 closed + 2 overdue);
routed → checked in: 2, 4, 2 h (median 2, p90 3.6); checked in → resolved: 22 h; 5 assignments,
1 return, 1 transfer; one rating (5).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tidu_whistle.domain.working_days import SHANGHAI
from tidu_whistle.testing import OTHER_USCC, T0, USCC, Whistle


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


@pytest.fixture
async def scenario(whistle: Whistle) -> Whistle:
    w = whistle
    await w.seed(USCC, "500113")
    await w.seed(OTHER_USCC, "500114")
    i1 = await w.raise_issue(category="land")
    w.clock.set(at(1))
    i2 = await w.raise_issue(category="labour", title="招工", description="缺技工")
    w.clock.set(at(2))
    i1 = await w.act(i1, "check_in", w.dept("500113-ghzy"))
    i3 = await w.raise_issue(category="energy", title="用电", description="增容")
    w.clock.set(at(3))
    await w.act(i3, "return", w.dept("500113-jxw"), note="需先到供电公司申请")
    i4 = await w.raise_issue(w.enterprise(OTHER_USCC), category="land")
    await w.act(i4, "withdraw", w.enterprise(OTHER_USCC))
    w.clock.set(at(5))
    i2 = await w.act(i2, "check_in", w.dept("500113-rsj"))
    w.clock.set(at(6))
    i2 = await w.act(i2, "transfer", w.dept("500113-rsj"), note="属经信委职责", department="500113-jxw")
    w.clock.set(at(8))
    await w.act(i2, "check_in", w.dept("500113-jxw"))
    w.clock.set(at(24))
    i1 = await w.act(i1, "resolve", w.dept("500113-ghzy"), note="已办结")
    i1 = await w.act(i1, "confirm", w.enterprise())
    r = await w.client.post(
        f"/v1/issues/{i1['id']}/rating",
        json={"score": 5},
        headers={**w.enterprise(), "If-Match": f'"{i1["version"]}"'},
    )
    assert r.status_code == 200
    w.clock.set(dt.datetime(2025, 10, 20, 10, 0, tzinfo=SHANGHAI))
    return w


async def stats(w: Whistle, headers: dict[str, str] | None = None, **params: Any) -> dict[str, Any]:
    r = await w.client.get("/v1/statistics", params=params, headers=headers or w.admin())
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_totals_stage_durations_departments_and_ranking(scenario: Whistle) -> None:
    body = await stats(scenario)
    total = body["total"]
    assert {k: total[k] for k in ("accepted", "closed", "withdrawn", "closed_on_time", "overdue_now")} == {
        "accepted": 4,
        "closed": 1,
        "withdrawn": 1,
        "closed_on_time": 1,
        "overdue_now": 2,
    }
    assert total["closure_rate"] == 0.25
    assert total["on_time_rate"] == pytest.approx(1 / 3)
    assert total["check_in_hours"] == {"count": 3, "median": 2.0, "p90": pytest.approx(3.6)}
    assert total["handling_hours"] == {"count": 1, "median": 22.0, "p90": 22.0}
    assert (total["assignments"], total["returns"], total["transfers"]) == (5, 1, 1)
    assert (total["return_rate"], total["transfer_rate"]) == (0.2, 0.2)
    assert (total["ratings"], total["mean_rating"], total["satisfaction_rate"]) == (1, 5.0, 1.0)

    # per department (the default grouping), with the ranking
    assert body["group_by"] == "department"
    groups = {g["key"]: g["figures"] for g in body["groups"]}
    assert set(groups) == {"500113-ghzy", "500113-rsj", "500113-jxw", "500114-ghzy"}
    assert (groups["500113-ghzy"]["closed"], groups["500113-ghzy"]["on_time_rate"]) == (1, 1.0)
    assert (groups["500113-jxw"]["accepted"], groups["500113-jxw"]["overdue_now"]) == (2, 2)
    assert groups["500113-jxw"]["on_time_rate"] == 0.0
    assert groups["500113-rsj"]["transfers"] == 1 and groups["500113-rsj"]["on_time_rate"] is None
    ranking = [(r["rank"], r["department"]) for r in body["ranking"]]
    assert ranking == [(1, "500113-ghzy"), (2, "500113-jxw"), (3, "500113-rsj"), (3, "500114-ghzy")]
    assert body["ranking"][0]["name"] == "巴南区规划自然资源局"


async def test_per_category_district_period_scope_and_access(scenario: Whistle) -> None:
    by_category = {g["key"]: g["figures"]["accepted"] for g in (await stats(scenario, group_by="category"))["groups"]}
    assert by_category == {"energy": 1, "labour": 1, "land": 2}
    by_district = {g["key"]: g["figures"]["accepted"] for g in (await stats(scenario, group_by="district"))["groups"]}
    assert by_district == {"500113": 3, "500114": 1}
    monthly = await stats(scenario, group_by="period", granularity="month")
    assert [(g["key"], g["figures"]["accepted"]) for g in monthly["groups"]] == [("2025-09", 4)]
    weekly = await stats(scenario, group_by="period", granularity="week")
    assert [g["key"] for g in weekly["groups"]] == ["2025-W39"]
    empty = await stats(scenario, **{"from": "2025-10-01", "to": "2025-11-01"})
    assert empty["total"]["accepted"] == 0
    assert empty["from"] == "2025-10-01" and empty["to"] == "2025-11-01"

    district = await stats(scenario, scenario.operator("500113"))
    assert district["total"]["accepted"] == 3
    city = await stats(scenario, scenario.operator("500000"))
    assert city["total"]["accepted"] == 4
    for who in (scenario.enterprise(), scenario.dept("500113-ghzy"), scenario.commissioner()):
        assert (await scenario.client.get("/v1/statistics", headers=who)).status_code == 403
    bad = await scenario.client.get("/v1/statistics", params={"group_by": "mood"}, headers=scenario.admin())
    assert bad.status_code == 422
    backwards = await scenario.client.get(
        "/v1/statistics", params={"from": "2025-10-01", "to": "2025-09-01"}, headers=scenario.admin()
    )
    assert (backwards.status_code, backwards.json()["errors"][0]["code"]) == (422, "end_before_start")
