"""Returned (退单), transferred, extension refused, reopened, rated low (reopen or flag),
commented by a co-handler — each recorded in the timeline."""

from __future__ import annotations

from typing import Any

from tidu_whistle.domain.rating import LowRatingAction
from tidu_whistle.testing import T0, USCC, FakeClock, Whistle

LEAD = "500113-ghzy"


async def resolved_issue(w: Whistle) -> dict[str, Any]:
    await w.seed(USCC, commissioner="comm-1")
    issue = await w.raise_issue()
    lead = w.dept(LEAD)
    issue = await w.act(issue, "check_in", lead)
    return await w.act(issue, "resolve", lead, note="已办结")


async def rate(w: Whistle, issue: dict[str, Any], score: int, comment: str | None = None) -> Any:
    return await w.client.post(
        f"/v1/issues/{issue['id']}/rating",
        json={"score": score, "comment": comment},
        headers={**w.enterprise(), "If-Match": f'"{issue["version"]}"'},
    )


async def test_return_goes_back_to_the_coordinator(whistle: Whistle) -> None:
    await whistle.seed()
    issue = await whistle.raise_issue()
    issue = await whistle.act(issue, "return", whistle.dept(LEAD), note="非本部门职责")
    assert issue["state"] == "returned"
    assert issue["lead_department"] is None
    assert issue["deadlines"]["dispatch"] is not None
    entry = issue["timeline"][-1]
    assert (entry["action"], entry["note"], entry["previous_lead"]) == ("return", "非本部门职责", LEAD)
    events = await whistle.events()
    returned = [e for e in events if e.type.endswith(".returned.v1")]
    # the returning department still receives the step that takes the issue away from it
    assert {e.topic for e in returned} >= {"tidu.whistle.issues", f"tidu.whistle.dept.{LEAD}"}
    issue = await whistle.act(issue, "route", whistle.operator(), department="500113-fgw")
    assert issue["lead_department"]["code"] == "500113-fgw"


async def test_transfer_restarts_the_clocks_for_the_new_department(whistle: Whistle) -> None:
    await whistle.seed()
    issue = await whistle.raise_issue()
    whistle.clock.advance(days=3)
    issue = await whistle.act(
        issue, "transfer", whistle.dept(LEAD), note="属住建部门职责", department="500113-zjw", co_departments=[]
    )
    assert issue["state"] == "routed"
    assert issue["co_departments"] == []
    assert issue["deadlines"]["check_in"]["start"].startswith("2025-09-29T10:00")
    await whistle.act(issue, "transfer", whistle.dept("500113-zjw"), expect=422, note="x", department="500113-zjw")


async def test_extension_refused_keeps_the_deadline(whistle: Whistle) -> None:
    await whistle.seed()
    issue = await whistle.raise_issue()
    lead = whistle.dept(LEAD)
    issue = await whistle.act(issue, "check_in", lead)
    due = issue["deadlines"]["resolution"]["due_date"]
    issue = await whistle.act(issue, "request_extension", lead, note="需协调", working_days=5)
    await whistle.act(issue, "refuse_extension", whistle.operator(), expect=422)  # a reason is needed
    issue = await whistle.act(issue, "refuse_extension", whistle.operator(), note="时限内可办结")
    assert issue["state"] == "in_progress"
    assert issue["deadlines"]["resolution"]["due_date"] == due
    assert issue["pending_extension_days"] is None


async def test_reopen_within_the_window(whistle: Whistle) -> None:
    issue = await resolved_issue(whistle)
    whistle.clock.advance(days=2)
    issue = await whistle.act(issue, "reopen", whistle.enterprise(), note="问题未解决")
    assert issue["state"] == "reopened"
    assert issue["reopen_count"] == 1
    assert issue["lead_department"]["code"] == LEAD
    issue = await whistle.act(issue, "resolve", whistle.dept(LEAD), note="再次办结")
    whistle.clock.advance(days=8)
    late = await whistle.act(issue, "reopen", whistle.enterprise(), expect=409, note="还是不行")
    assert late["code"] == "reopen_window_expired"


async def test_a_low_rating_reopens(whistle: Whistle) -> None:
    issue = await resolved_issue(whistle)
    r = await rate(whistle, issue, 2, "敷衍")
    assert r.status_code == 200, r.text
    issue = r.json()
    assert issue["state"] == "reopened"
    assert [e["action"] for e in issue["timeline"][-2:]] == ["rate", "reopen"]
    assert issue["timeline"][-2]["rating"] == 2
    events = [e.type.split(".")[-2] for e in await whistle.events() if e.topic == "tidu.whistle.issues"]
    assert events[-3:] == ["rated", "reopened", "commissioner_notified"]
    r = await rate(whistle, issue, 6)
    assert r.status_code == 422


async def test_ratings_are_the_enterprises_own_and_once(whistle: Whistle) -> None:
    issue = await resolved_issue(whistle)
    for who in (whistle.commissioner("comm-1"), whistle.dept(LEAD)):
        r = await whistle.client.post(
            f"/v1/issues/{issue['id']}/rating", json={"score": 5}, headers={**who, "If-Match": f'"{issue["version"]}"'}
        )
        assert r.status_code == 403, r.text
    r = await rate(whistle, issue, 4)
    assert r.json()["state"] == "closed"
    again = await rate(whistle, r.json(), 5)
    assert (again.status_code, again.json()["code"]) == (409, "already_rated")


async def test_a_low_rating_flags_for_review_when_configured(app_client_factory: Any, auth_header: Any) -> None:
    async with app_client_factory(
        "whistle",
        run_relay=False,
        run_consumers=False,
        scheduler_enabled=False,
        low_rating_action=LowRatingAction.FLAG,
    ) as (app, client):
        clock = FakeClock(T0)
        app.state.whistle.clock = clock
        w = Whistle(app, client, clock, auth_header)
        issue = await resolved_issue(w)
        r = await rate(w, issue, 1, "很差")
        assert r.status_code == 200
        assert r.json()["state"] == "closed"
        assert r.json()["flagged_for_review"] is True


async def test_a_co_handler_comments(whistle: Whistle) -> None:
    await whistle.seed()
    issue = await whistle.raise_issue()
    issue = await whistle.act(issue, "comment", whistle.dept("500113-yq"), note="园区可提供备用地块")
    assert issue["state"] == "routed"
    assert issue["timeline"][-1]["actor"]["department"] == "500113-yq"
    await whistle.act(issue, "comment", whistle.dept("500113-yq"), expect=422)  # a note is required


async def test_the_coordinator_escalates_by_hand_once(whistle: Whistle) -> None:
    await whistle.seed()
    issue = await whistle.raise_issue()
    issue = await whistle.act(issue, "escalate", whistle.operator("500113"), note="企业反映多次未果")
    assert (issue["state"], issue["lead_department"]["code"]) == ("escalated", "500000-ghzy")
    again = await whistle.act(issue, "escalate", whistle.operator("500000"), expect=409)
    assert again["code"] == "illegal_transition"
    issue = await whistle.act(issue, "check_in", whistle.dept("500000-ghzy"))
    top = await whistle.act(issue, "escalate", whistle.operator("500000"), expect=409)
    assert top["code"] == "escalation_unavailable"


async def test_the_commissioner_is_shown_only_to_those_who_need_it(whistle: Whistle) -> None:
    await whistle.seed(USCC, commissioner="comm-1")
    for who, shown in (
        (whistle.enterprise(), True),
        (whistle.commissioner("comm-1"), True),
        (whistle.operator(), True),
        (whistle.dept("500113-ghzy"), False),
        (whistle.h("institution", sub="bank-1", inst="demo-ccb"), False),
    ):
        r = await whistle.client.get(f"/v1/enterprises/{USCC}", headers=who)
        assert r.status_code == 200
        assert (r.json()["commissioner_id"] == "comm-1") is shown
