"""One what-if evaluation with trace and gaps (``POST /v1/evaluations``): latency in process
(``Engine.evaluate(..., explain=True)``), through the real app over ASGI (no network), and over a
real uvicorn process on loopback. Beside each, the floor measured in the same run: the engine
without explanation (decision only); ``GET /healthz`` through the same app (ASGI) and over the same
uvicorn (loopback) — the cost of the HTTP stack and the shared middleware (auth, rate limit, request
id, metrics, tracing) without any evaluation.

The evaluation: srdi-2026 (the standard in force), as of 2026-06-01, a firm that holds 创新型 and
meets every condition but R&D (2.4% of revenue in 2025): ``not_eligible`` with a full trace and the
smallest R&D change as its gap, and the next tier.

    .venv/bin/python -m bench.eligibility_whatif_bench [N]
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from bench.common import Figure, percentile, print_table
from tidu_eligibility.app import create_app
from tidu_eligibility.domain.engine import Engine
from tidu_eligibility.domain.ruleset_loader import load_rulesets
from tidu_eligibility.settings import Settings
from tidu_shared.auth import mint_token
from tidu_shared.devbroker import DevBroker, free_port
from tidu_shared.devrun import start_service, wait_ready
from tidu_shared.services_catalog import service
from tidu_shared.settings import AuthSettings, KafkaSettings
from tidu_shared.testing.databases import ServiceDatabases
from tidu_shared.testing.plugin import running_app
from tidu_shared.testing.stack import ServiceProcess

AS_OF = dt.date(2026, 6, 1)
REQUEST: dict[str, Any] = {
    "ruleset": "srdi-2026",
    "as_of": AS_OF.isoformat(),
    "enterprise": {"industry_code": "C3825", "district_code": "500113", "niche_market_since": "2018-01-01"},
    "indicators": {
        "2025": {"operating_revenue": "5000", "main_business_revenue": "4500", "rd_expense": "120",
                 "total_assets": "2000", "total_liabilities": "1000", "ip_class_i": 2, "rd_institution_level": "city",
                 "equity_financing": "0", "development_score": "70"},
        "2024": {"operating_revenue": "4000", "rd_expense": "150", "equity_financing": "0"},
    },
    "qualifications": [{"kind": "innovative_sme", "level": "provincial", "granted_on": "2025-03-01",
                        "expires_on": "2028-02-29"}],
}  # fmt: skip
ENGINE_INPUTS = {
    "enterprise": REQUEST["enterprise"],
    "years": REQUEST["indicators"],
    "qualifications": REQUEST["qualifications"],
}
WARM_UP = 50


def ms(samples: list[float], p: float) -> float:
    return percentile(samples, p) * 1000


def in_process(n: int) -> tuple[list[float], list[float]]:
    engine = Engine(load_rulesets())
    out: dict[bool, list[float]] = {True: [], False: []}
    for explain in (True, False):
        for i in range(WARM_UP + n):
            t0 = time.perf_counter()
            a = engine.evaluate("srdi-2026", AS_OF, None, ENGINE_INPUTS, explain=explain)
            elapsed = time.perf_counter() - t0
            if i >= WARM_UP:
                out[explain].append(elapsed)
        assert str(a.result) == "not_eligible"
    return out[True], out[False]


async def timed(n: int, call: Callable[[], Awaitable[httpx.Response]]) -> list[float]:
    samples = []
    for i in range(WARM_UP + n):
        t0 = time.perf_counter()
        r = await call()
        elapsed = time.perf_counter() - t0
        assert r.status_code == 200, r.text
        if i >= WARM_UP:
            samples.append(elapsed)
    return samples


def check(r: httpx.Response) -> None:
    body = r.json()
    assert r.headers["x-rules-version"] == "srdi-2026@1"
    assert body["result"] == "not_eligible" and body["trace"] and body["gaps"], body


async def over_asgi(n: int, db_url: str, bootstrap: str, headers: dict[str, str]) -> tuple[list[float], list[float]]:
    settings = Settings(
        database_url=db_url,
        run_relay=False,
        run_consumers=False,
        log_level="WARNING",
        write_rate_per_s=1e9,  # the per-principal write limit would throttle one client's loop
        kafka=KafkaSettings(bootstrap_servers=bootstrap, namespace="bench-asgi."),
    )
    async with running_app(create_app(settings)) as client:
        check(await client.post("/v1/evaluations", json=REQUEST, headers=headers))
        evaluations = await timed(n, lambda: client.post("/v1/evaluations", json=REQUEST, headers=headers))
        health = await timed(n, lambda: client.get("/healthz"))
    return evaluations, health


async def over_loopback(n: int, url: str, headers: dict[str, str]) -> tuple[list[float], list[float]]:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        check(await client.post("/v1/evaluations", json=REQUEST, headers=headers))
        evaluations = await timed(n, lambda: client.post("/v1/evaluations", json=REQUEST, headers=headers))
        health = await timed(n, lambda: client.get("/healthz"))
    return evaluations, health


def run(n: int = 2000) -> list[Figure]:
    explained, decision = in_process(n)
    work = Path(tempfile.mkdtemp(prefix="tidu-bench-eligibility-"))
    broker = DevBroker(log_path=work / "broker.log").start()
    token = mint_token(AuthSettings(), sub="bench", role="operator", district="500113")
    headers = {"Authorization": f"Bearer {token}"}
    try:
        dbs = ServiceDatabases(work, "bench")
        asgi, asgi_health = asyncio.run(over_asgi(n, dbs.fresh("eligibility"), broker.bootstrap_servers, headers))
        info = service("eligibility")
        env = {
            **os.environ,
            "TIDU_ENVIRONMENT": "test",
            "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
            "KAFKA_NAMESPACE": "bench-uvicorn.",
            f"{info.env_prefix}DATABASE_URL": dbs.fresh("eligibility"),
            f"{info.env_prefix}RUN_RELAY": "false",
            f"{info.env_prefix}RUN_CONSUMERS": "false",
            f"{info.env_prefix}LOG_LEVEL": "WARNING",
            f"{info.env_prefix}WRITE_RATE_PER_S": "1000000000",
        }
        proc = ServiceProcess(info, free_port(), env, work / "eligibility.log")
        proc.proc = start_service(info, env, proc.port, proc.log_path)
        try:
            wait_ready(proc.url, timeout_s=60, proc=proc.proc)
            loopback, health = asyncio.run(over_loopback(n, proc.url, headers))
        finally:
            proc.stop()
    finally:
        broker.stop()
    figures = []
    for p in (50, 99):
        figures += [
            Figure(f"what-if srdi-2026 explained, in process, p{p} (n={n})", ms(explained, p), "ms",
                   ms(decision, p), "decision only"),
            Figure(f"what-if over HTTP, ASGI (real app), p{p}", ms(asgi, p), "ms", ms(asgi_health, p),
                   "GET /healthz, ASGI"),
            Figure(f"what-if over HTTP, uvicorn loopback, p{p}", ms(loopback, p), "ms", ms(health, p),
                   "GET /healthz, loopback"),
        ]  # fmt: skip
    return figures


if __name__ == "__main__":
    print_table(run(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
