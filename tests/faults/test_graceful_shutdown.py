"""Graceful shutdown: the whistle service as a real uvicorn process (API, outbox relay and
consumers) gets SIGTERM while requests are in flight, its consumer is applying a stream of
registry events and its outbox has rows to publish. Then:

* every request that reached the service got its whole response (a 201 with the issue), and a
  request that did not reach it left nothing behind;
* the process finishes its shutdown and exits within a bound;
* every outbox row is either published (and on the broker) or still pending for the next start
  — here the relay drained them all;
* the consumer committed the offsets of everything it applied: after a restart it goes on where
  it stopped, nothing is applied twice (the inbox's duplicate counter stays at 0) and nothing is
  missed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import text

from tidu_registry.domain.uscc import make_uscc
from tidu_shared.auth import mint_token
from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED
from tidu_shared.db import Database
from tidu_shared.devbroker import free_port
from tidu_shared.events import event_type, new_envelope
from tidu_shared.kafka import ensure_topics, make_producer
from tidu_shared.services_catalog import service
from tidu_shared.settings import AuthSettings, KafkaSettings
from tidu_shared.testing.stack import ServiceProcess, wait_until

pytestmark = pytest.mark.integration

SEEDED = 60  # enterprises known before the requests (each raises one issue)
STREAM = 2000  # registrations flowing into the consumer when SIGTERM arrives
EXIT_BOUND_S = 40  # uvicorn's graceful timeout (10 s) + consumers and relay (5 s each) + slack


async def scalar(url: str, sql: str) -> int:
    db = Database(url)
    try:
        async with db.read() as s:
            return int((await s.execute(text(sql))).scalar_one())
    finally:
        await db.dispose()


def count(url: str, sql: str) -> int:
    return asyncio.run(scalar(url, sql))


async def produce_registrations(kafka: KafkaSettings, codes: list[str]) -> None:
    et = event_type(ENTERPRISE_REGISTERED)
    await ensure_topics(kafka, [et.topic])
    producer = make_producer(kafka)
    await producer.start()
    try:
        now = dt.datetime.now(dt.UTC).isoformat()
        futures = []
        for code in codes:
            data = et.validate(
                {
                    "uscc": code,
                    "name": f"重庆停机测试{code[-6:]}有限公司",
                    "district_code": "500113",
                    "industry_code": "C3825",
                    "established_on": "2018-04-01",
                    "registered_at": now,
                }
            ).model_dump(mode="json")
            env = new_envelope(source="/tidu/registry", type=ENTERPRISE_REGISTERED, subject=code, data=data)
            futures.append(await producer.send(kafka.topic(et.topic), env.to_bytes(), key=code.encode()))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def event_ids_on_broker(kafka: KafkaSettings, topics: set[str]) -> set[str]:
    """Every event id published to ``topics`` (read to the end of each partition)."""
    import orjson

    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    ids: set[str] = set()
    try:
        parts = [
            TopicPartition(kafka.topic(t), p)
            for t in topics
            for p in (consumer.partitions_for_topic(kafka.topic(t)) or await _partitions(consumer, kafka.topic(t)))
        ]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        end = await consumer.end_offsets(parts)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            behind = [tp for tp in parts if await consumer.position(tp) < end[tp]]
            if not behind:
                break
            for records in (await consumer.getmany(timeout_ms=500)).values():
                ids.update(orjson.loads(r.value)["id"] for r in records if r.value)
    finally:
        await consumer.stop()
    return ids


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()  # no public way to refresh metadata
    return consumer.partitions_for_topic(topic) or {0}


def duplicates_applied(proc: ServiceProcess) -> float:
    """The consumer's counter of events received again and skipped by the inbox."""
    total = 0.0
    for line in httpx.get(f"{proc.url}/metrics", timeout=5).text.splitlines():
        if line.startswith("tidu_events_duplicate_total{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def raise_issues(
    proc: ServiceProcess, codes: list[str], on_first: Any
) -> list[tuple[str, httpx.Response | BaseException, float]]:
    """One issue per enterprise, all at once; ``on_first`` runs when the first answer arrives."""
    auth = AuthSettings()
    limits = httpx.Limits(max_connections=len(codes), max_keepalive_connections=len(codes))
    async with httpx.AsyncClient(base_url=proc.url, timeout=60, limits=limits) as client:
        fired = asyncio.Event()

        async def one(code: str) -> tuple[str, httpx.Response | BaseException, float]:
            token = mint_token(auth, sub=f"ent-{code}", role="enterprise", uscc=code)
            body = {"category": "land", "title": "厂房扩建用地指标", "description": f"扩建二期厂房 {code}"}
            try:
                r: httpx.Response | BaseException = await client.post(
                    "/v1/issues",
                    json=body,
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"shutdown-{code}"},
                )
            except httpx.HTTPError as exc:
                r = exc
            if not fired.is_set():
                fired.set()
                on_first()
            return code, r, time.monotonic()

        return list(await asyncio.gather(*(one(c) for c in codes)))


def test_sigterm_drains_requests_commits_offsets_and_flushes_the_relay(
    test_databases: Any, kafka_bootstrap: str, tmp_path: Path
) -> None:
    ns = f"g{uuid.uuid4().hex[:6]}."
    kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap, namespace=ns)
    url = test_databases.fresh("whistle")
    info = service("whistle")
    env = dict(os.environ)
    env.update(
        {
            "TIDU_ENVIRONMENT": "test",
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "KAFKA_NAMESPACE": ns,
            "KAFKA_SESSION_TIMEOUT_MS": "2000",
            "KAFKA_HEARTBEAT_INTERVAL_MS": "500",
            f"{info.env_prefix}DATABASE_URL": url,
            f"{info.env_prefix}SCHEDULER_ENABLED": "false",
            f"{info.env_prefix}WRITE_RATE_PER_S": "100000",
            f"{info.env_prefix}WRITE_BURST": "100000",
            f"{info.env_prefix}LOG_LEVEL": "WARNING",
        }
    )
    proc = ServiceProcess(info, free_port(), env, tmp_path / "whistle.log")
    rnd = random.Random()
    codes = sorted({make_uscc(seed=rnd.randrange(1 << 62)) for _ in range(SEEDED + STREAM)})
    seeded, stream = codes[:SEEDED], codes[SEEDED:]
    profiles = "SELECT count(*) FROM enterprise_profiles"
    try:
        proc.start()
        asyncio.run(produce_registrations(kafka, seeded))
        wait_until(lambda: count(url, profiles) == len(seeded), timeout=60, interval=0.3)

        # a stream for the consumer to be busy with, then the requests, then SIGTERM
        asyncio.run(produce_registrations(kafka, stream))
        signalled: list[float] = []

        def sigterm() -> None:
            assert proc.proc is not None
            proc.proc.send_signal(signal.SIGTERM)
            signalled.append(time.monotonic())

        results = asyncio.run(raise_issues(proc, seeded, sigterm))
        assert proc.proc is not None
        exit_code = proc.proc.wait(timeout=EXIT_BOUND_S)
        log = proc.log()
        # uvicorn re-raises the signal it handled once it has shut down, so a clean exit on SIGTERM
        # reports "terminated by SIGTERM" (never SIGKILL, a crash or a timeout)
        assert exit_code == -signal.SIGTERM, log[-3000:]
        assert "Application shutdown complete" in log and "Finished server process" in log, log[-3000:]

        # every request that reached the service got its whole response
        answered = [(c, r, t) for c, r, t in results if isinstance(r, httpx.Response)]
        failed = [(c, r) for c, r, _ in results if not isinstance(r, httpx.Response)]
        assert answered, failed
        # each answer is whole: the issue (201), or — when a slow machine keeps the burst waiting for
        # a database connection longer than the pool allows — a 503 that stored nothing
        created = [(c, r) for c, r, _ in answered if r.status_code == 201]
        assert created and all(r.json()["enterprise_uscc"] == c for c, r in created)
        shed = [r for _, r, _ in answered if r.status_code != 201]
        assert all(
            r.status_code == 503 and r.json()["code"] == "database_unavailable" and r.headers["Retry-After"]
            for r in shed
        ), [(r.status_code, r.text[:200]) for r in shed]
        assert any(t > signalled[0] for _, _, t in answered), "no request was in flight at SIGTERM"
        issues = count(url, "SELECT count(*) FROM issues")
        assert issues == len(created), (issues, len(created), len(shed), [str(e) for _, e in failed])
        # connections the server had not accepted yet were refused before any work: nothing applied
        assert all(isinstance(e, httpx.TransportError) for _, e in failed), failed

        # the relay flushed: nothing pending, nothing parked, everything marked sent is on the broker
        assert count(url, "SELECT count(*) FROM outbox WHERE status != 'sent'") == 0
        rows = asyncio.run(_outbox_rows(url))
        assert rows, "the requests emitted no events"
        on_broker = asyncio.run(event_ids_on_broker(kafka, {t for t, _ in rows}))
        assert {e for _, e in rows} <= on_broker

        # the consumer stopped at a batch boundary: what it applied is in the inbox, once
        applied_before = count(url, profiles)
        assert applied_before == count(url, "SELECT count(*) FROM inbox")
        assert "Traceback" not in log, log[-3000:]

        # restart: the consumer goes on from its committed offsets — nothing twice, nothing missed
        proc.start()
        wait_until(lambda: count(url, profiles) == len(codes), timeout=120, interval=0.5)
        assert count(url, "SELECT count(*) FROM inbox") == len(codes)
        assert duplicates_applied(proc) == 0
        print(
            f"\nin flight at SIGTERM: {len(created)} created, {len(shed)} shed (503), {len(failed)} refused;"
            f" applied {applied_before}"
        )
    finally:
        proc.stop()


async def _outbox_rows(url: str) -> list[tuple[str, str]]:
    db = Database(url)
    try:
        async with db.read() as s:
            return [(r.topic, r.event_id) for r in (await s.execute(text("SELECT topic, event_id FROM outbox"))).all()]
    finally:
        await db.dispose()
