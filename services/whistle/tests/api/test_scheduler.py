"""The SLA scheduler: reminders before a working-day deadline, sla_breached after it and
escalation to the city department of the same kind, each once; auto-close; the lease that keeps
replicas from sweeping together; ``now`` refused in production."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from tidu_shared.settings import Environment
from tidu_whistle.domain.working_days import SHANGHAI
from tidu_whistle.scheduler import lease_for
from tidu_whistle.testing import T0, USCC, FakeClock, Whistle

LEAD = "500113-ghzy"
CITY = "500000-ghzy"


def at(day: str, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=SHANGHAI)


def counts(report: dict[str, Any]) -> tuple[int, int, int]:
    return report["reminders"], report["breaches"], report["escalations"]


async def test_reminder_then_breach_escalates_to_the_city_once(whistle: Whistle) -> None:
    await whistle.seed(USCC, commissioner="comm-1")
    issue = await whistle.raise_issue()  # check-in due Sunday 2025-09-28 (调休)
    assert counts(await whistle.sweep(T0)) == (0, 0, 0)

    # 09:00 on the due day: a reminder to check in, to the issues topic and every department on it
    morning = await whistle.sweep(at("2025-09-28", 9, 30))
    assert counts(morning) == (1, 0, 0)
    assert counts(await whistle.sweep(at("2025-09-28", 9, 31))) == (0, 0, 0)  # fires once
    events = await whistle.events()
    reminders = [e for e in events if e.type.endswith("reminder_due.v1")]
    assert {e.topic for e in reminders} == {
        "tidu.whistle.issues",
        f"tidu.whistle.dept.{LEAD}",
        "tidu.whistle.dept.500113-jxw",
        "tidu.whistle.dept.500113-yq",
    }
    timer = reminders[0].data["timer"]
    assert (timer["kind"], timer["clock"], timer["deadline"]["due_date"], timer["holder"]) == (
        "reminder",
        "check_in",
        "2025-09-28",
        LEAD,
    )

    # the whole last day still counts; the first instant after it is a breach
    assert counts(await whistle.sweep(at("2025-09-28", 23, 59))) == (0, 0, 0)
    breach = await whistle.sweep(at("2025-09-29", 8))
    assert counts(breach) == (0, 1, 1)
    assert counts(await whistle.sweep(at("2025-09-29", 8), full="true")) == (0, 0, 0)

    escalated = await whistle.get(issue["id"], whistle.admin())
    assert escalated["state"] == "escalated"
    assert escalated["escalation_level"] == 1
    assert escalated["lead_department"] == {"code": CITY, "name": "重庆市规划自然资源局"}
    step = escalated["timeline"][-1]
    assert (step["action"], step["actor"]["role"], step["previous_lead"]) == ("escalate", "system", LEAD)
    assert "自动提级" in step["note"]
    # fresh clocks for the city department, counted from the escalation
    assert escalated["deadlines"]["check_in"]["due_date"] == "2025-09-30"

    events = await whistle.events()
    breached = [e for e in events if e.type.endswith("sla_breached.v1")]
    assert breached[0].data["timer"]["escalate_to"] == CITY
    moved = [e for e in events if e.type.endswith(".escalated.v1")]
    assert {e.topic for e in moved} == {
        "tidu.whistle.issues",
        f"tidu.whistle.dept.{LEAD}",  # the district hears that it lost it
        f"tidu.whistle.dept.{CITY}",
        "tidu.whistle.dept.500113-jxw",
        "tidu.whistle.dept.500113-yq",
    }
    assert [e.data["reason"] for e in events if e.type.endswith("commissioner_notified.v1")] == [
        "routed",
        "escalated",
    ]

    # the city department takes over; the district department no longer sees it
    await whistle.get(issue["id"], whistle.dept(LEAD), expect=404)
    whistle.clock.set(at("2025-09-29", 9))
    checked = await whistle.act(escalated, "check_in", whistle.dept(CITY))
    assert checked["state"] == "checked_in"

    # at the top a breach is only reported
    late = await whistle.sweep(at("2025-12-01", 8))
    assert counts(late) == (0, 1, 0)
    assert (await whistle.get(issue["id"], whistle.admin()))["state"] == "checked_in"


async def test_a_triaged_issue_left_undispatched_is_reported_not_escalated(whistle: Whistle) -> None:
    await whistle.seed()
    issue = await whistle.raise_issue(category="other", title="其他", description="其他问题")
    report = await whistle.sweep(at("2025-09-29", 8))
    assert counts(report) == (0, 1, 0)
    assert (await whistle.get(issue["id"], whistle.admin()))["state"] == "triage"
    breach = next(e for e in await whistle.events() if e.type.endswith("sla_breached.v1"))
    assert breach.data["timer"]["clock"] == "dispatch"
    assert breach.data["timer"]["holder"] == "500113-jxw"
    assert breach.data["departments"] == []


async def test_resolved_issues_auto_close_after_the_confirm_window(whistle: Whistle) -> None:
    await whistle.seed()
    issue = await whistle.raise_issue()
    lead = whistle.dept(LEAD)
    issue = await whistle.act(issue, "check_in", lead)
    issue = await whistle.act(issue, "resolve", lead, note="已办结")
    assert (await whistle.sweep(T0 + dt.timedelta(days=6)))["auto_closed"] == 0
    assert (await whistle.sweep(T0 + dt.timedelta(days=8)))["auto_closed"] == 1
    closed = await whistle.get(issue["id"], whistle.admin())
    assert closed["state"] == "closed"
    assert closed["timeline"][-1]["action"] == "auto_close"


async def test_the_lease_admits_one_replica_at_a_time(whistle: Whistle) -> None:
    db = whistle.app.state.db
    a, b = lease_for(db, holder="replica-a"), lease_for(db, holder="replica-b")
    assert await a.acquire() is True
    assert await b.acquire() is False
    assert await a.acquire() is True  # renewal
    r = await whistle.client.post("/v1/scheduler/sweep", headers=whistle.admin())
    assert r.status_code == 409
    assert r.json()["code"] == "sweep_in_progress"
    await a.release()
    assert await b.acquire() is True
    expired = lease_for(db, holder="replica-c", ttl_s=-1)  # a lease that has already run out
    await b.release()
    assert await expired.acquire() is True
    assert await a.acquire() is True  # taken over from the expired holder


async def test_sweep_access_and_clock_injection(whistle: Whistle) -> None:
    url = "/v1/scheduler/sweep"
    assert (await whistle.client.post(url, headers=whistle.dept(LEAD))).status_code == 403
    assert (await whistle.client.post(url, headers=whistle.enterprise())).status_code == 403
    naive = await whistle.client.post(url, params={"now": "2025-10-01T10:00:00"}, headers=whistle.operator())
    assert naive.status_code == 422
    ok = await whistle.client.post(url, params={"now": "2025-10-01T10:00:00+08:00"}, headers=whistle.operator())
    assert ok.status_code == 200, ok.text


async def test_now_is_refused_in_production(whistle: Whistle) -> None:
    ctx = whistle.app.state.whistle
    # (a production app needs an identity provider's JWKS; the guard reads the context's settings)
    ctx.settings = ctx.settings.model_copy(update={"environment": Environment.production})
    r = await whistle.client.post(
        "/v1/scheduler/sweep", params={"now": "2030-01-01T00:00:00+08:00"}, headers=whistle.admin()
    )
    assert r.status_code == 403
    assert r.json()["code"] == "clock_injection_forbidden"
    assert (await whistle.client.post("/v1/scheduler/sweep", headers=whistle.admin())).status_code == 200


async def test_the_background_scheduler_sweeps_under_the_lease(app_client_factory: Any, auth_header: Any) -> None:
    async with app_client_factory(
        "whistle", run_relay=False, run_consumers=False, scheduler_enabled=True, scheduler_interval_s=0.05
    ) as (app, client):
        w = Whistle(app, client, FakeClock(T0), auth_header)
        app.state.whistle.clock = w.clock
        await w.seed()
        await w.raise_issue()
        w.clock.set(at("2025-09-29", 8))  # the background loop judges at the service's clock
        scheduler = app.state.scheduler
        deadline = asyncio.get_running_loop().time() + 10
        while asyncio.get_running_loop().time() < deadline:
            if scheduler.last_report is not None and scheduler.last_report.escalations:
                break
            await asyncio.sleep(0.02)
        assert scheduler.last_report is not None and scheduler.last_report.escalations == 1
        assert await lease_for(app.state.db, holder="someone-else").acquire() is False
