"""The 融资难 path: FINANCING_FAILED for each of the three reasons, once per demand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tidu_shared.contracts.finance import CASE_REMINDER_DUE, CASE_RESPONSE_OVERDUE, FINANCING_FAILED


async def _sweep(svc: Any, now: dt.datetime) -> dict[str, Any]:
    r = await svc.client.post("/v1/scheduler/sweep", headers=svc.auth("admin"), json={"now": now.isoformat()})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_none_matched_raises_at_once(svc: Any) -> None:
    uscc = await svc.register(established_on=dt.date(2025, 9, 1))
    r = await svc.demand(uscc, product_kinds=["listing_service"])
    assert r.status_code == 201
    body = r.json()
    assert body["match"]["matched"] == [] and body["cases"] == []
    assert body["failure"]["reason"] == "none_matched"
    events = await svc.events(FINANCING_FAILED)
    assert len(events) == 1
    data = events[0]["data"]
    assert data["reason"] == "none_matched"
    assert data["uscc"] == uscc and data["district_code"] == "500113" and data["demand_id"] == body["id"]
    assert data["amount"] == "500" and data["term_months"] == 12
    assert "未匹配到任何金融产品" in data["summary"]
    assert any("专精特新专板挂牌" in line for line in data["details"])
    assert events[0]["subject"] == body["id"]


async def test_all_declined_raises_after_the_last_decline_and_once(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    demand = (await svc.demand(uscc)).json()
    cases = demand["cases"]
    assert len(cases) == 5
    for i, case in enumerate(cases):
        headers = svc.auth("institution", inst=case["institution_code"])
        r = await svc.client.post(f"/v1/cases/{case['id']}/decline", headers=headers, json={"reason": "credit"})
        assert r.status_code == 200, r.text
        expected = 1 if i == len(cases) - 1 else 0
        assert len(await svc.events(FINANCING_FAILED)) == expected
    data = (await svc.events(FINANCING_FAILED))[0]["data"]
    assert data["reason"] == "all_declined"
    assert "全部 5 家" in data["summary"] and "信用原因" in data["summary"]
    assert len(data["details"]) == 5
    got = (await svc.client.get(f"/v1/demands/{demand['id']}", headers=svc.auth("enterprise", uscc=uscc))).json()
    assert got["failure"]["reason"] == "all_declined"
    # later sweeps find nothing more to raise for this demand
    await _sweep(svc, dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
    assert len(await svc.events(FINANCING_FAILED)) == 1


async def test_a_lapsed_deadline_reminds_escalates_and_raises(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    demand = (await svc.demand(uscc)).json()
    deadline = demand["cases"][0]["deadline"]
    remind_at = dt.datetime.fromisoformat(deadline["remind_at"])
    due_at = dt.datetime.fromisoformat(deadline["due_at"])

    early = await _sweep(svc, remind_at - dt.timedelta(minutes=1))
    assert (early["reminders"], early["escalations"], early["failures"]) == (0, 0, 0)
    reminded = await _sweep(svc, remind_at + dt.timedelta(minutes=1))
    assert (reminded["reminders"], reminded["escalations"]) == (5, 0)
    assert len(await svc.events(CASE_REMINDER_DUE)) == 5
    lapsed = await _sweep(svc, due_at + dt.timedelta(seconds=2))
    assert (lapsed["reminders"], lapsed["escalations"], lapsed["failures"]) == (0, 5, 1)
    assert lapsed["failed_demands"] == [demand["id"]]
    overdue = await svc.events(CASE_RESPONSE_OVERDUE)
    assert len(overdue) == 5 and overdue[0]["data"]["escalate_to"] == "jrb"
    data = (await svc.events(FINANCING_FAILED))[0]["data"]
    assert data["reason"] == "deadline_lapsed" and "超过首次响应时限" in data["summary"]
    again = await _sweep(svc, due_at + dt.timedelta(days=3))
    assert (again["reminders"], again["escalations"], again["failures"]) == (0, 0, 0)
    assert len(await svc.events(FINANCING_FAILED)) == 1
    case = (await svc.client.get(f"/v1/cases/{demand['cases'][0]['id']}", headers=svc.auth("admin"))).json()
    assert case["deadline"]["escalated_at"] is not None


async def test_an_acceptance_keeps_a_lapsed_demand_off_the_path(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    demand = (await svc.demand(uscc)).json()
    first = demand["cases"][0]
    r = await svc.client.post(
        f"/v1/cases/{first['id']}/accept", headers=svc.auth("institution", inst=first["institution_code"])
    )
    assert r.status_code == 200
    due_at = dt.datetime.fromisoformat(first["deadline"]["due_at"])
    lapsed = await _sweep(svc, due_at + dt.timedelta(hours=1))
    assert lapsed["escalations"] == 4 and lapsed["failures"] == 0
    assert await svc.events(FINANCING_FAILED) == []


async def test_who_may_sweep_and_when(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    r = await svc.client.post("/v1/scheduler/sweep", headers=svc.auth("enterprise", uscc=uscc), json={})
    assert r.status_code == 403
    naive = await svc.client.post(
        "/v1/scheduler/sweep", headers=svc.auth("operator", district="500113"), json={"now": "2026-01-01T10:00:00"}
    )
    assert naive.status_code == 422
    plain = await svc.client.post("/v1/scheduler/sweep", headers=svc.auth("operator", district="500113"))
    assert plain.status_code == 200 and plain.json()["failures"] == 0


async def test_the_scheduler_lease_is_held_by_one_replica(svc: Any) -> None:
    from tidu_finance_match.models import SchedulerLease
    from tidu_finance_match.scheduler import LEASE_NAME
    from tidu_shared.lease import Lease

    db = svc.app.state.db
    t = SchedulerLease.__table__
    a = Lease(db, t, LEASE_NAME, holder="replica-a", ttl_s=60)  # type: ignore[arg-type]
    b = Lease(db, t, LEASE_NAME, holder="replica-b", ttl_s=60)  # type: ignore[arg-type]
    now = dt.datetime.now(dt.UTC)
    assert await a.acquire(now)
    assert not await b.acquire(now + dt.timedelta(seconds=30))
    assert await a.acquire(now + dt.timedelta(seconds=30))  # renewal
    assert await b.acquire(now + dt.timedelta(seconds=200))  # a's lease expired
    assert not await a.acquire(now + dt.timedelta(seconds=201))
    await b.release()
    assert await a.acquire(now + dt.timedelta(seconds=202))  # released: free at once
