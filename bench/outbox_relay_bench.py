"""Outbox relay throughput: events/s from a service's outbox table to the broker (acks=all),
sustained over N events, beside the floor measured in the same run: raw aiokafka produce of the
same payloads (acks=all, no database).

    .venv/bin/python -m bench.outbox_relay_bench [N] [sqlite|postgresql] [BATCH]

BATCH: rows the relay claims per cycle (2000 by default; the services' default is 500).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.common import Figure, print_table
from tidu_registry.models import outbox
from tidu_shared.db import Database
from tidu_shared.devbroker import DevBroker
from tidu_shared.events import new_envelope
from tidu_shared.kafka import ensure_topics, make_producer
from tidu_shared.outbox import PENDING, SENT, OutboxRelay
from tidu_shared.settings import KafkaSettings
from tidu_shared.testing.databases import ServiceDatabases

TOPIC = "tidu.registry.enterprises"


def payload(i: int) -> tuple[str, bytes]:
    key = f"9150011300000{i:05d}"[:18]
    data = {"uscc": key, "name": "基准企业", "district_code": "500113", "industry_code": "C3825",
            "established_on": "2018-01-01", "registered_at": "2026-01-01T00:00:00Z"}  # fmt: skip
    env = new_envelope(source="/tidu/registry", type="tidu.registry.enterprise.registered.v1", subject=key, data=data)
    return key, env.to_bytes()


async def raw_rate(ks: KafkaSettings, rows: list[tuple[str, bytes]]) -> float:
    p = make_producer(ks)
    await p.start()
    try:
        t0 = time.perf_counter()
        futs = [await p.send(ks.topic(TOPIC), v, key=k.encode()) for k, v in rows]
        await asyncio.gather(*futs)
        return len(rows) / (time.perf_counter() - t0)
    finally:
        await p.stop()


async def relay_rate(ks: KafkaSettings, url: str, rows: list[tuple[str, bytes]], batch: int) -> float:
    db = Database(url, outbox=outbox)
    now = dt.datetime.now(dt.UTC)
    async with db.transaction() as s:
        for i in range(0, len(rows), 5000):
            await s.execute(
                outbox.insert(),
                [
                    {
                        "event_id": str(uuid.uuid4()),
                        "event_type": "tidu.registry.enterprise.registered.v1",
                        "topic": TOPIC,
                        "message_key": k,
                        "payload": v,
                        "status": PENDING,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for k, v in rows[i : i + 5000]
                ],
            )
    relay = OutboxRelay(db, outbox, ks, batch_size=batch, poll_interval_s=0.05)
    t0 = time.perf_counter()
    await relay.start()
    try:
        while relay.published_total < len(rows):
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - t0
    finally:
        await relay.stop()
        await db.dispose()
    return len(rows) / elapsed


def run(n: int = 50_000, backend: str = "sqlite", batch: int = 2000) -> list[Figure]:
    work = Path(tempfile.mkdtemp(prefix="tidu-relay-"))
    if backend == "sqlite":
        os.environ.pop("TIDU_TEST_POSTGRES_URL", None)
    broker = DevBroker(log_path=work / "broker.log").start()
    try:
        ks = KafkaSettings(bootstrap_servers=broker.bootstrap_servers, namespace="rb.")
        asyncio.run(ensure_topics(ks, [TOPIC]))
        rows = [payload(i) for i in range(n)]
        floor = asyncio.run(raw_rate(ks, rows))
        url = ServiceDatabases(work, "bench").fresh("registry")
        rate = asyncio.run(relay_rate(ks, url, rows, batch=batch))
    finally:
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)
    label = f"outbox relay, {n} events ({backend})" + ("" if batch == 2000 else f", {batch} rows per cycle")
    return [Figure(label, rate, "events/s", floor, "raw aiokafka produce")]


__all__ = ["SENT", "run"]

if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    print_table(run(n, sys.argv[2] if len(sys.argv) > 2 else "sqlite", batch))
