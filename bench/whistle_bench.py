"""Whistle benchmarks — ``.venv/bin/python -m bench.whistle_bench`` from the repo root.

(a) Latency from ``POST /v1/issues`` to the ``routed`` event reaching a consumer of the lead
    department's topic (``tidu.whistle.dept.500113-ghzy``), p50/p99 over ``--issues`` issues
    submitted one after another, beside a raw aiokafka produce→consume p50/p99 on the same broker
    in the same run. The whistle app runs in-process (httpx ASGITransport, real lifespan, relay on
    and woken on commit); the consumers are aiokafka with ``fetch_max_wait_ms=10``.
(b) Time to sweep ``--sweep-issues`` open issues for deadlines (``use_cases.sweep``): with nothing
    due (the indexed path), a full evaluation of every open issue, then every issue due for its
    check-in reminder at once, then every issue past its check-in deadline (sla_breached +
    escalation to the city) at once.

Broker: a development broker (tansu) started here, or ``KAFKA_BOOTSTRAP_SERVERS``. Database:
SQLite files under a temporary directory, or PostgreSQL with ``TIDU_TEST_POSTGRES_URL`` (an
admin URL; scratch databases are created and dropped), both migrated by the real migrations.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaConsumer
from sqlalchemy import func, select

from bench.common import Figure, percentile, print_table
from tidu_shared.auth import mint_token
from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED
from tidu_shared.db import Database
from tidu_shared.devbroker import DevBroker
from tidu_shared.events import event_type, new_envelope
from tidu_shared.kafka import ensure_topics, make_consumer, make_producer
from tidu_shared.settings import AuthSettings, KafkaSettings
from tidu_shared.testing.databases import ServiceDatabases
from tidu_shared.topics import department_topic
from tidu_whistle.app import create_app
from tidu_whistle.consumers import on_enterprise_registered
from tidu_whistle.context import WhistleContext
from tidu_whistle.domain.issues import IssueDraft, open_issue
from tidu_whistle.domain.model import Actor, Role
from tidu_whistle.domain.routing import route
from tidu_whistle.domain.state_machine import apply
from tidu_whistle.domain.working_days import SHANGHAI
from tidu_whistle.models import EnterpriseProfile, IssueRow, outbox
from tidu_whistle.records import department_rows, write_issue
from tidu_whistle.settings import Settings
from tidu_whistle.store import wakeup_for
from tidu_whistle.use_cases.raising import ROUTER, routing_command
from tidu_whistle.use_cases.sweep import sweep

USCC = "91500113MA5U8XYZ1K"
LEAD = "500113-ghzy"
T0 = dt.datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI)  # Friday; check-in due Sunday 09-28 (调休)


def pct(values: list[float], p: float) -> float:
    xs = sorted(values)
    h = (len(xs) - 1) * p
    lo = int(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def summary_ms(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"n={len(ms)}  p50={pct(ms, 0.5):.1f} ms  p99={pct(ms, 0.99):.1f} ms  "
        f"mean={statistics.fmean(ms):.1f} ms  max={max(ms):.1f} ms"
    )


# -- (a) latency ------------------------------------------------------------------------------


class Arrivals:
    """A consumer task that timestamps messages by key as they arrive."""

    def __init__(self, consumer: AIOKafkaConsumer, wanted_type: str | None) -> None:
        self.consumer = consumer
        self.wanted_type = wanted_type
        self.seen: dict[str, float] = {}
        self.waiters: dict[str, asyncio.Future[float]] = {}
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Arrivals:
        await self.consumer.start()
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.consumer.stop()

    async def _run(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for records in batches.values():
                for rec in records:
                    key = (rec.key or b"").decode()
                    wanted = self.wanted_type
                    if wanted is not None and orjson.loads(rec.value or b"{}").get("type") != wanted:
                        continue
                    self.seen.setdefault(key, now)
                    fut = self.waiters.pop(key, None)
                    if fut is not None and not fut.done():
                        fut.set_result(now)

    async def wait(self, key: str, timeout: float = 10.0) -> float:
        if key in self.seen:
            return self.seen[key]
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiters[key] = fut
        return await asyncio.wait_for(fut, timeout)


def tail_consumer(kafka: KafkaSettings, topic: str) -> AIOKafkaConsumer:
    return make_consumer(kafka, kafka.topic(topic), group_id=None, auto_offset_reset="latest", fetch_max_wait_ms=10)


async def raw_latency(kafka: KafkaSettings, n: int) -> list[float]:
    topic = f"bench.raw.{uuid.uuid4().hex[:6]}"
    await ensure_topics(kafka, [topic])
    producer = make_producer(kafka)
    await producer.start()
    try:
        async with Arrivals(tail_consumer(kafka, topic), None) as arrivals:
            payload = new_envelope(source="/bench", type="bench.v1", subject="x", data={"n": 0}).to_bytes()
            out: list[float] = []
            for i in range(n + 20):  # the first 20 warm up
                key = f"raw-{i}"
                t0 = time.perf_counter()
                await producer.send(kafka.topic(topic), payload, key=key.encode())
                t1 = await arrivals.wait(key)
                if i >= 20:
                    out.append(t1 - t0)
            return out
    finally:
        await producer.stop()


@contextlib.asynccontextmanager
async def whistle_app(settings: Settings) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            yield app, client


async def seed_enterprise(app: Any, uscc: str, district: str) -> None:
    data = {
        "uscc": uscc,
        "name": "重庆示例科技有限公司",
        "district_code": district,
        "industry_code": "C3825",
        "established_on": "2018-04-01",
        "registered_at": "2025-01-02T03:00:00Z",
    }
    model = event_type(ENTERPRISE_REGISTERED).validate(data)
    env = new_envelope(source="/bench", type=ENTERPRISE_REGISTERED, subject=uscc, data=model.model_dump(mode="json"))
    async with app.state.db.transaction() as s:
        await on_enterprise_registered(s, env, model)


async def whistle_latency(kafka: KafkaSettings, database_url: str, n: int) -> tuple[list[float], list[float]]:
    settings = Settings(
        database_url=database_url,
        kafka=kafka,
        run_consumers=False,
        scheduler_enabled=False,
        log_level="WARNING",
        write_rate_per_s=100_000.0,  # one principal submitting back to back: not what the limit is for
        write_burst=100_000,
    )
    topic = department_topic(LEAD)
    await ensure_topics(kafka, [topic])
    token = mint_token(AuthSettings(), sub="bench", role="enterprise", uscc=USCC)
    headers = {"Authorization": f"Bearer {token}"}
    body = {"category": "land", "title": "厂房扩建用地指标", "description": "扩建二期厂房需新增工业用地 30 亩。"}
    async with whistle_app(settings) as (app, client):
        await seed_enterprise(app, USCC, "500113")
        async with Arrivals(tail_consumer(kafka, topic), "tidu.whistle.issue.routed.v1") as arrivals:
            end_to_end: list[float] = []
            http: list[float] = []
            for i in range(n + 20):
                t0 = time.perf_counter()
                r = await client.post("/v1/issues", json=body, headers=headers)
                t_http = time.perf_counter()
                if r.status_code != 201:
                    raise RuntimeError(r.text)
                t1 = await arrivals.wait(r.json()["id"])
                if i >= 20:
                    end_to_end.append(t1 - t0)
                    http.append(t_http - t0)
    return end_to_end, http


# -- (b) sweep --------------------------------------------------------------------------------

ROUTABLE = ("land", "energy", "labour", "talent", "financing", "arrears", "ip", "approval", "technology", "tax")


async def seed_open_issues(db: Database, ctx: WhistleContext, n: int) -> None:
    """``n`` routed issues submitted at T0 across the Chongqing districts (domain-built, bulk-inserted)."""
    reference = ctx.reference
    districts = [code for code, r in reference.regions.items() if r.province == "重庆市" and code != "500000"]
    rng = random.Random(6)
    enterprises = [(f"915001{i:012d}", rng.choice(districts)) for i in range(500)]
    async with db.transaction() as s:
        s.add_all(
            EnterpriseProfile(
                uscc=uscc,
                name=f"企业{i}",
                district_code=district,
                industry_code="C3825",
                established_on=dt.date(2018, 1, 1),
                registered_at=T0,
                updated_at=T0,
                last_event_id=str(uuid.uuid4()),
                commissioner_id=f"comm-{i % 40}",
            )
            for i, (uscc, district) in enumerate(enterprises)
        )
    batch = 1000
    for start in range(0, n, batch):
        rows: list[IssueRow] = []
        members: list[Any] = []
        for _ in range(min(batch, n - start)):
            uscc, district = rng.choice(enterprises)
            draft = IssueDraft(uscc, rng.choice(ROUTABLE), district, "诉求", "基准测试诉求")
            actor = Actor(Role.ENTERPRISE, "bench", uscc=uscc)
            opened = open_issue(str(uuid.uuid4()), draft, actor=actor, at=T0, reference=reference)
            command = routing_command(route(draft.category, district, T0, reference))
            issue = apply(opened.issue, command, actor=ROUTER, at=T0, ctx=ctx.workflow, expected_version=None).issue
            row = IssueRow(
                id=issue.id,
                enterprise_uscc=uscc,
                category=issue.category,
                district=district,
                title=issue.title,
                description=issue.description,
                urgency=str(issue.urgency),
                attachments=[],
                submitted_at=T0,
                accepted_at=T0,
                source="enterprise",
                raised_by="bench",
            )
            write_issue(row, issue, wakeup=wakeup_for(ctx, issue))
            rows.append(row)
            members.extend(department_rows(issue))
        async with db.transaction() as s:
            s.add_all(rows)
            await s.flush()
            s.add_all(members)


async def outbox_count(db: Database) -> int:
    async with db.read() as s:
        return int((await s.execute(select(func.count()).select_from(outbox))).scalar_one())


async def sweep_bench(database_url: str, n: int) -> list[tuple[str, float, str]]:
    settings = Settings(database_url=database_url, log_level="WARNING")
    ctx = WhistleContext(settings)
    db = Database(database_url, outbox=outbox)
    results: list[tuple[str, float, str]] = []
    try:
        t = time.perf_counter()
        await seed_open_issues(db, ctx, n)
        results.append((f"seed {n} routed issues (bulk)", time.perf_counter() - t, ""))
        runs = [
            ("nothing due (indexed)", T0 + dt.timedelta(hours=1), False),
            ("full evaluation, nothing due", T0 + dt.timedelta(hours=1), True),
            ("all due for a check-in reminder", dt.datetime(2025, 9, 28, 9, 30, tzinfo=SHANGHAI), False),
            ("all past check-in: breach + escalate", dt.datetime(2025, 9, 29, 8, 0, tzinfo=SHANGHAI), False),
        ]
        for label, now, full in runs:
            before = await outbox_count(db)
            t = time.perf_counter()
            report = await sweep(db, ctx, now=now, full=full)
            took = time.perf_counter() - t
            written = await outbox_count(db) - before
            detail = (
                f"examined={report.examined} reminders={report.reminders} breaches={report.breaches} "
                f"escalations={report.escalations} outbox_rows={written}"
            )
            results.append((label, took, detail))
    finally:
        await db.dispose()
    return results


# -- main -------------------------------------------------------------------------------------


async def measure(
    bootstrap: str,
    dbs: ServiceDatabases,
    issues: int,
    sweep_issues: int,
    *,
    latency: bool = True,
    sweeping: bool = True,
) -> list[Figure]:
    kafka = KafkaSettings(bootstrap_servers=bootstrap, namespace=f"bench{uuid.uuid4().hex[:6]}.", fetch_max_wait_ms=10)
    print(f"broker {bootstrap}; database {dbs.backend}")
    figures: list[Figure] = []
    if latency:
        raw = await raw_latency(kafka, issues)
        whistle, http = await whistle_latency(kafka, dbs.fresh("whistle"), issues)
        raw = raw + await raw_latency(kafka, issues)  # before and after, same broker, same run
        print("\n(a) latency")
        print(f"  raw aiokafka produce→consume        {summary_ms(raw)}")
        print(f"  POST /v1/issues → dept topic routed {summary_ms(whistle)}")
        print(f"    of which the HTTP request (201)   {summary_ms(http)}")
        ms = [v * 1000 for v in whistle]
        raw_ms = [v * 1000 for v in raw]
        http_ms = [v * 1000 for v in http]
        for p in (50, 99):
            figures.append(
                Figure(
                    f"whistle submit → department topic, p{p} (n={issues}, {dbs.backend})",
                    percentile(ms, p),
                    "ms",
                    percentile(raw_ms, p),
                    f"raw produce→consume p{p}",
                )
            )
        figures.append(Figure("  of which POST /v1/issues answered (201), p50", percentile(http_ms, 50), "ms"))
        figures.append(Figure("  of which POST /v1/issues answered (201), p99", percentile(http_ms, 99), "ms"))
    if sweeping:
        batch = Settings().scheduler_batch_size
        print(f"\n(b) SLA sweep over {sweep_issues} open issues (batches of {batch})")
        for label, took, detail in await sweep_bench(dbs.fresh("whistle"), sweep_issues):
            print(f"  {label:40} {took:8.2f} s  {detail}")
            if not label.startswith("seed"):
                figures.append(Figure(f"whistle sweep of {sweep_issues:,} open issues: {label}", took, "s"))
    return figures


def run(issues: int = 200, sweep_issues: int = 10_000, latency: bool = True, sweeping: bool = True) -> list[Figure]:
    """Both parts (``make bench``): a development broker and SQLite (or ``KAFKA_BOOTSTRAP_SERVERS`` /
    ``TIDU_TEST_POSTGRES_URL``), cleaned up afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="whistle-bench-"))
    dbs = ServiceDatabases(workdir, "bench")
    broker: DevBroker | None = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    try:
        if not bootstrap and latency:
            broker = DevBroker(log_path=workdir / "broker.log").start()
            bootstrap = broker.bootstrap_servers
        return asyncio.run(measure(bootstrap or "", dbs, issues, sweep_issues, latency=latency, sweeping=sweeping))
    finally:
        if broker is not None:
            broker.stop()
        dbs.drop_all()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--issues", type=int, default=200)
    parser.add_argument("--sweep-issues", type=int, default=10_000)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-sweep", action="store_true")
    args = parser.parse_args()
    print_table(run(args.issues, args.sweep_issues, latency=not args.skip_latency, sweeping=not args.skip_sweep))


if __name__ == "__main__":
    main()
