"""The registry's and finance-match's events, applied by the real handlers: the commissioner
assigned sees and is notified of its enterprise's issues; a failed financing demand raises one
financing issue, whatever the number of deliveries."""

from __future__ import annotations

from sqlalchemy import func, select

from tidu_whistle.models import IssueRow
from tidu_whistle.testing import OTHER_USCC, USCC, Whistle


async def test_a_newly_assigned_commissioner_sees_and_hears(whistle: Whistle) -> None:
    await whistle.seed(USCC, commissioner="comm-1")
    issue = await whistle.raise_issue()
    await whistle.get(issue["id"], whistle.commissioner("comm-1"))
    await whistle.get(issue["id"], whistle.commissioner("comm-2"), expect=404)

    await whistle.assign(USCC, "comm-2", at="2025-06-01T00:00:00Z")
    await whistle.get(issue["id"], whistle.commissioner("comm-2"))
    await whistle.get(issue["id"], whistle.commissioner("comm-1"), expect=404)
    # an older assignment delivered late changes nothing
    await whistle.assign(USCC, "comm-1", at="2025-03-01T00:00:00Z")
    await whistle.get(issue["id"], whistle.commissioner("comm-2"))

    lead = whistle.dept("500113-ghzy")
    issue = await whistle.act(issue, "check_in", lead)
    await whistle.act(issue, "resolve", lead, note="已办结")
    notified = [e.data for e in await whistle.events() if e.type.endswith("commissioner_notified.v1")]
    assert [(n["commissioner_id"], n["reason"]) for n in notified] == [("comm-1", "routed"), ("comm-2", "resolved")]
    profile = await whistle.client.get(f"/v1/enterprises/{USCC}", headers=whistle.admin())
    assert profile.json()["commissioner_id"] == "comm-2"


async def test_no_commissioner_no_notification(whistle: Whistle) -> None:
    await whistle.seed(OTHER_USCC, "500114")
    await whistle.raise_issue(whistle.enterprise(OTHER_USCC))
    assert not [e for e in await whistle.events() if e.type.endswith("commissioner_notified.v1")]


async def test_financing_failed_raises_one_financing_issue(whistle: Whistle) -> None:
    await whistle.seed(USCC, commissioner="comm-1")
    await whistle.financing_failed("demand-1")
    await whistle.financing_failed("demand-1")  # the same fact again, another event id
    whistle.clock.advance(hours=1)
    await whistle.financing_failed("demand-2")
    async with whistle.app.state.db.read() as s:
        n = (await s.execute(select(func.count()).select_from(IssueRow))).scalar_one()
    assert n == 2
    page = (await whistle.client.get("/v1/issues?category=financing", headers=whistle.enterprise())).json()
    assert len(page["items"]) == 2
    issue = await whistle.get(page["items"][-1]["id"], whistle.enterprise())
    assert issue["source"] == "financing_failed"
    assert issue["state"] == "routed"
    assert issue["lead_department"]["code"] == "500113-jrb"
    assert {d["code"] for d in issue["co_departments"]} == {"500113-jxw", "500113-czj", "500113-rh", "500113-jrjg"}
    assert issue["title"].startswith("融资需求未获满足：500.0000 万元")
    assert "demand-1" in issue["description"] and "银行甲：抵押物不足" in issue["description"]
    assert issue["timeline"][0]["actor"] == {"role": "system", "id": "tidu-finance-match", "department": None}
    events = await whistle.events()
    assert any(e.topic == "tidu.whistle.dept.500113-jrb" and e.type.endswith(".routed.v1") for e in events)
    assert [e.data["commissioner_id"] for e in events if e.type.endswith("commissioner_notified.v1")] == [
        "comm-1",
        "comm-1",
    ]


async def test_financing_failed_for_an_enterprise_not_yet_projected(whistle: Whistle) -> None:
    await whistle.financing_failed("demand-9", uscc=OTHER_USCC, district="500114")
    page = (await whistle.client.get("/v1/issues", headers=whistle.enterprise(OTHER_USCC))).json()
    assert [i["lead_department"] for i in page["items"]] == ["500114-jrb"]
