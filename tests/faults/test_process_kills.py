"""Process kills while events flow: 2,500 enterprises registered in the registry's outbox and 200
more registered through the registry's API (each then assessed by eligibility under every rule set
in force, whose events flow on — over 10,000 events in all) flow through the registry relay →
eligibility (which assesses them and publishes its own events through its relay) → finance-match
and whistle. The API, relay and consumer processes are killed with SIGKILL at random moments
(each kind at least once) and restarted; the API's clients retry what got no answer. Afterwards
every outbox row was published and every event was applied exactly once by every consumer: the
event ids in each producer's outbox are exactly those in each consumer's inbox (nothing skipped,
nothing twice) and each projection has one row per enterprise."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tidu_registry.domain.uscc import make_uscc
from tidu_registry.models import Enterprise
from tidu_registry.models import outbox as registry_outbox
from tidu_shared.auth import mint_token
from tidu_shared.contracts.eligibility import ASSESSMENT_COMPLETED
from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED
from tidu_shared.db import Database
from tidu_shared.devbroker import DevBroker, free_port
from tidu_shared.outbox import emit
from tidu_shared.services_catalog import service
from tidu_shared.settings import AuthSettings
from tidu_shared.testing.stack import ServiceProcess

pytestmark = pytest.mark.integration

N = int(os.environ.get("TIDU_FAULT_EVENTS", "2500"))
N_API = int(os.environ.get("TIDU_FAULT_API_REGISTRATIONS", "200"))
KILLS = int(os.environ.get("TIDU_FAULT_KILLS", "8"))
PROJECTING = ("eligibility", "finance-match", "whistle")


async def write_registrations(url: str, n: int, batch: int = 500) -> list[str]:
    """The registry's use case, in bulk: enterprises and their events in the same transactions."""
    db = Database(url, outbox=registry_outbox)
    rnd = random.Random()
    unique: set[str] = set()
    while len(unique) < n:
        unique.add(make_uscc(seed=rnd.randrange(1 << 62)))
    codes = sorted(unique)
    now = dt.datetime.now(dt.UTC)
    try:
        for i in range(0, n, batch):
            async with db.transaction() as s:
                for code in codes[i : i + batch]:
                    name = f"企业{code[-6:]}"
                    founded = dt.date(2018, 1, 1)
                    s.add(
                        Enterprise(
                            uscc=code,
                            name=name,
                            district_code="500113",
                            industry_code="C3825",
                            established_on=founded,
                            created_at=now,
                            updated_at=now,
                            version=1,
                        )
                    )
                    data = {
                        "uscc": code,
                        "name": name,
                        "district_code": "500113",
                        "industry_code": "C3825",
                        "established_on": founded,
                        "registered_at": now,
                    }
                    emit(s, type=ENTERPRISE_REGISTERED, subject=code, data=data)
    finally:
        await db.dispose()
    return codes


def register_over_api(api: ServiceProcess, n: int, stop_at: float) -> list[str]:
    """``n`` registrations through the registry's API while it is being killed: a request without an
    answer is sent again until the API answers 201 (registered now) or 409 (registered by the
    attempt that got no answer)."""
    token = mint_token(AuthSettings(), sub="kills-admin", role="admin")
    headers = {"Authorization": f"Bearer {token}"}
    rnd = random.Random()
    codes = sorted({make_uscc(seed=rnd.randrange(1 << 62)) for _ in range(n)})
    with httpx.Client(timeout=10, headers=headers) as client:
        for code in codes:
            body = {
                "uscc": code,
                "name": f"企业{code[-6:]}",
                "district_code": "500113",
                "industry_code": "C3825",
                "established_on": "2018-01-01",
            }
            while True:
                assert time.monotonic() < stop_at, "the registry API did not come back"
                try:
                    r = client.post(f"{api.url}/v1/enterprises", json=body)
                except httpx.TransportError:
                    time.sleep(0.2)
                    continue
                if r.status_code in (201, 409):
                    assert r.status_code == 201 or r.json()["code"] == "enterprise_exists", r.text
                    break
                assert r.status_code in (429, 503), r.text
                time.sleep(0.2)
    return codes


async def ids(url: str, sql: str) -> set[str]:
    db = Database(url)
    try:
        async with db.read() as s:
            return set((await s.execute(text(sql))).scalars())
    finally:
        await db.dispose()


async def scalar(url: str, sql: str) -> int:
    db = Database(url)
    try:
        async with db.read() as s:
            return int((await s.execute(text(sql))).scalar_one())
    finally:
        await db.dispose()


def process(name: str, role: str, env: dict[str, str], db_url: str, workdir: Path) -> ServiceProcess:
    info = service(name)
    e = dict(env)
    e[f"{info.env_prefix}DATABASE_URL"] = db_url
    e[f"{info.env_prefix}RUN_RELAY"] = "true" if role in ("relay", "both") else "false"
    e[f"{info.env_prefix}RUN_CONSUMERS"] = "true" if role in ("consumer", "both") else "false"
    return ServiceProcess(info, free_port(), e, workdir / f"{name}-{role}.log")


def test_kill_9_api_relays_and_consumers_while_events_flow(test_databases: Any, tmp_path: Path) -> None:
    broker = DevBroker(log_path=tmp_path / "broker.log").start()
    urls = {n: test_databases.fresh(n) for n in ("registry", *PROJECTING)}
    env = dict(os.environ)
    env.update(
        {
            "TIDU_ENVIRONMENT": "test",
            "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
            "KAFKA_NAMESPACE": f"k{uuid.uuid4().hex[:6]}.",
            "KAFKA_SESSION_TIMEOUT_MS": "2000",
            "KAFKA_HEARTBEAT_INTERVAL_MS": "500",
            "TIDU_REGISTRY_LOG_LEVEL": "WARNING",
            "TIDU_REGISTRY_WRITE_RATE_PER_S": "100000",
            "TIDU_REGISTRY_WRITE_BURST": "100000",
        }
    )
    api = process("registry", "api", env, urls["registry"], tmp_path)
    procs = [
        api,
        process("registry", "relay", env, urls["registry"], tmp_path),
        process("eligibility", "consumer", env, urls["eligibility"], tmp_path),
        process("eligibility", "relay", env, urls["eligibility"], tmp_path),
        process("finance-match", "consumer", env, urls["finance-match"], tmp_path),
        process("whistle", "consumer", env, urls["whistle"], tmp_path),
    ]
    kills: list[str] = []
    codes: list[str] = []
    api_codes: list[str] = []

    def writer() -> None:
        codes.extend(asyncio.run(write_registrations(urls["registry"], N)))

    def api_writer() -> None:
        api_codes.extend(register_over_api(api, N_API, time.monotonic() + 300))

    try:
        for p in procs:
            p.start()
        # Processes are started and restarted from this (main) thread only: a child dies with the
        # thread that started it (PR_SET_PDEATHSIG), so the writers get other threads.
        writers = [threading.Thread(target=writer, daemon=True), threading.Thread(target=api_writer, daemon=True)]
        for w in writers:
            w.start()
        rnd = random.Random(42)
        # each kind of process at least once (the API, a relay, a consumer), then at random
        first = [api, rnd.choice([p for p in procs if "relay" in p.log_path.stem])]
        first.append(rnd.choice([p for p in procs if "consumer" in p.log_path.stem]))
        rnd.shuffle(first)
        while len(kills) < max(KILLS, len(first)):
            time.sleep(rnd.uniform(0.5, 2.0))
            victim = first[len(kills)] if len(kills) < len(first) else rnd.choice(procs)
            victim.kill()
            kills.append(victim.log_path.stem)
            time.sleep(rnd.uniform(0.1, 1.0))
            victim.start(wait=False)
        for w in writers:
            w.join(timeout=300)
            assert not w.is_alive(), "writing the registrations took too long"
        total = N + N_API

        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            pending = asyncio.run(scalar(urls["registry"], "SELECT count(*) FROM outbox WHERE status != 'sent'"))
            done = [asyncio.run(scalar(urls[s], "SELECT count(*) FROM enterprise_profiles")) for s in PROJECTING]
            if pending == 0 and all(d == total for d in done):
                break
            time.sleep(1.0)
        else:
            logs = "\n".join(p.log()[-2000:] for p in procs)
            raise AssertionError(f"not converged: pending={pending} projections={done}\n{logs}")
        elig_pending = "SELECT count(*) FROM outbox WHERE status != 'sent'"
        deadline = time.monotonic() + 300
        while asyncio.run(scalar(urls["eligibility"], elig_pending)) and time.monotonic() < deadline:
            time.sleep(1.0)
        # and finance-match has applied what eligibility published
        want = f"SELECT count(*) FROM outbox WHERE event_type = '{ASSESSMENT_COMPLETED}'"
        got = f"SELECT count(*) FROM inbox WHERE event_type = '{ASSESSMENT_COMPLETED}'"
        while time.monotonic() < deadline and asyncio.run(scalar(urls["finance-match"], got)) < asyncio.run(
            scalar(urls["eligibility"], want)
        ):
            time.sleep(1.0)
    finally:
        for p in procs:
            p.stop()
        broker.stop()

    assert {"registry-api"} <= set(kills) and any("relay" in k for k in kills), kills
    assert any("consumer" in k for k in kills), kills
    # every outbox row published, none parked
    for name in ("registry", "eligibility"):
        assert asyncio.run(scalar(urls[name], "SELECT count(*) FROM outbox WHERE status != 'sent'")) == 0
    # every registration acknowledged or retried to an answer is registered once, with one event
    assert len(set(codes) | set(api_codes)) == total
    stored = asyncio.run(ids(urls["registry"], "SELECT uscc FROM enterprises"))
    assert stored == set(codes) | set(api_codes)
    registered = asyncio.run(
        ids(urls["registry"], f"SELECT event_id FROM outbox WHERE event_type = '{ENTERPRISE_REGISTERED}'")
    )
    assert len(registered) == total
    # each consumer applied exactly the registered events — each once (the inbox's primary key
    # forbids a second row; a missing one would be a skipped offset) — and projected each enterprise
    for svc in PROJECTING:
        inbox = asyncio.run(ids(urls[svc], f"SELECT event_id FROM inbox WHERE event_type = '{ENTERPRISE_REGISTERED}'"))
        assert inbox == registered, (svc, len(inbox - registered), len(registered - inbox))
        assert asyncio.run(ids(urls[svc], "SELECT uscc FROM enterprise_profiles")) == stored
    # what eligibility published, finance-match applied: exactly those events, each once
    published = asyncio.run(
        ids(urls["eligibility"], f"SELECT event_id FROM outbox WHERE event_type = '{ASSESSMENT_COMPLETED}'")
    )
    applied = asyncio.run(
        ids(urls["finance-match"], f"SELECT event_id FROM inbox WHERE event_type = '{ASSESSMENT_COMPLETED}'")
    )
    assert published and applied == published, (len(applied - published), len(published - applied))
    all_events = asyncio.run(scalar(urls["eligibility"], "SELECT count(*) FROM outbox")) + len(registered)
    if N >= 2500:  # the default run: over 10,000 events in all
        assert all_events >= 10_000, all_events
    print(f"\nevents: {all_events} (registry {len(registered)}); kills: {len(kills)} {kills}")
