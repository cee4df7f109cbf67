"""Process kills while events flow: 2,500 enterprises registered in the registry's outbox (each
then assessed by eligibility under every rule set in force, whose events flow on — over 10,000
events in all) flow through the registry relay → eligibility (which assesses them and publishes its own events
through its relay) → finance-match and whistle. The relay and consumer processes are killed
with SIGKILL at random moments and restarted. Afterwards every outbox row was published and
every event was applied exactly once by every consumer (each producer's outbox compared with
each consumer's inbox and projection)."""

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

import pytest
from sqlalchemy import text

from tidu_registry.domain.uscc import make_uscc
from tidu_registry.models import Enterprise
from tidu_registry.models import outbox as registry_outbox
from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED
from tidu_shared.db import Database
from tidu_shared.devbroker import DevBroker, free_port
from tidu_shared.outbox import emit
from tidu_shared.services_catalog import service
from tidu_shared.testing.stack import ServiceProcess

pytestmark = pytest.mark.integration

N = int(os.environ.get("TIDU_FAULT_EVENTS", "2500"))
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


def test_kill_9_relays_and_consumers_while_events_flow(test_databases: Any, tmp_path: Path) -> None:
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
        }
    )
    procs = [
        process("registry", "relay", env, urls["registry"], tmp_path),
        process("eligibility", "consumer", env, urls["eligibility"], tmp_path),
        process("eligibility", "relay", env, urls["eligibility"], tmp_path),
        process("finance-match", "consumer", env, urls["finance-match"], tmp_path),
        process("whistle", "consumer", env, urls["whistle"], tmp_path),
    ]
    kills: list[str] = []
    codes: list[str] = []

    def writer() -> None:
        codes.extend(asyncio.run(write_registrations(urls["registry"], N)))

    try:
        for p in procs:
            p.start()
        # Processes are started and restarted from this (main) thread only: a child dies with the
        # thread that started it (PR_SET_PDEATHSIG), so the writer gets the other thread.
        write = threading.Thread(target=writer, daemon=True)
        write.start()
        rnd = random.Random(42)
        while len(kills) < KILLS:
            time.sleep(rnd.uniform(0.5, 2.0))
            victim = rnd.choice(procs)
            victim.kill()
            kills.append(victim.log_path.stem)
            time.sleep(rnd.uniform(0.1, 1.0))
            victim.start(wait=False)
        write.join(timeout=300)
        assert not write.is_alive(), "writing the registrations took too long"

        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            pending = asyncio.run(scalar(urls["registry"], "SELECT count(*) FROM outbox WHERE status != 'sent'"))
            done = [asyncio.run(scalar(urls[s], "SELECT count(*) FROM enterprise_profiles")) for s in PROJECTING]
            if pending == 0 and all(d == N for d in done):
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
        want = "SELECT count(*) FROM outbox WHERE event_type LIKE 'tidu.eligibility.assessment%'"
        got = "SELECT count(*) FROM inbox WHERE event_type LIKE 'tidu.eligibility.assessment%'"
        while time.monotonic() < deadline and asyncio.run(scalar(urls["finance-match"], got)) < asyncio.run(
            scalar(urls["eligibility"], want)
        ):
            time.sleep(1.0)
    finally:
        for p in procs:
            p.stop()
        broker.stop()

    assert len(kills) >= min(KILLS, 3), kills
    # every outbox row published, none parked
    for name in ("registry", "eligibility"):
        assert asyncio.run(scalar(urls[name], "SELECT count(*) FROM outbox WHERE status != 'sent'")) == 0
    # each consumer applied every registered event exactly once: one inbox row per event id (the
    # primary key forbids a second) and one projection row per enterprise
    registered = asyncio.run(scalar(urls["registry"], "SELECT count(*) FROM outbox"))
    assert registered == N == len(set(codes))
    for svc in PROJECTING:
        inbox = asyncio.run(
            scalar(urls[svc], f"SELECT count(*) FROM inbox WHERE event_type = '{ENTERPRISE_REGISTERED}'")
        )
        assert inbox == N, (svc, inbox)
        assert asyncio.run(scalar(urls[svc], "SELECT count(*) FROM enterprise_profiles")) == N
    # what eligibility published, finance-match applied — each once
    published = asyncio.run(scalar(urls["eligibility"], "SELECT count(*) FROM outbox"))
    applied = asyncio.run(
        scalar(urls["finance-match"], "SELECT count(*) FROM inbox WHERE event_type LIKE 'tidu.eligibility.%'")
    )
    subscribed = asyncio.run(
        scalar(urls["eligibility"], "SELECT count(*) FROM outbox WHERE event_type LIKE 'tidu.eligibility.assessment%'")
    )
    assert applied <= published
    assert applied >= subscribed, (applied, subscribed)
    print(f"\nevents: registry {registered}, eligibility {published}; kills: {len(kills)} {kills}")
