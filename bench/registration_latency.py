"""Time from ``POST /v1/enterprises`` (201) to the enterprise being readable in all three
projections (eligibility, finance-match, whistle), over the real broker and the four services as
processes on SQLite. Beside it, the floor: a raw aiokafka produce → consume on the same broker.

    .venv/bin/python -m bench.registration_latency [N]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.common import Figure, median, percentile, print_table
from tidu_registry.domain.uscc import make_uscc
from tidu_shared.cli import dev_tokens
from tidu_shared.devbroker import DevBroker
from tidu_shared.kafka import ensure_topics, make_consumer, make_producer
from tidu_shared.services_catalog import SERVICES
from tidu_shared.settings import KafkaSettings
from tidu_shared.testing.databases import ServiceDatabases
from tidu_shared.testing.stack import run_stack

PROJECTING = ("eligibility", "finance-match", "whistle")


async def raw_floor(bootstrap: str, n: int) -> list[float]:
    ks = KafkaSettings(bootstrap_servers=bootstrap, session_timeout_ms=2000, heartbeat_interval_ms=500)
    topic = f"bench-raw-{uuid.uuid4().hex[:6]}"
    await ensure_topics(ks, [topic])
    consumer = make_consumer(ks, topic, group_id=f"g-{topic}")
    await consumer.start()
    producer = make_producer(ks)
    await producer.start()
    out: list[float] = []
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)
        for i in range(n):
            t0 = time.perf_counter()
            await producer.send_and_wait(topic, f"{i}".encode(), key=f"{i}".encode())
            got = False
            while not got:
                for recs in (await consumer.getmany(timeout_ms=100)).values():
                    got = got or any(r.value == f"{i}".encode() for r in recs)
            out.append((time.perf_counter() - t0) * 1000)
    finally:
        await producer.stop()
        await consumer.stop()
    return out


async def one(client: httpx.AsyncClient, urls: dict[str, str], headers: dict[str, str]) -> float:
    code = make_uscc()
    body = {"uscc": code, "name": "基准企业", "district_code": "500113", "industry_code": "C3825",
            "established_on": "2018-01-01"}  # fmt: skip
    t0 = time.perf_counter()
    r = await client.post(f"{urls['registry']}/v1/enterprises", json=body, headers=headers)
    assert r.status_code == 201, r.text

    async def seen(svc: str) -> None:
        while (await client.get(f"{urls[svc]}/v1/enterprises/{code}", headers=headers)).status_code != 200:
            await asyncio.sleep(0.002)

    await asyncio.wait_for(asyncio.gather(*(seen(s) for s in PROJECTING)), 30)
    return (time.perf_counter() - t0) * 1000


async def measure(urls: dict[str, str], n: int) -> list[float]:
    headers = {"Authorization": f"Bearer {dev_tokens()['admin']}"}
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(5):  # warm-up
            await one(client, urls, headers)
        return [await one(client, urls, headers) for _ in range(n)]


def run(n: int = 100) -> list[Figure]:
    work = Path(tempfile.mkdtemp(prefix="tidu-bench-"))
    broker = DevBroker(log_path=work / "broker.log").start()
    try:
        dbs = ServiceDatabases(work, "bench")
        db_urls = {s.name: dbs.fresh(s.name) for s in SERVICES}
        floor = asyncio.run(raw_floor(broker.bootstrap_servers, n))
        with run_stack(bootstrap=broker.bootstrap_servers, database_urls=db_urls, workdir=work, namespace="b.") as st:
            lat = asyncio.run(measure({s.name: st.url(s.name) for s in SERVICES}, n))
    finally:
        broker.stop()
    return [
        Figure(f"registration → 3 projections, median (n={n})", median(lat), "ms", median(floor), "raw median"),
        Figure(
            f"registration → 3 projections, p95 (n={n})", percentile(lat, 95), "ms", percentile(floor, 95), "raw p95"
        ),
    ]


if __name__ == "__main__":
    print_table(run(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
