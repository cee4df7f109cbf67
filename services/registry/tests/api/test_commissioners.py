"""Service commissioners (一企一员): people, assignments with history and the event; plans
(一企一策): goals and actions with due dates and status."""

from __future__ import annotations

import datetime as dt
from typing import Any


async def test_commissioner_validation_and_district(reg: Any) -> None:
    bad = await reg.client.post(
        "/v1/commissioners",
        json={"id": "c1", "name": "王", "phone": "123", "email": "x", "district_code": "999999"},
        headers=reg.admin,
    )
    assert bad.status_code == 422
    assert {e["code"] for e in bad.json()["errors"]} == {"phone_invalid", "email_invalid", "unknown_district"}
    other = await reg.client.post(
        "/v1/commissioners", json={"id": "c1", "name": "王", "district_code": "500114"}, headers=reg.op("500113")
    )
    assert other.status_code == 403
    await reg.commissioner("c1")
    again = await reg.client.post(
        "/v1/commissioners", json={"id": "c1", "name": "王", "district_code": "500113"}, headers=reg.admin
    )
    assert again.status_code == 409
    listed = (await reg.client.get("/v1/commissioners", headers=reg.op("500114"))).json()
    assert listed == []
    assert [c["id"] for c in (await reg.client.get("/v1/commissioners", headers=reg.op())).json()] == ["c1"]
    assert (await reg.client.get("/v1/commissioners/c1", headers=reg.comm("c1"))).status_code == 200
    assert (await reg.client.get("/v1/commissioners/c1", headers=reg.comm("c2"))).status_code == 403
    patched = await reg.client.patch("/v1/commissioners/c1", json={"phone": "023-61234567"}, headers=reg.op())
    assert patched.json()["phone"] == "023****4567"  # stored normalised, shown masked


async def test_assignment_history_and_event(reg: Any) -> None:
    ent = await reg.register()
    code = ent["uscc"]
    await reg.commissioner("c1")
    await reg.commissioner("c2", name="李专员")
    await reg.commissioner("c-city", district="500000")
    await reg.commissioner("c-qj", district="500114")
    url = f"/v1/enterprises/{code}/commissioner"
    r = await reg.client.put(url, json={"commissioner_id": "c-qj"}, headers=reg.op())
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "commissioner_other_district"
    assert (await reg.client.put(url, json={"commissioner_id": "nobody"}, headers=reg.op())).status_code == 404
    await reg.assign(code, "c1")
    await reg.assign(code, "c1")  # the same again: nothing changes
    r = await reg.client.put(url, json={"commissioner_id": "c2", "reason": "工作调整"}, headers=reg.op())
    assert r.status_code == 200
    view = r.json()
    assert view["current"]["id"] == "c2"
    assert [(h["commissioner_id"], h["ended_at"] is None) for h in view["history"]] == [("c1", False), ("c2", True)]
    await reg.assign(code, "c-city")  # a city commissioner may follow any enterprise of the city
    events = await reg.events("commissioner.assigned.v1")
    assert [(e["data"]["previous_commissioner_id"], e["data"]["commissioner_id"]) for e in events] == [
        (None, "c1"),
        ("c1", "c2"),
        ("c2", "c-city"),
    ]
    assert events[1]["data"]["commissioner_name"] == "李专员" and events[1]["data"]["reason"] == "工作调整"
    assert "13900001111" not in str(events)
    await reg.client.patch("/v1/commissioners/c1", json={"active": False}, headers=reg.admin)
    r = await reg.client.put(url, json={"commissioner_id": "c1"}, headers=reg.op())
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "commissioner_inactive"
    found = await reg.client.get("/v1/enterprises", params={"commissioner": "c-city"}, headers=reg.admin)
    assert [i["uscc"] for i in found.json()["items"]] == [code]


async def test_plan_goals_and_actions(reg: Any) -> None:
    ent = await reg.register()
    code = ent["uscc"]
    await reg.commissioner("c1")
    await reg.assign(code, "c1")
    c1 = reg.comm("c1")
    past = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    r = await reg.client.post(
        f"/v1/enterprises/{code}/plan/goals",
        json={"title": "申报专精特新中小企业", "target_tier": "srdi_sme", "due_on": "2027-06-30"},
        headers=c1,
    )
    assert r.status_code == 201, r.text
    goal = r.json()["id"]
    a1 = (
        await reg.client.post(
            f"/v1/plan/goals/{goal}/actions",
            json={"title": "补齐知识产权", "owner": "区科技局", "due_on": past},
            headers=c1,
        )
    ).json()["id"]
    a2 = (
        await reg.client.post(f"/v1/plan/goals/{goal}/actions", json={"title": "研发费用归集"}, headers=reg.op())
    ).json()["id"]
    assert (await reg.client.patch(f"/v1/plan/actions/{a2}", json={"status": "done"}, headers=c1)).status_code == 204
    bad = await reg.client.patch(f"/v1/plan/actions/{a1}", json={"status": "finished"}, headers=c1)
    assert bad.status_code == 422
    assert (
        await reg.client.patch(f"/v1/plan/goals/{goal}", json={"status": "in_progress"}, headers=c1)
    ).status_code == 204
    plan = (await reg.client.get(f"/v1/enterprises/{code}/plan", headers=reg.ent(code))).json()
    g = plan["goals"][0]
    assert (g["title"], g["status"], g["target_tier"], g["overdue"]) == (
        "申报专精特新中小企业",
        "in_progress",
        "srdi_sme",
        False,
    )
    actions = {a["title"]: a for a in g["actions"]}
    assert actions["补齐知识产权"]["overdue"] is True and actions["补齐知识产权"]["owner"] == "区科技局"
    assert actions["研发费用归集"]["status"] == "done" and actions["研发费用归集"]["completed_on"] is not None
    # the enterprise reads its plan but does not write it; another commissioner neither
    assert (
        await reg.client.post(f"/v1/plan/goals/{goal}/actions", json={"title": "x"}, headers=reg.ent(code))
    ).status_code == 403
    assert (await reg.client.get(f"/v1/enterprises/{code}/plan", headers=reg.comm("c9"))).status_code == 403
    assert (
        await reg.client.patch(f"/v1/plan/goals/{goal}", json={"status": "done"}, headers=reg.comm("c9"))
    ).status_code == 403
    assert (await reg.client.patch("/v1/plan/goals/nope", json={"status": "done"}, headers=c1)).status_code == 404
