"""Registry benchmarks — ``.venv/bin/python -m bench.registry_bench [--rows N] [--enterprises N]``.

(a) Bulk import: a generated CSV of 100,000 rows (each an enterprise's profile and its 2024 figures)
    through the real use case (``use_cases.imports.import_file``: read, validate every row, apply in
    one transaction with the statements, the outbox rows and the change-feed rows) on a fresh SQLite
    database built by the real migrations, and until its 200,000 events are on the broker: the
    outbox relay runs beside the import as it does in the API process (a task on the same event loop,
    the service's default batch size and poll interval; a development broker, ``acks=all``). Beside
    it, the floor: the same rows inserted into another fresh database with one ``executemany`` per
    table in one transaction (no validation, no history, no events).
(b) Search over 1,000,000 enterprises (generated with ``executemany`` into a fresh migrated SQLite
    database, with qualifications, size classes, pool stages and commissioners on a share of them,
    then ``ANALYZE``): p50/p99 of representative queries — by district, industry prefix, name
    substring (common and rare), qualification valid on a date, combined filters, and a deep page
    reached by cursor — measured in-process through the query function (``search.search``) and over
    HTTP (the app in-process, httpx ASGITransport, admin token, relay and consumers off).

Everything runs on SQLite files in a temporary directory; the whole run takes a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import logging
import os
import random
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.common import Figure, machine, percentile, print_table
from tidu_registry.app import create_app
from tidu_registry.domain.import_rows import content_hash, read_tables
from tidu_registry.domain.uscc import make_uscc
from tidu_registry.models import changes, enterprises, outbox, revisions
from tidu_registry.search import SearchFilters, search
from tidu_registry.settings import Settings
from tidu_registry.sqlite_tuning import tune
from tidu_registry.use_cases.imports import import_file
from tidu_shared.auth import Principal, Role, mint_token
from tidu_shared.db import Database
from tidu_shared.devbroker import DevBroker
from tidu_shared.kafka import ensure_topics
from tidu_shared.outbox import OutboxRelay
from tidu_shared.settings import KafkaSettings, ServiceSettings
from tidu_shared.testing.databases import ServiceDatabases
from tidu_shared.topics import REGISTRY_ENTERPRISES

DISTRICTS = [
    "500113",
    "500114",
    "500112",
    "500108",
    "500103",
    "500105",
    "500106",
    "500107",
    "500109",
    "500110",
    "500111",
    "500115",
    "500116",
    "500117",
    "500118",
    "500119",
    "500120",
    "500151",
    "500152",
    "500153",
]
INDUSTRIES = [
    "C3825",
    "C3983",
    "C3484",
    "C2662",
    "C3581",
    "I6513",
    "I6510",
    "C3985",
    "C2710",
    "M7320",
    "C3311",
    "C3670",
    "C4090",
    "F5171",
    "C1310",
    "C2927",
    "C3442",
    "I6520",
    "L7212",
    "C3089",
]
WORDS = [
    "精密",
    "智能",
    "传感",
    "新材料",
    "医疗",
    "软件",
    "机械",
    "电子",
    "光电",
    "生物",
    "环保",
    "汽车",
    "能源",
    "数控",
    "信息",
    "半导体",
    "化工",
    "装备",
    "食品",
    "科技",
]
SUFFIX = ["有限公司", "股份有限公司", "科技有限公司", "实业有限公司"]
RARE = "鹿角湾"  # in 25 names only
HEADER = (
    "uscc,name,district_code,industry_code,established_on,independent_legal_person,main_product,own_brand,"
    "year,employees,rd_staff,operating_revenue,main_business_revenue,net_profit,total_assets,"
    "total_liabilities,rd_expense"
)


def _name(rng: random.Random, i: int) -> str:
    rare = RARE if i % 40_000 == 7 else ""
    return f"重庆{rng.choice(WORDS)}{rare}{rng.choice(WORDS)}{i:07d}{rng.choice(SUFFIX)}"


def _sqlite_path(url: str) -> str:
    return str(make_url(url).database)


# --- (a) import ----------------------------------------------------------------------------------


def generate_csv(n: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    out.write(HEADER + "\n")
    for i in range(n):
        district = DISTRICTS[i % len(DISTRICTS)]
        revenue = rng.randint(100, 200_000)
        employees = rng.randint(5, 900)
        out.write(
            f"{make_uscc(i, region=district)},{_name(rng, i)},{district},{rng.choice(INDUSTRIES)},"
            f"{2000 + i % 24}-{1 + i % 12:02d}-{1 + i % 28:02d},是,主导产品{i % 97},{'是' if i % 3 else '否'},"
            f"2024,{employees},{employees // 5},{revenue}.5,{revenue * 8 // 10},{rng.randint(-500, 5000)}.25,"
            f"{revenue * 2},{revenue},{revenue // 30}\n"
        )
    return out.getvalue().encode("utf-8")


async def _count(db: Database, table: Any) -> int:
    async with db.read() as s:
        return int((await s.execute(select(func.count()).select_from(table))).scalar_one())


async def import_once(
    url: str, data: bytes, kafka: KafkaSettings | None = None
) -> tuple[float, dict[str, int], dict[str, Any]]:
    """Import ``data``; with ``kafka``, the outbox relay runs beside it (as in the API process) and
    the time is until the last event is on the broker (``counts["committed_s"]``: until commit)."""
    db = Database(url, outbox=outbox)
    tune(db)  # as the app does
    admin = Principal(sub="bench", role=Role.admin)
    defaults = ServiceSettings()
    relay = (
        OutboxRelay(
            db,
            outbox,
            kafka,
            batch_size=defaults.relay_batch_size,
            poll_interval_s=defaults.relay_poll_interval_s,
        )
        if kafka is not None
        else None
    )
    try:
        if relay is not None:
            await ensure_topics(kafka, [REGISTRY_ENTERPRISES])  # type: ignore[arg-type]
            await relay.start()
        t0, c0 = time.perf_counter(), time.process_time()
        result = await import_file(db, admin, data, filename="bench.csv")
        committed = time.perf_counter() - t0
        events = await _count(db, outbox)
        if relay is not None:
            while relay.published_total < events:
                await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
        if relay is not None:
            await relay.stop()
            relay = None
        counts = {t.name: await _count(db, t) for t in (enterprises, revisions, outbox, changes)}
        counts["committed_s"] = round(committed, 1)
        counts["published"] = events if kafka is not None else 0
        t1 = time.perf_counter()
        again = await import_file(db, admin, data, filename="bench.csv")
        assert again.repeated
        counts["repeat_ms"] = round((time.perf_counter() - t1) * 1000)
        counts["cpu_s"] = round(cpu, 1)
    finally:
        if relay is not None:
            await relay.stop()
        await db.dispose()
    return elapsed, result.outcome, counts


def floor_insert(url: str, data: bytes) -> float:
    """The same rows, already parsed, inserted with one executemany per table in one transaction."""
    table = read_tables(data, max_rows=10**7)[0]
    now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
    ent_rows = [(c[0], c[1], c[2], c[3], c[4], 1, c[6], 1 if c[7] == "是" else 0, now, now, 1) for _, c in table.rows]
    ind_rows = [
        (c[0], 2024, int(c[9]), int(c[10]), c[11], c[12], c[13], c[14], c[15], c[16], "import", "bench", now, 1)
        for _, c in table.rows
    ]
    conn = sqlite3.connect(_sqlite_path(url))
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        t0 = time.perf_counter()
        with conn:
            conn.executemany(
                "INSERT INTO enterprises (uscc, name, district_code, industry_code, established_on, "
                "independent_legal_person, main_product, own_brand, created_at, updated_at, version) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                ent_rows,
            )
            conn.executemany(
                "INSERT INTO indicators (uscc, year, employees, rd_staff, operating_revenue, main_business_revenue, "
                "net_profit, total_assets, total_liabilities, rd_expense, source, reported_by, reported_at, version) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                ind_rows,
            )
        return time.perf_counter() - t0
    finally:
        conn.close()


def run_import(work: Path, rows: int) -> list[Figure]:
    dbs = ServiceDatabases(work, "bench")
    data = generate_csv(rows)
    print(f"  import: {rows} rows, {len(data) / 1e6:.1f} MB CSV", flush=True)
    t_hash = time.perf_counter()
    content_hash(read_tables(data, max_rows=10**7))
    read_s = time.perf_counter() - t_hash
    load = os.getloadavg()[0]
    broker = DevBroker(log_path=work / "broker.log").start()
    try:
        kafka = KafkaSettings(bootstrap_servers=broker.bootstrap_servers, namespace="rbench.")
        elapsed, outcome, counts = asyncio.run(import_once(dbs.fresh("registry"), data, kafka))
    finally:
        broker.stop()
    print(
        f"  import outcome {outcome}; rows {counts}; read+hash alone {read_s:.1f} s; "
        f"load average {load:.1f} → {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    floor = floor_insert(dbs.fresh("registry"), data)
    return [
        Figure(
            f"import {rows:,}-row CSV (profile + 2024 figures), SQLite, until its "
            f"{counts['published']:,} events are on the broker",
            elapsed,
            "s",
            floor,
            "executemany insert of the same rows",
        ),
        Figure("  the same import until its transaction commits", counts["committed_s"], "s"),
        Figure(
            "  the same import: CPU time of the importing process (validation runs in a worker; relay included)",
            counts["cpu_s"],
            "s",
        ),
        Figure("re-upload of the same file (answered from the first report)", counts["repeat_ms"] / 1000, "s"),
    ]


# --- (b) search ----------------------------------------------------------------------------------


def generate_enterprises(path: str, n: int, seed: int = 2) -> None:
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    sizes = ["micro", "small", "small", "medium", "large"]
    stages = ["reserve", "cultivating", "promoting"]
    kinds = [
        ("tech_sme", 0.10),
        ("high_tech", 0.04),
        ("innovative_sme", 0.05),
        ("srdi_sme", 0.02),
        ("little_giant", 0.003),
    ]
    batch = 50_000
    # Secondary indexes are dropped for the load and built again after it (much faster than keeping
    # them up to date row by row); the definitions are the migration's own.
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('enterprises', 'qualifications', 'qualification_periods')"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    with conn:
        for start in range(0, n, batch):
            ents, quals, periods = [], [], []
            for i in range(start, min(n, start + batch)):
                district = DISTRICTS[i % len(DISTRICTS)]
                code = make_uscc(i, region=district)
                sized = rng.random() < 0.6
                ents.append(
                    (
                        code,
                        _name(rng, i),
                        district,
                        rng.choice(INDUSTRIES),
                        f"{2000 + i % 24}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                        now,
                        now,
                        1,
                        rng.choice(sizes) if sized else None,
                        2024 if sized else None,
                        rng.choice(stages) if rng.random() < 0.01 else None,
                        f"c{i % 2000}" if rng.random() < 0.05 else None,
                    )
                )
                for kind, share in kinds:
                    if rng.random() < share:
                        qid = str(uuid.UUID(int=rng.getrandbits(128)))
                        granted = dt.date(2020 + rng.randint(0, 5), 1 + rng.randint(0, 11), 1)
                        expires = granted.replace(year=granted.year + 3) - dt.timedelta(days=1)
                        quals.append(
                            (qid, code, kind, "city", f"D-{i}", granted, expires, expires, "[]", "bench", now, now, 1)
                        )
                        periods.append((qid, code, kind, granted, expires))
            conn.executemany(
                "INSERT INTO enterprises (uscc, name, district_code, industry_code, established_on, created_at, "
                "updated_at, version, size_class, size_class_year, pool_stage, commissioner_id) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                ents,
            )
            conn.executemany(
                "INSERT INTO qualifications (id, uscc, kind, level, document_no, granted_on, expires_on, "
                "current_expires_on, renewals, recorded_by, created_at, updated_at, version) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (q[0], q[1], q[2], q[3], q[4], q[5].isoformat(), q[6].isoformat(), q[7].isoformat(), *q[8:])
                    for q in quals
                ],
            )
            conn.executemany(
                "INSERT INTO qualification_periods (qualification_id, uscc, kind, start_on, end_on) VALUES (?,?,?,?,?)",
                [(p[0], p[1], p[2], p[3].isoformat(), p[4].isoformat()) for p in periods],
            )
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("ANALYZE")
    conn.close()


QUERIES: list[tuple[str, SearchFilters, dict[str, Any]]] = [
    ("district 500113, by USCC", SearchFilters(district="500113"), {}),
    ("district 500113, by name", SearchFilters(district="500113"), {"sort": "name"}),
    (
        "district 500114, established_on desc",
        SearchFilters(district="500114"),
        {"sort": "established_on", "order": "desc"},
    ),
    ("region 500100 (26 districts), by name", SearchFilters(district="500100"), {"sort": "name"}),
    ("industry prefix C39 (division), by name", SearchFilters(industry="C39"), {"sort": "name"}),
    ("industry class C3983, by USCC", SearchFilters(industry="C3983"), {}),
    ("name contains 传感 (a tenth of names), by name", SearchFilters(name="传感"), {"sort": "name"}),
    (f"name contains {RARE} (25 in 1M), by name", SearchFilters(name=RARE), {"sort": "name"}),
    ("srdi_sme valid on 2025-06-30", SearchFilters(qualification="srdi_sme", valid_on=dt.date(2025, 6, 30)), {}),
    (
        "little_giant valid on 2025-06-30",
        SearchFilters(qualification="little_giant", valid_on=dt.date(2025, 6, 30)),
        {},
    ),
    (
        "district + tech_sme valid + size small",
        SearchFilters(district="500113", qualification="tech_sme", valid_on=dt.date(2025, 6, 30), size_class="small"),
        {},
    ),
    ("pool stage reserve", SearchFilters(pool_stage="reserve"), {}),
]
HTTP_PARAMS: dict[str, dict[str, str]] = {
    "district 500113, by USCC": {"district": "500113"},
    "district 500113, by name": {"district": "500113", "sort": "name"},
    "industry prefix C39 (division), by name": {"industry": "C39", "sort": "name"},
    "name contains 传感 (default order: name)": {"q": "传感"},
    f"name contains {RARE} (25 in 1M)": {"q": RARE},
    "srdi_sme valid on 2025-06-30": {"qualification": "srdi_sme", "valid_on": "2025-06-30"},
    "district + tech_sme valid + size small": {
        "district": "500113",
        "qualification": "tech_sme",
        "valid_on": "2025-06-30",
        "size_class": "small",
    },
}


async def _timed(fn: Callable[[], Awaitable[Any]], n: int, budget_s: float = 20.0) -> list[float]:
    for _ in range(3):
        await fn()  # warm-up (page cache, statement cache)
    out: list[float] = []
    end = time.perf_counter() + budget_s
    while len(out) < n and time.perf_counter() < end:
        t0 = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def measure_search(url: str, n: int) -> list[Figure]:
    figures: list[Figure] = []
    db = Database(url, outbox=outbox)
    tune(db)  # as the app does
    try:
        async with db.read() as s:
            for label, filters, opts in QUERIES:

                async def one(filters: SearchFilters = filters, opts: dict[str, Any] = opts) -> Any:
                    return await search(s, filters, limit=50, **opts)

                lat = await _timed(one, n)
                items, _ = await one()
                figures.append(
                    Figure(f"search in-process p50: {label} ({len(items)} rows/page)", percentile(lat, 50), "ms")
                )
                figures.append(Figure(f"search in-process p99: {label}", percentile(lat, 99), "ms"))
            cursor = None
            for _ in range(20):  # page 21 of a district, reached by cursor
                _, cursor = await search(s, SearchFilters(district="500113"), limit=50, cursor=cursor)

            async def deep() -> Any:
                return await search(s, SearchFilters(district="500113"), limit=50, cursor=cursor)

            lat = await _timed(deep, n)
            figures.append(Figure("search in-process p50: page 21 of a district by cursor", percentile(lat, 50), "ms"))
            figures.append(Figure("search in-process p99: page 21 of a district by cursor", percentile(lat, 99), "ms"))
    finally:
        await db.dispose()

    settings = Settings(
        database_url=url,
        run_relay=False,
        run_consumers=False,
        qualification_job_enabled=False,
        log_level="WARNING",
        kafka=KafkaSettings(bootstrap_servers="127.0.0.1:1", request_timeout_ms=1000),
    )
    app = create_app(settings)
    token = mint_token(settings.auth, sub="bench", role="admin")
    headers = {"Authorization": f"Bearer {token}"}
    # No broker on purpose (search only): the broker watch's reconnect attempts are not news here.
    quiet = logging.getLogger("aiokafka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        await _search_over_http(app, headers, n, figures)
    finally:
        quiet.setLevel(level)
    return figures


async def _search_over_http(app: Any, headers: dict[str, str], n: int, figures: list[Figure]) -> None:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for label, params in HTTP_PARAMS.items():

                async def call(params: dict[str, str] = params) -> None:
                    r = await client.get("/v1/enterprises", params={**params, "limit": "50"}, headers=headers)
                    assert r.status_code == 200, r.text

                lat = await _timed(call, n)
                figures.append(Figure(f"search over HTTP p50: {label}", percentile(lat, 50), "ms"))
                figures.append(Figure(f"search over HTTP p99: {label}", percentile(lat, 99), "ms"))


def run_search(work: Path, n_enterprises: int, n: int) -> list[Figure]:
    dbs = ServiceDatabases(work, "bench")
    url = dbs.fresh("registry")
    t0 = time.perf_counter()
    generate_enterprises(_sqlite_path(url), n_enterprises)
    print(f"  search: generated {n_enterprises:,} enterprises in {time.perf_counter() - t0:.0f} s", flush=True)
    return asyncio.run(measure_search(url, n))


def run(rows: int = 100_000, enterprises_n: int = 1_000_000, samples: int = 200) -> list[Figure]:
    work = Path(tempfile.mkdtemp(prefix="registry-bench-", dir="/tmp"))
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}\nwork dir: {work}", flush=True)
    try:
        figures = run_import(work, rows)
        figures.extend(run_search(work, enterprises_n, samples))
    finally:
        shutil.rmtree(work, ignore_errors=True)  # about 1.5 GB of SQLite files
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the imported CSV")
    parser.add_argument("--enterprises", type=int, default=1_000_000, help="enterprises for the search benchmark")
    parser.add_argument("--samples", type=int, default=200, help="timed runs per query")
    args = parser.parse_args()
    print_table(run(args.rows, args.enterprises, args.samples))


if __name__ == "__main__":
    main()
