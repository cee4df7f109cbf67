"""The audit log (tidu_shared.audit) on a small service app built by ``create_service_app`` over a
migrated service database (the eligibility schema, which has ``audit_log`` since 0003): writes,
denials (403 and the 404 that hides existence), sensitive reads, the admin query, the published
event, and append-only enforced by the database."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Response
from sqlalchemy import Table, create_engine, text
from sqlalchemy.exc import DBAPIError

from tidu_eligibility.models import audit, dead_letters, inbox, metadata, outbox
from tidu_shared.audit import hides_existence, sensitive_read
from tidu_shared.auth import CurrentPrincipal, Role, require_roles
from tidu_shared.contracts.audit import AUDIT_RECORDED
from tidu_shared.errors import ProblemError, not_found
from tidu_shared.events import Envelope
from tidu_shared.kafka import make_consumer
from tidu_shared.migrations import upgrade
from tidu_shared.service import ServiceSpec, create_service_app
from tidu_shared.settings import KafkaSettings, ServiceSettings
from tidu_shared.testing.plugin import running_app
from tidu_shared.topics import AUDIT

ID_NUMBER = "500113199001011234"
PHONE = "13812345678"


def _router() -> APIRouter:
    r = APIRouter(prefix="/v1")

    @r.put("/things/{uscc}", status_code=201)
    async def put_thing(uscc: str, principal: CurrentPrincipal) -> dict[str, str]:
        return {"uscc": uscc, "by": principal.sub}

    @r.post("/things", status_code=201)
    async def create_thing(response: Response, principal: CurrentPrincipal) -> dict[str, str]:
        response.headers["Location"] = "/v1/things/T-NEW"
        return {"id": "T-NEW"}

    @r.post("/things/{uscc}/fail")
    async def post_invalid(uscc: str, principal: CurrentPrincipal) -> None:
        raise ProblemError(422, "thing_invalid", "数据有误", "数据有误", "invalid")

    @r.get("/things/{uscc}")
    async def get_thing(uscc: str, principal: CurrentPrincipal) -> dict[str, str]:
        if uscc == "MISSING":
            raise not_found("thing_not_found", "记录", "thing")  # a genuine "not found"
        if principal.role == Role.enterprise and principal.uscc != uscc:
            raise hides_existence(not_found("thing_not_found", "记录", "thing"))
        return {"uscc": uscc}

    @r.get("/district-report", dependencies=[require_roles(Role.operator)])
    async def district_report() -> dict[str, str]:
        return {"report": "ok"}

    @r.get("/people/{person_id}/contact", dependencies=[sensitive_read("identity", "phone")])
    async def contact(person_id: str, principal: CurrentPrincipal) -> dict[str, str]:
        return {"id_number": ID_NUMBER, "phone": PHONE}

    @r.get("/people/by-phone/{phone}", dependencies=[sensitive_read("phone")])
    async def by_phone(phone: str, principal: CurrentPrincipal) -> dict[str, str]:
        return {"phone": phone}

    return r


def _app(database_url: str, kafka: KafkaSettings, *, table: Table = audit, run_relay: bool = False) -> Any:
    spec = ServiceSpec(
        name="eligibility",
        package="tidu_eligibility",
        title="audit test",
        description="audit test",
        metadata=metadata,
        outbox=outbox,
        inbox=inbox,
        dead_letters=dead_letters,
        audit=table,
        routers=[_router()],
    )
    settings = ServiceSettings(database_url=database_url, kafka=kafka, run_relay=run_relay, run_consumers=False)
    return create_service_app(spec, settings)


@pytest.fixture
async def client(test_databases: Any, kafka_settings: KafkaSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(_app(test_databases.fresh("eligibility"), kafka_settings)) as c:
        yield c


async def _audit(client: httpx.AsyncClient, admin: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    r = await client.get("/v1/audit", params=params, headers=admin)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def test_a_write_is_recorded_with_who_when_what_and_why(client: httpx.AsyncClient, auth_header: Any) -> None:
    op = auth_header("operator", district="500113")
    before = dt.datetime.now(dt.UTC)
    r = await client.put("/v1/things/91500113MA5U7LXX3F", headers={**op, "X-Request-ID": "req-write-1"})
    assert r.status_code == 201
    sub = r.json()["by"]

    [row] = await _audit(client, auth_header("admin"), actor=sub)
    assert row["actor"] == {"sub": sub, "role": "operator", "scope": "district=500113"}
    assert before <= dt.datetime.fromisoformat(row["at"]) <= dt.datetime.now(dt.UTC)
    assert row["method"] == "PUT"
    assert row["route"] == "PUT /v1/things/{uscc}"
    assert row["path"] == "/v1/things/91500113MA5U7LXX3F"
    assert row["subject"] == "91500113MA5U7LXX3F"
    assert (row["status"], row["outcome"], row["code"]) == (201, "ok", None)
    assert row["request_id"] == "req-write-1"
    assert row["service"] == "eligibility"

    # A refused write is recorded too, with its problem code.
    r = await client.post("/v1/things/91500113MA5U7LXX3F/fail", headers=op)
    assert r.status_code == 422
    rows = await _audit(client, auth_header("admin"), actor=sub, outcome="rejected")
    assert [(x["status"], x["code"]) for x in rows] == [(422, "thing_invalid")]
    # … and a plain read is not.
    assert (await client.get("/v1/things/91500113MA5U7LXX3F", headers=op)).status_code == 200
    assert len(await _audit(client, auth_header("admin"), actor=sub)) == 2


async def test_a_create_names_the_new_record_and_a_phone_number_sub_is_masked(
    client: httpx.AsyncClient, token: Any, auth_header: Any
) -> None:
    h = {"Authorization": f"Bearer {token('enterprise', sub=PHONE, uscc='91500113MA5U7LXX3F')}"}
    assert (await client.post("/v1/things", headers=h)).status_code == 201
    [row] = await _audit(client, auth_header("admin"), actor=PHONE)
    assert (row["route"], row["subject"]) == ("POST /v1/things", "T-NEW")
    assert row["actor"]["sub"] == "138****5678"


async def test_denied_accesses_are_recorded_and_an_admin_sees_them(
    client: httpx.AsyncClient, token: Any, auth_header: Any
) -> None:
    ent_sub = f"ent-{uuid.uuid4().hex[:6]}"
    ent = {"Authorization": f"Bearer {token('enterprise', sub=ent_sub, uscc='91500113MA5U7LXX3F')}"}
    # Another enterprise's record: 404, existence hidden — and audited as a denial.
    r = await client.get("/v1/things/91500113MA60A1B2CP", headers={**ent, "X-Request-ID": "req-peek"})
    assert r.status_code == 404
    assert r.json()["code"] == "thing_not_found"
    # A genuine "not found" is not a denial, and a read: not recorded.
    assert (await client.get("/v1/things/MISSING", headers=ent)).status_code == 404
    # A role that may not: 403.
    r = await client.get("/v1/district-report", headers=ent)
    assert r.status_code == 403

    denied = await _audit(client, auth_header("admin"), actor=ent_sub, outcome="denied")
    assert [(d["route"], d["status"], d["code"]) for d in denied] == [
        ("GET /v1/district-report", 403, "role_not_allowed"),
        ("GET /v1/things/{uscc}", 404, "thing_not_found"),
    ]
    peek = denied[1]
    assert peek["subject"] == "91500113MA60A1B2CP"
    assert peek["request_id"] == "req-peek"
    assert peek["actor"] == {"sub": ent_sub, "role": "enterprise", "scope": "uscc=91500113MA5U7LXX3F"}
    assert await _audit(client, auth_header("admin"), actor=ent_sub, outcome="ok") == []

    # No token at all: 401, a denial without an actor.
    assert (await client.get("/v1/district-report", headers={"X-Request-ID": "req-anon"})).status_code == 401
    anon = [x for x in await _audit(client, auth_header("admin"), outcome="denied") if x["request_id"] == "req-anon"]
    assert [(a["status"], a["actor"]["sub"], a["code"]) for a in anon] == [(401, None, "unauthenticated")]


async def test_only_admins_query_the_log_and_a_refusal_is_itself_audited(
    client: httpx.AsyncClient, token: Any, auth_header: Any
) -> None:
    r = await client.get(
        "/v1/audit", headers={"Authorization": f"Bearer {token('operator', sub='op-nosy', district='500000')}"}
    )
    assert r.status_code == 403
    assert r.json()["code"] == "role_not_allowed"
    [row] = await _audit(client, auth_header("admin"), actor="op-nosy")
    assert (row["route"], row["outcome"]) == ("GET /v1/audit", "denied")


async def test_sensitive_reads_are_recorded_with_their_categories_and_no_numbers(
    client: httpx.AsyncClient, token: Any, auth_header: Any
) -> None:
    h = {"Authorization": f"Bearer {token('admin', sub='adm-reader')}"}
    assert (await client.get("/v1/people/p-1/contact", headers=h)).json()["phone"] == PHONE
    assert (await client.get(f"/v1/people/by-phone/{PHONE}", headers=h)).status_code == 200
    rows = await _audit(client, auth_header("admin"), actor="adm-reader")
    assert [(x["route"], x["sensitive"], x["outcome"]) for x in rows] == [
        ("GET /v1/people/by-phone/{phone}", ["phone"], "ok"),
        ("GET /v1/people/{person_id}/contact", ["identity", "phone"], "ok"),
    ]
    assert rows[1]["subject"] == "p-1"
    # The phone number in a path is masked like in the logs.
    assert PHONE not in str(rows) and "138****5678" in rows[0]["path"]
    assert [
        x["route"] for x in await _audit(client, auth_header("admin"), actor="adm-reader", category="identity")
    ] == ["GET /v1/people/{person_id}/contact"]


async def test_filters_and_cursor_pagination(client: httpx.AsyncClient, token: Any, auth_header: Any) -> None:
    h = {"Authorization": f"Bearer {token('operator', sub='op-pager', district='500113')}"}
    for i in range(5):
        assert (await client.put(f"/v1/things/T{i}", headers=h)).status_code == 201
    admin = auth_header("admin")
    page1 = (await client.get("/v1/audit", params={"actor": "op-pager", "limit": 2}, headers=admin)).json()
    assert [x["subject"] for x in page1["items"]] == ["T4", "T3"]
    page2 = (
        await client.get(
            "/v1/audit", params={"actor": "op-pager", "limit": 2, "cursor": page1["next_cursor"]}, headers=admin
        )
    ).json()
    assert [x["subject"] for x in page2["items"]] == ["T2", "T1"]
    page3 = (
        await client.get(
            "/v1/audit", params={"actor": "op-pager", "limit": 2, "cursor": page2["next_cursor"]}, headers=admin
        )
    ).json()
    assert ([x["subject"] for x in page3["items"]], page3["next_cursor"]) == (["T0"], None)

    assert [x["subject"] for x in await _audit(client, admin, subject="T3")] == ["T3"]
    assert len(await _audit(client, admin, role="operator", method="put", route="PUT /v1/things/{uscc}")) == 5
    assert await _audit(client, admin, actor="op-pager", since=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)) == []
    assert (
        len(await _audit(client, admin, actor="op-pager", until=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))) == 5
    )
    # The page size is capped, not refused.
    assert (await client.get("/v1/audit", params={"limit": 100000}, headers=admin)).status_code == 200

    r = await client.get("/v1/audit", params={"cursor": "not-a-cursor"}, headers=admin)
    assert (r.status_code, r.json()["code"]) == (422, "invalid_cursor")
    r = await client.get("/v1/audit", params={"outcome": "maybe"}, headers=admin)
    assert r.status_code == 422
    assert r.json()["errors"][0]["message"] == "取值不在允许范围内"
    # A bare number is not read as a Unix time (that would silently filter from 1970).
    r = await client.get("/v1/audit", params={"until": "466"}, headers=admin)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")


async def test_each_record_is_published_on_the_audit_topic(
    test_databases: Any, kafka_settings: KafkaSettings, token: Any
) -> None:
    h = {"Authorization": f"Bearer {token('operator', sub='op-events', district='500113')}", "X-Request-ID": "req-ev"}
    async with running_app(_app(test_databases.fresh("eligibility"), kafka_settings, run_relay=True)) as c:
        assert (await c.put("/v1/things/91500113MA5U7LXX3F", headers=h)).status_code == 201
        found = await _read_audit_events(kafka_settings, lambda e: e.data.get("request_id") == "req-ev")
        [row] = await _audit(c, {"Authorization": f"Bearer {token('admin')}"}, actor="op-events")
    assert found.type == AUDIT_RECORDED
    assert found.source == "/tidu/eligibility"
    assert found.id == row["event_id"]
    assert found.data["route"] == "PUT /v1/things/{uscc}"
    assert found.data["actor_sub"] == "op-events"
    assert found.data["outcome"] == "ok"


async def _read_audit_events(kafka: KafkaSettings, match: Any, timeout: float = 20.0) -> Envelope:
    consumer = make_consumer(kafka, kafka.topic(AUDIT), group_id=None)
    await consumer.start()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for recs in batch.values():
                for rec in recs:
                    env = Envelope.from_bytes(rec.value)
                    if match(env):
                        return env
    finally:
        await consumer.stop()
    raise AssertionError("no audit event on the topic before the deadline")


async def test_a_failed_audit_write_does_not_fail_the_request(
    test_databases: Any, kafka_settings: KafkaSettings, auth_header: Any
) -> None:
    from sqlalchemy import MetaData

    from tidu_shared.audit import audit_table

    missing = audit_table(MetaData())
    missing.name = "audit_log_not_there"
    app = _app(test_databases.fresh("eligibility"), kafka_settings, table=missing)
    async with running_app(app) as c:
        r = await c.put("/v1/things/91500113MA5U7LXX3F", headers=auth_header("operator", district="500113"))
        assert r.status_code == 201
        metrics = (await c.get("/metrics")).text
    assert 'tidu_audit_write_failures_total{service="eligibility"} 1.0' in metrics


# --- append-only, enforced by the database -------------------------------------------------------


async def _try_rewrite(url: str) -> list[str]:
    """Append one row, then try to update and delete it."""
    from tidu_shared.db import Database

    db = Database(url, outbox=outbox)
    refused = []
    try:
        async with db.transaction() as s:
            await s.execute(
                audit.insert().values(
                    at=dt.datetime.now(dt.UTC),
                    service="eligibility",
                    method="PUT",
                    route="PUT /v1/x",
                    path="/v1/x",
                    status=200,
                    outcome="ok",
                    request_id="r",
                )
            )
        for stmt in ("UPDATE audit_log SET outcome = 'denied'", "DELETE FROM audit_log"):
            with pytest.raises(DBAPIError, match="append-only"):
                async with db.transaction() as s:
                    await s.execute(text(stmt))
            refused.append(stmt.split()[0])
        async with db.read() as s:
            assert (await s.execute(text("SELECT outcome FROM audit_log"))).scalars().all() == ["ok"]
    finally:
        await db.dispose()
    return refused


async def test_the_database_refuses_update_and_delete(test_databases: Any) -> None:
    """On the suite's backend (SQLite, or PostgreSQL with TIDU_TEST_POSTGRES_URL)."""
    assert await _try_rewrite(test_databases.fresh("eligibility")) == ["UPDATE", "DELETE"]


async def test_sqlite_refuses_update_and_delete(tmp_path: Any) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"
    upgrade("tidu_eligibility", "eligibility", url)
    assert await _try_rewrite(url) == ["UPDATE", "DELETE"]
    sync = create_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    with sync.connect() as conn:
        triggers = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars().all()
    sync.dispose()
    assert {"audit_log_no_update", "audit_log_no_delete"} <= set(triggers)
