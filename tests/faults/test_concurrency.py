"""Concurrency: 100 transitions fired at once with the same ``If-Match`` version at one whistle
issue, one financing case and one financing demand — exactly one wins (2xx), every other gets
409/412 with a problem code, the history holds exactly one transition and the outbox exactly one
set of events; and the same registry import uploaded twice at once is applied once.

The requests run concurrently against the service app on a real database (a SQLite file, or
PostgreSQL when ``TIDU_TEST_POSTGRES_URL`` is set, where they race on separate connections)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import func, select

from tidu_registry.domain.uscc import make_uscc
from tidu_registry.models import enterprises, imports, revisions
from tidu_registry.models import outbox as registry_outbox
from tidu_shared.contracts.eligibility import ASSESSMENT_COMPLETED
from tidu_shared.contracts.finance import DEMAND_WITHDRAWN
from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED, INDICATORS_REPORTED, QUALIFICATION_GRANTED
from tidu_shared.db import Database
from tidu_shared.devbroker import free_port
from tidu_shared.devrun import wait_ready
from tidu_shared.events import event_type, new_envelope
from tidu_shared.services_catalog import service
from tidu_shared.testing.stack import ServiceProcess
from tidu_whistle.models import outbox as whistle_outbox
from tidu_whistle.testing import T0, USCC, FakeClock, Whistle

N = 100
LEAD = "500113-ghzy"
# 100 writes at once from one principal: above the per-principal write rate limit (429), which
# is not what these tests are about.
UNLIMITED = {"write_rate_per_s": 100_000.0, "write_burst": 100_000}


async def send(request: Callable[[], Any]) -> httpx.Response:
    """One client's request, retried as a client should when told to come back later (503 with
    Retry-After: the connection pool stayed exhausted on a loaded machine; nothing was done)."""
    for _ in range(5):
        r: httpx.Response = await request()
        if r.status_code != 503 or "retry-after" not in r.headers:
            return r
        await asyncio.sleep(0.2)
    return r


def outcome(responses: list[httpx.Response]) -> Counter[tuple[int, str]]:
    """(status, problem code) of each response; a 2xx counts as (status, "")."""
    return Counter((r.status_code, "" if r.is_success else r.json()["code"]) for r in responses)


def assert_one_winner(responses: list[httpx.Response]) -> httpx.Response:
    seen = outcome(responses)
    winners = [r for r in responses if r.is_success]
    assert len(winners) == 1, seen
    losers = [r for r in responses if not r.is_success]
    assert all(r.status_code in (409, 412) for r in losers), seen
    assert all(r.headers["content-type"].startswith("application/problem+json") for r in losers)
    assert all(r.json()["code"] and r.json()["detail"] for r in losers)
    return winners[0]


async def outbox_events(db: Any, table: Any) -> list[dict[str, Any]]:
    """The outbox's events in order, each envelope with its topic as ``_topic``."""
    async with db.read() as s:
        rows = (await s.execute(select(table.c.topic, table.c.payload).order_by(table.c.id))).all()
    return [{**orjson.loads(r.payload), "_topic": r.topic} for r in rows]


# -- whistle ---------------------------------------------------------------------------------


async def test_100_concurrent_transitions_on_one_issue(app_client_factory: Any, auth_header: Any) -> None:
    async with app_client_factory(
        "whistle", run_relay=False, run_consumers=False, scheduler_enabled=False, **UNLIMITED
    ) as (
        app,
        client,
    ):
        clock = FakeClock(T0)
        app.state.whistle.clock = clock
        w = Whistle(app, client, clock, auth_header)
        await w.seed(USCC)
        issue = await w.raise_issue()
        before = await w.events()
        lead = w.dept(LEAD)
        url = f"/v1/issues/{issue['id']}/actions/"
        headers = {**lead, "If-Match": f'"{issue["version"]}"'}
        # half check in, half comment (each a new version): only one of all of them may happen
        requests = [
            send(lambda: client.post(url + "check_in", headers=headers))
            if i % 2
            else send(lambda i=i: client.post(url + "comment", json={"note": f"请补充材料 {i}"}, headers=headers))
            for i in range(N)
        ]
        winner = assert_one_winner(await asyncio.gather(*requests))
        assert winner.headers["etag"] == f'"{issue["version"] + 1}"'

        final = await w.get(issue["id"], w.admin())
        assert final["version"] == issue["version"] + 1
        assert final["state"] == winner.json()["state"]
        timeline = final["timeline"]
        assert len(timeline) == len(issue["timeline"]) + 1
        assert timeline[-1]["action"] == winner.json()["timeline"][-1]["action"]
        new = (await w.events())[len(before) :]
        assert new, "the winning transition published nothing"
        assert all(e.key == issue["id"] for e in new), [(e.topic, e.key, e.type) for e in new]
        types = Counter((e.topic, e.type) for e in new)
        assert all(n == 1 for n in types.values()), types


# -- finance-match ---------------------------------------------------------------------------


async def _deliver(app: Any, type_: str, data: dict[str, Any]) -> None:
    from tidu_finance_match.consumers import handlers

    model = event_type(type_).validate(data)
    env = new_envelope(source="/tidu/test", type=type_, subject=str(data.get("uscc", "")), data=data)
    async with app.state.db.transaction() as s:
        await handlers(app.state.finance)[type_](s, env, model)


async def _srdi_enterprise(app: Any) -> str:
    """A 专精特新 manufacturer of 巴南区 with indicators, size class and qualifications, as the
    finance-match consumers would have projected it."""
    from tidu_finance_match.credit.simulated import simulated_grade

    while True:
        uscc = make_uscc(seed=uuid.uuid4().int & ((1 << 62) - 1), region="500113")
        if simulated_grade(uscc)[0] in ("AAA", "AA", "A"):
            break
    now = dt.datetime.now(dt.UTC).isoformat()
    await _deliver(
        app,
        ENTERPRISE_REGISTERED,
        {
            "uscc": uscc,
            "name": "重庆并发精密制造有限公司",
            "district_code": "500113",
            "industry_code": "C3825",
            "established_on": "2015-03-01",
            "registered_at": now,
        },
    )
    indicators = {
        "employees": 180,
        "operating_revenue": "4200",
        "total_assets": "5000",
        "total_liabilities": "2600",
        "rd_expense": "260",
        "ip_class_i": 3,
        "ip_class_ii": 12,
    }
    await _deliver(
        app,
        INDICATORS_REPORTED,
        {
            "uscc": uscc,
            "year": 2024,
            "indicators": indicators,
            "source": "self_declared",
            "reported_by": "test",
            "reported_at": now,
        },
    )
    await _deliver(
        app,
        ASSESSMENT_COMPLETED,
        {
            "assessment_id": f"a-{uuid.uuid4().hex[:8]}",
            "uscc": uscc,
            "district_code": "500113",
            "ruleset_id": "size-2011",
            "ruleset_version": "2011",
            "tier": "size",
            "as_of": dt.date.today().isoformat(),
            "data_year": 2024,
            "result": "eligible",
            "size_class": "small",
            "assessed_at": now,
        },
    )
    for kind in ("srdi_sme", "high_tech"):
        await _deliver(
            app,
            QUALIFICATION_GRANTED,
            {
                "qualification_id": f"q-{uuid.uuid4().hex[:10]}",
                "uscc": uscc,
                "kind": kind,
                "level": "provincial",
                "granted_on": "2023-05-01",
                "expires_on": "2099-04-30",
            },
        )
    return uscc


async def _demand(client: httpx.AsyncClient, auth_header: Callable[..., dict[str, str]], uscc: str) -> dict[str, Any]:
    body = {
        "amount": "500",
        "term_months": 12,
        "purpose": "working_capital",
        "collateral_offered": [],
        "has_existing_loan": False,
        "consent": {"share_with_institutions": True, "credit_lookup": True},
    }
    r = await client.post("/v1/demands", json=body, headers=auth_header("enterprise", uscc=uscc))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_100_concurrent_transitions_on_one_case_and_one_demand(
    app_client_factory: Any, auth_header: Callable[..., dict[str, str]]
) -> None:
    from tidu_finance_match.models import CaseTimelineRow, outbox

    async with app_client_factory(
        "finance-match",
        run_relay=False,
        run_consumers=False,
        scheduler_enabled=False,
        decision_speed_ttl_s=0,
        gc_freeze_catalogue=False,
        **UNLIMITED,
    ) as (app, client):
        db = app.state.db
        uscc = await _srdi_enterprise(app)
        demand = await _demand(client, auth_header, uscc)
        case = next(c for c in demand["cases"] if c["product_code"] == "srdi-loan")
        ccb = auth_header("institution", inst=case["institution_code"])
        url = f"/v1/cases/{case['id']}"

        async def timeline() -> int:
            async with db.read() as s:
                q = select(func.count()).select_from(CaseTimelineRow).where(CaseTimelineRow.case_id == case["id"])
                return int((await s.execute(q)).scalar_one())

        # the case: 100 institution staff act on version 1 at once (view, accept, decline mixed)
        before_events = len(await outbox_events(db, outbox))
        before_timeline = await timeline()
        headers = {**ccb, "If-Match": f'"{case["version"]}"'}
        kinds = ["view", "accept", "decline"]
        requests = []
        for i in range(N):
            kind = kinds[i % 3]
            body = {"note": "受理"} if kind == "accept" else {"reason": "policy"} if kind == "decline" else None
            requests.append(send(lambda kind=kind, body=body: client.post(f"{url}/{kind}", headers=headers, json=body)))
        winner = assert_one_winner(await asyncio.gather(*requests))
        got = (await client.get(url, headers=ccb)).json()
        assert got["version"] == case["version"] + 1 == winner.json()["version"]
        assert got["state"] == winner.json()["state"]
        assert await timeline() == before_timeline + 1
        new = (await outbox_events(db, outbox))[before_events:]
        case_events = [e for e in new if e["data"].get("case_id") == case["id"]]
        assert len(case_events) == 1, [e["type"] for e in new]

        # the demand: 100 withdrawals at the demand's current version
        d = await client.get(f"/v1/demands/{demand['id']}", headers=auth_header("enterprise", uscc=uscc))
        version = d.json()["version"]
        before_events = len(await outbox_events(db, outbox))
        ent = {**auth_header("enterprise", uscc=uscc), "If-Match": f'"{version}"'}
        responses = await asyncio.gather(
            *(
                send(
                    lambda i=i: client.post(
                        f"/v1/demands/{demand['id']}/withdraw", headers=ent, json={"reason": f"不再需要 {i}"}
                    )
                )
                for i in range(N)
            )
        )
        winner = assert_one_winner(list(responses))
        after = (await client.get(f"/v1/demands/{demand['id']}", headers=auth_header("admin"))).json()
        assert after["status"] == winner.json()["status"] == "withdrawn"
        assert after["version"] == version + 1
        new = (await outbox_events(db, outbox))[before_events:]
        withdrawn = [e for e in new if e["type"] == DEMAND_WITHDRAWN]
        assert len(withdrawn) == 1, [e["type"] for e in new]


# -- registry --------------------------------------------------------------------------------


async def test_the_same_import_uploaded_twice_at_once_is_applied_once(
    app_client_factory: Any, auth_header: Callable[..., dict[str, str]]
) -> None:
    header = "uscc,name,district_code,industry_code,established_on"
    lines = [f"{make_uscc()},重庆并发导入{i}有限公司,500113,C3825,2018-04-01" for i in range(200)]
    data = ("\n".join([header, *lines]) + "\n").encode("utf-8")
    async with app_client_factory("registry", run_relay=False, run_consumers=False, **UNLIMITED) as (app, client):
        db = app.state.db
        admin = auth_header("admin")

        async def count(table: Any) -> int:
            async with db.read() as s:
                return int((await s.execute(select(func.count()).select_from(table))).scalar_one())

        uploads = await asyncio.gather(
            *(
                send(lambda: client.post("/v1/imports", files={"file": ("f.csv", data)}, headers=admin))
                for _ in range(2)
            )
        )
        assert all(r.status_code in (200, 201) for r in uploads), [r.text[:300] for r in uploads]
        ids = {r.json()["id"] for r in uploads}
        assert len(ids) == 1, "both uploads answer with the one import"
        assert sorted(r.json()["repeated"] for r in uploads) == [False, True]
        assert await count(imports) == 1
        assert await count(enterprises) == 200
        assert await count(revisions) == 200
        assert await count(registry_outbox) == 200
        # and a third upload later changes nothing either
        third = await client.post("/v1/imports", files={"file": ("f.csv", data)}, headers=admin)
        assert third.json()["id"] in ids and third.json()["repeated"] is True
        assert (await count(revisions), await count(registry_outbox)) == (200, 200)


# -- over real processes ---------------------------------------------------------------------


async def test_100_concurrent_transitions_across_service_processes(
    app_client_factory: Any, auth_header: Any, test_databases: Any, kafka_bootstrap: str, tmp_path: Path
) -> None:
    """The same race over HTTP against uvicorn processes; on PostgreSQL two replicas of the
    service share the database (SQLite has one writer process)."""
    url = test_databases.fresh("whistle")
    async with app_client_factory(
        "whistle", database_url=url, run_relay=False, run_consumers=False, scheduler_enabled=False, **UNLIMITED
    ) as (app, client):
        w = Whistle(app, client, FakeClock(dt.datetime.now(dt.UTC)), auth_header)
        app.state.whistle.clock = w.clock
        await w.seed(USCC)
        issue = await w.raise_issue()
        lead = w.dept(LEAD)
        before = len(await outbox_events(app.state.db, whistle_outbox))
    info = service("whistle")
    env = dict(os.environ)
    env.update(
        {
            "TIDU_ENVIRONMENT": "test",
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "KAFKA_NAMESPACE": f"c{uuid.uuid4().hex[:6]}.",
            f"{info.env_prefix}DATABASE_URL": url,
            f"{info.env_prefix}RUN_RELAY": "false",
            f"{info.env_prefix}RUN_CONSUMERS": "false",
            f"{info.env_prefix}SCHEDULER_ENABLED": "false",
            f"{info.env_prefix}WRITE_RATE_PER_S": "100000",
            f"{info.env_prefix}WRITE_BURST": "100000",
        }
    )
    replicas = 1 if test_databases.backend == "sqlite" else 2
    procs = [ServiceProcess(info, free_port(), env, tmp_path / f"whistle-{i}.log") for i in range(replicas)]
    try:
        for p in procs:
            p.start(wait=False)
        for p in procs:
            await asyncio.to_thread(wait_ready, p.url, 60, p.proc)
        headers = {**lead, "If-Match": f'"{issue["version"]}"'}
        limits = httpx.Limits(max_connections=N)
        async with httpx.AsyncClient(timeout=60, limits=limits) as http:
            responses = await asyncio.gather(
                *(
                    send(
                        lambda i=i: http.post(
                            f"{procs[i % replicas].url}/v1/issues/{issue['id']}/actions/"
                            + ("check_in" if i % 2 else "comment"),
                            json=None if i % 2 else {"note": f"请补充材料 {i}"},
                            headers=headers,
                        )
                    )
                    for i in range(N)
                )
            )
            winner = assert_one_winner(list(responses))
            final = (await http.get(f"{procs[0].url}/v1/issues/{issue['id']}", headers=w.admin())).json()
    finally:
        for p in procs:
            p.stop()
    assert final["version"] == issue["version"] + 1 == int(winner.headers["etag"].strip('"'))
    assert len(final["timeline"]) == len(issue["timeline"]) + 1
    db = Database(url)
    try:
        events = await outbox_events(db, whistle_outbox)
    finally:
        await db.dispose()
    new = events[before:]
    assert new and all(e["subject"] == issue["id"] for e in new), new
    # one transition's events: one per topic (the issue topic and the departments' topics), one kind
    assert all(n == 1 for n in Counter((e["_topic"], e["type"]) for e in new).values())
    assert len({e["type"] for e in new}) == 1, {e["type"] for e in new}
