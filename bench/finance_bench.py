"""Finance-match benchmarks (issue 5):

1. Matching one demand against 1,000 products, with the reasons (why each matched product
   matches, each gate each other product fails, in 中文 and English): p50/p99 in process — the
   domain matcher alone, with the reasons rendered, and as the JSON bytes the API writes.
2. The same over HTTP through the real endpoints (ASGI transport, the app with its lifespan on
   SQLite): ``GET /v1/demands/{id}/matches`` (a read: match + reasons + JSON) and
   ``POST /v1/demands`` (create, credit look-up on the simulated platform, match, store, push the
   matched products, outbox events — one transaction).
3. Re-matching 10,000 open demands (10,000 enterprises with profiles, indicators, qualifications
   and size classes) after a catalogue change, through the real use case on SQLite: publishing a
   product (``use_cases.catalogue.create_product``: matched demands get a case pushed, with its
   event) and then narrowing it (matches taken away).

The catalogue of 1,000 products is synthetic and deterministic (seeded RNG): the demo products'
kinds and gates with thresholds drawn from realistic ranges, 40 institutions.

    .venv/bin/python -m bench.finance_bench [N] [--in-process]

``--in-process`` runs part 1 only (the domain matcher, seconds instead of minutes).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import insert

from bench.common import Figure, percentile, print_table
from tidu_finance_match.app import create_app
from tidu_finance_match.consumers import handlers
from tidu_finance_match.domain.catalogue import parse_catalogue, reference_catalogue_text
from tidu_finance_match.domain.demands import Demand, DemandConsent
from tidu_finance_match.domain.enterprise import (
    AssessmentResult,
    AssessmentSummary,
    CreditStanding,
    EnterpriseSnapshot,
    Qualification,
    YearlyIndicators,
    enterprise_facts,
)
from tidu_finance_match.domain.matching import match_facts
from tidu_finance_match.domain.vocabulary import Purpose
from tidu_finance_match.models import (
    ConsentRow,
    CreditStandingRow,
    DemandRow,
    EnterpriseAssessment,
    EnterpriseIndicators,
    EnterpriseProfile,
    EnterpriseQualification,
)
from tidu_finance_match.serialize import OutcomeRenderer, dumps
from tidu_finance_match.settings import Settings
from tidu_finance_match.use_cases.catalogue import create_product, replace_product, seed_catalogue
from tidu_shared.auth import Principal, Role, mint_token
from tidu_shared.contracts.eligibility import ASSESSMENT_COMPLETED
from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED, INDICATORS_REPORTED, QUALIFICATION_GRANTED
from tidu_shared.devbroker import DevBroker
from tidu_shared.events import event_type, new_envelope
from tidu_shared.migrations import upgrade
from tidu_shared.settings import AuthSettings, KafkaSettings

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
NOW = dt.datetime.now(dt.UTC)


def make_uscc(rng: random.Random, district: str = "500113") -> str:
    body = "91" + district + "".join(rng.choice(ALPHABET) for _ in range(9))
    total = sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return body + ALPHABET[(31 - total % 31) % 31]


# --- the synthetic catalogue ---------------------------------------------------------------------------


def synthetic_catalogue(n: int = 1000, seed: int = 7) -> dict[str, Any]:
    """Products.yaml-shaped data: the demo products as templates, thresholds varied per product."""
    rng = random.Random(seed)
    base = yaml.safe_load(reference_catalogue_text())
    kinds = ["bank", "guarantor", "fund", "equity_market", "government_fund"]
    institutions = [
        {"code": f"inst-{i:02d}", "name": f"基准机构 {i:02d}", "kind": kinds[i % len(kinds)]} for i in range(40)
    ]
    products = []
    for i in range(n):
        p = dict(rng.choice(base["products"]))
        gates = dict(p.get("gates") or {})
        if rng.random() < 0.5:
            gates["min_operating_revenue"] = rng.choice(range(100, 8000, 50))
        if rng.random() < 0.4:
            gates["max_debt_ratio_pct"] = rng.choice(range(45, 86))
        if rng.random() < 0.3:
            gates["min_years_established"] = rng.randint(1, 8)
        if rng.random() < 0.3:
            gates["min_rd_ratio_pct"] = round(rng.uniform(1, 8), 1)
        if rng.random() < 0.3:
            gates["region_prefix"] = [rng.choice(["50", "5001", "500113", "500114", "5002"])]
        if rng.random() < 0.25:
            gates["industry_prefix"] = rng.sample(["C", "I", "M", "C38", "C39", "I65"], 2)
        if rng.random() < 0.25:
            gates["min_credit_grade"] = rng.choice(["AA", "A", "BBB", "BB", "B"])
        p.update(code=f"p{i:04d}", name=f"基准产品 {i:04d}", institution=f"inst-{i % 40:02d}", gates=gates)
        products.append(p)
    return {"institutions": institutions, "products": products}


def snapshot(uscc: str) -> EnterpriseSnapshot:
    """A 专精特新 manufacturer in 巴南区: the enterprise the matching benchmark matches."""
    return EnterpriseSnapshot(
        uscc=uscc,
        name="重庆示例精密制造有限公司",
        district_code="500113",
        industry_code="C3825",
        established_on=dt.date(2015, 3, 1),
        indicators=YearlyIndicators(
            year=2025,
            employees=180,
            operating_revenue=Decimal("4200"),
            total_assets=Decimal("5000"),
            total_liabilities=Decimal("2600"),
            rd_expense=Decimal("260"),
            ip_class_i=3,
            ip_class_ii=12,
        ),
        qualifications=(
            Qualification("srdi_sme", dt.date(2024, 5, 1), dt.date(2027, 4, 30)),
            Qualification("high_tech", dt.date(2024, 11, 1), dt.date(2027, 10, 31)),
        ),
        assessments=(AssessmentSummary("size-2011", AssessmentResult.ELIGIBLE, NOW, size_class="small"),),
        credit=CreditStanding("AA", score=870),
    )


def demand(uscc: str) -> Demand:
    return Demand(
        demand_id="bench",
        uscc=uscc,
        amount=Decimal("800"),
        purpose=Purpose.WORKING_CAPITAL,
        term_months=Decimal("24"),
        has_existing_loan=False,
        consent=DemandConsent(share_with_institutions=True, credit_lookup=True),
    )


# --- 1. in process -----------------------------------------------------------------------------------


@dataclass
class InProcess:
    match_ms: list[float]
    match_cpu_ms: list[float]
    json_ms: list[float]
    json_cpu_ms: list[float]
    size: int
    matched: int


def bench_in_process(data: dict[str, Any], n: int) -> InProcess:
    """Wall and CPU time (the machine may be shared: CPU time is what the code costs)."""
    catalogue = parse_catalogue(data)
    products = catalogue.products
    # As the service does after loading its catalogue (setting gc_freeze_catalogue): keep full
    # collections from re-scanning the long-lived catalogue.
    gc.collect()
    gc.freeze()
    uscc = make_uscc(random.Random(1))
    snap, dm = snapshot(uscc), demand(uscc)
    today = NOW.date()
    out = InProcess([], [], [], [], 0, 0)
    for i in range(n + 50):
        t0, c0 = time.perf_counter(), time.process_time()
        outcome = match_facts(dm, enterprise_facts(snap, today), products)
        t1, c1 = time.perf_counter(), time.process_time()
        body = dumps(OutcomeRenderer().outcome(outcome))
        t2, c2 = time.perf_counter(), time.process_time()
        if i >= 50:  # warm-up
            out.match_ms.append((t1 - t0) * 1000)
            out.match_cpu_ms.append((c1 - c0) * 1000)
            out.json_ms.append((t2 - t0) * 1000)
            out.json_cpu_ms.append((c2 - c0) * 1000)
            out.size, out.matched = len(body), len(outcome.matched)
    return out


# --- 2. over HTTP ------------------------------------------------------------------------------------


@asynccontextmanager
async def app_on(url: str, bootstrap: str) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    upgrade("tidu_finance_match", "finance-match", url)
    settings = Settings(
        database_url=url,
        run_relay=False,
        run_consumers=False,
        scheduler_enabled=False,
        seed_catalogue=False,
        kafka=KafkaSettings(bootstrap_servers=bootstrap, namespace="bench."),
        log_level="WARNING",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as client:
            yield app, client


async def deliver(app: Any, type_: str, data: dict[str, Any]) -> None:
    env = new_envelope(source="/tidu/bench", type=type_, subject=data["uscc"], data=data)
    async with app.state.db.transaction() as s:
        await handlers(app.state.finance)[type_](s, env, event_type(type_).validate(data))


async def register_srdi(app: Any, uscc: str) -> None:
    await deliver(
        app,
        ENTERPRISE_REGISTERED,
        {
            "uscc": uscc,
            "name": "重庆示例精密制造有限公司",
            "district_code": "500113",
            "industry_code": "C3825",
            "established_on": "2015-03-01",
            "registered_at": NOW.isoformat(),
        },
    )
    values = {"operating_revenue": "4200", "total_assets": "5000", "total_liabilities": "2600", "rd_expense": "260"}
    await deliver(
        app,
        INDICATORS_REPORTED,
        {
            "uscc": uscc,
            "year": 2025,
            "indicators": {**values, "ip_class_i": 3, "ip_class_ii": 12},
            "source": "bench",
            "reported_by": "bench",
            "reported_at": NOW.isoformat(),
        },
    )
    for kind in ("srdi_sme", "high_tech"):
        await deliver(
            app,
            QUALIFICATION_GRANTED,
            {
                "qualification_id": f"q-{uuid.uuid4().hex[:10]}",
                "uscc": uscc,
                "kind": kind,
                "level": "provincial",
                "granted_on": "2024-05-01",
                "expires_on": "2027-04-30",
            },
        )
    await deliver(
        app,
        ASSESSMENT_COMPLETED,
        {
            "assessment_id": "a-bench",
            "uscc": uscc,
            "ruleset_id": "size-2011",
            "ruleset_version": "2011",
            "tier": "size",
            "as_of": NOW.date().isoformat(),
            "data_year": 2025,
            "result": "eligible",
            "size_class": "small",
            "assessed_at": NOW.isoformat(),
        },
    )


DEMAND_BODY = {
    "amount": "800",
    "term_months": 24,
    "purpose": "working_capital",
    "has_existing_loan": False,
    "consent": {"share_with_institutions": True, "credit_lookup": True},
}


async def bench_http(
    data: dict[str, Any], work: Path, bootstrap: str, n: int
) -> tuple[list[float], list[float], int, int]:
    url = f"sqlite+aiosqlite:///{work / 'finance_http.db'}"
    async with app_on(url, bootstrap) as (app, client):
        await seed_catalogue(app.state.db, data)
        uscc = make_uscc(random.Random(2))
        await register_srdi(app, uscc)
        auth = {"Authorization": f"Bearer {mint_token(AuthSettings(), sub='bench', role='enterprise', uscc=uscc)}"}
        first = await client.post("/v1/demands", json=DEMAND_BODY, headers=auth)
        assert first.status_code == 201, first.text
        demand_id = first.json()["id"]
        matched = first.json()["match"]["counts"]["matched"]
        get_ms: list[float] = []
        for i in range(n + 20):
            t0 = time.perf_counter()
            r = await client.get(f"/v1/demands/{demand_id}/matches", headers=auth)
            if i >= 20:
                get_ms.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200
        post_ms: list[float] = []
        for i in range(n // 4 + 5):
            t0 = time.perf_counter()
            r = await client.post("/v1/demands", json=DEMAND_BODY, headers=auth)
            if i >= 5:
                post_ms.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 201
    return get_ms, post_ms, matched, len(r.content)


# --- 3. re-matching 10,000 open demands -----------------------------------------------------------------

NEW_PRODUCT: dict[str, Any] = {
    "code": "bench-new-loan",
    "name": "基准新产品：科技成长贷",
    "kind": "loan",
    "institution": "demo-ccb",
    "collateral": "none",
    "amount": {"min": 50, "max": 2000},
    "term_months": {"min": 6, "max": 36},
    "rate_pct": {"min": 3.4, "max": 4.6},
    "gates": {"region_prefix": ["50"], "min_operating_revenue": 2000, "max_debt_ratio_pct": 65},
}


async def populate(app: Any, n: int, seed: int = 11) -> None:
    """n enterprises with profiles, indicators, qualifications, a size class, a consented credit
    grade, and one open demand each — bulk inserted (their initial match rows are not needed: the
    change is a new product)."""
    rng = random.Random(seed)
    profiles, indicators, quals, assessments, consents, standings, demands = [], [], [], [], [], [], []
    for i in range(n):
        district = rng.choice(["500113", "500114", "500112", "510104"])
        uscc = make_uscc(rng, district)
        profiles.append(
            {
                "uscc": uscc,
                "name": f"基准企业 {i:05d}",
                "district_code": district,
                "industry_code": rng.choice(["C3825", "C3983", "I6513", "M7320"]),
                "established_on": dt.date(2008 + rng.randint(0, 16), rng.randint(1, 12), 1),
                "registered_at": NOW,
                "updated_at": NOW,
                "last_event_id": str(uuid.uuid4()),
                "source_time": NOW,
            }
        )
        assets = rng.randint(500, 20000)
        indicators.append(
            {
                "uscc": uscc,
                "year": 2025,
                "values": {
                    "operating_revenue": str(rng.randint(200, 12000)),
                    "total_assets": str(assets),
                    "total_liabilities": str(int(assets * rng.uniform(0.2, 0.9))),
                    "rd_expense": str(rng.randint(5, 600)),
                    "ip_class_i": rng.randint(0, 6),
                    "ip_class_ii": rng.randint(0, 20),
                },
                "restated": False,
                "reported_at": NOW,
                "updated_at": NOW,
            }
        )
        for kind in rng.sample(["tech_sme", "innovative_sme", "srdi_sme", "high_tech", "little_giant"], 2):
            quals.append(
                {
                    "qualification_id": f"q-{uuid.uuid4().hex[:12]}",
                    "uscc": uscc,
                    "kind": kind,
                    "level": "provincial",
                    "granted_on": dt.date(2024, 1, 1),
                    "expires_on": dt.date(2027, 1, 1),
                    "status": "valid",
                    "updated_at": NOW,
                }
            )
        assessments.append(
            {
                "uscc": uscc,
                "ruleset_id": "size-2011",
                "assessment_id": f"a-{i}",
                "ruleset_version": "2011",
                "tier": "size",
                "result": "eligible",
                "size_class": rng.choice(["micro", "small", "medium", "large"]),
                "data_year": 2025,
                "as_of": NOW.date(),
                "assessed_at": NOW,
                "updated_at": NOW,
            }
        )
        consent_id = str(uuid.uuid4())
        consents.append(
            {
                "id": consent_id,
                "uscc": uscc,
                "share_with_institutions": True,
                "credit_lookup": True,
                "granted_at": NOW,
                "granted_by": "bench",
                "expires_at": NOW + dt.timedelta(days=365),
            }
        )
        standings.append(
            {
                "uscc": uscc,
                "grade": rng.choice(["AA", "A", "BBB", "BB"]),
                "score": 800,
                "report_time": NOW,
                "source": "simulated",
                "consent_id": consent_id,
                "looked_up_at": NOW,
            }
        )
        demands.append(
            {
                "id": str(uuid.uuid4()),
                "uscc": uscc,
                "district_code": district,
                "industry_code": "C3825",
                "tier": "srdi_sme",
                "amount": Decimal(rng.choice([100, 300, 500, 800, 1500])),
                "term_months": Decimal(rng.choice([6, 12, 24, 36])),
                "purpose": rng.choice(["working_capital", "technical_upgrade", "rd", "equipment"]),
                "collateral_offered": [],
                "urgency": "normal",
                "product_kinds": None,
                "has_existing_loan": False,
                "note": None,
                "consent_id": consent_id,
                "status": "open",
                "match_status": "matched",
                "matched_count": 0,
                "needs_data_count": 0,
                "version": 1,
                "created_by": "bench",
                "created_at": NOW,
                "updated_at": NOW,
                "matched_at": NOW,
            }
        )
    async with app.state.db.transaction() as s:
        for model, rows in (
            (EnterpriseProfile, profiles),
            (EnterpriseIndicators, indicators),
            (EnterpriseQualification, quals),
            (EnterpriseAssessment, assessments),
            (ConsentRow, consents),
            (CreditStandingRow, standings),
            (DemandRow, demands),
        ):
            for i in range(0, len(rows), 2000):
                await s.execute(insert(model), rows[i : i + 2000])


async def bench_rematch(work: Path, bootstrap: str, n: int) -> dict[str, Any]:
    url = f"sqlite+aiosqlite:///{work / 'finance_rematch.db'}"
    async with app_on(url, bootstrap) as (app, _client):
        await seed_catalogue(app.state.db)
        t0 = time.perf_counter()
        await populate(app, n)
        populate_s = time.perf_counter() - t0
        admin = Principal(sub="bench-admin", role=Role.admin)
        ctx, db = app.state.finance, app.state.db
        t0 = time.perf_counter()
        created = await create_product(ctx, db, admin, NEW_PRODUCT)
        publish_s = time.perf_counter() - t0
        narrower = {**NEW_PRODUCT, "gates": {**NEW_PRODUCT["gates"], "min_operating_revenue": 6000}}
        t0 = time.perf_counter()
        changed = await replace_product(ctx, db, admin, NEW_PRODUCT["code"], narrower, if_match=None)
        narrow_s = time.perf_counter() - t0
    return {
        "populate_s": populate_s,
        "publish_s": publish_s,
        "narrow_s": narrow_s,
        "published": created.rematch,
        "narrowed": changed.rematch,
    }


# --- the table ---------------------------------------------------------------------------------------


def p50(xs: list[float]) -> float:
    return percentile(xs, 50)


def p99(xs: list[float]) -> float:
    return percentile(xs, 99)


def in_process_figures(ip: InProcess, n: int) -> list[Figure]:
    return [
        Figure(f"match 1 demand × 1,000 products with reasons (domain), p50 (n={n})", p50(ip.match_ms), "ms"),
        Figure(f"match 1 demand × 1,000 products with reasons (domain), p99 (n={n})", p99(ip.match_ms), "ms"),
        Figure("… CPU time, p50", p50(ip.match_cpu_ms), "ms"),
        Figure("… CPU time, p99", p99(ip.match_cpu_ms), "ms"),
        Figure("… + every reason in words (zh/en) as JSON bytes, p50", p50(ip.json_ms), "ms"),
        Figure("… + every reason in words (zh/en) as JSON bytes, p99", p99(ip.json_ms), "ms"),
        Figure("… + words and JSON, CPU time, p50", p50(ip.json_cpu_ms), "ms"),
        Figure("… + words and JSON, CPU time, p99", p99(ip.json_cpu_ms), "ms"),
    ]


def run_in_process(n: int = 1000) -> list[Figure]:
    """Part 1 only."""
    load_before = os.getloadavg()
    data = synthetic_catalogue(1000)
    gc.collect()
    ip = bench_in_process(data, n)
    print(
        f"\n1,000 products: {ip.matched} match the benchmark demand; the outcome with every reason is "
        f"{ip.size / 1024:.0f} KiB of JSON.\nload average before / after: {load_before[0]:.1f} / "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores."
    )
    return in_process_figures(ip, n)


def run(n: int = 1000, demands: int = 10_000) -> list[Figure]:
    load_before = os.getloadavg()
    data = synthetic_catalogue(1000)
    gc.collect()
    ip = bench_in_process(data, n)
    work = Path(tempfile.mkdtemp(prefix="finance-bench-"))
    broker = DevBroker(log_path=work / "broker.log").start()
    try:
        get_ms, post_ms, matched, post_size = asyncio.run(bench_http(data, work, broker.bootstrap_servers, n // 2))
        rem = asyncio.run(bench_rematch(work, broker.bootstrap_servers, demands))
    finally:
        broker.stop()
    pub, nar = rem["published"], rem["narrowed"]
    print(
        f"\n1,000 products: {ip.matched} match the benchmark demand; the outcome with every reason is "
        f"{ip.size / 1024:.0f} KiB of JSON (the POST response {post_size / 1024:.0f} KiB).\n"
        f"re-match: {pub.open_demands:,} open demands of as many enterprises; publishing matched "
        f"{pub.newly_matched:,} (needs data {pub.needs_data}) and pushed {pub.pushed:,} with their events; "
        f"narrowing took {nar.no_longer_matched:,} matches away (bulk-loading the projections took "
        f"{rem['populate_s']:.1f} s).\nload average before / after: {load_before[0]:.1f} / {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores."
    )
    return [
        *in_process_figures(ip, n),
        Figure(
            f"GET /v1/demands/{{id}}/matches (ASGI, SQLite), p50 (n={n // 2})",
            p50(get_ms),
            "ms",
            p50(ip.json_ms),
            "in process, p50",
        ),
        Figure(
            f"GET /v1/demands/{{id}}/matches (ASGI, SQLite), p99 (n={n // 2})",
            p99(get_ms),
            "ms",
            p99(ip.json_ms),
            "in process, p99",
        ),
        Figure(
            f"POST /v1/demands (store, push {matched}), p50 (n={n // 4})", p50(post_ms), "ms", p50(get_ms), "GET p50"
        ),
        Figure(
            f"POST /v1/demands (store, push {matched}), p99 (n={n // 4})", p99(post_ms), "ms", p99(get_ms), "GET p99"
        ),
        Figure(f"re-match {pub.open_demands:,} open demands: publish a product (SQLite)", rem["publish_s"], "s"),
        Figure(f"re-match {nar.open_demands:,} open demands: narrow that product (SQLite)", rem["narrow_s"], "s"),
    ]


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--in-process"]
    size = int(args[0]) if args else 1000
    print_table(run_in_process(size) if "--in-process" in sys.argv[1:] else run(size))
