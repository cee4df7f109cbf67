"""Shared fixtures of finance-match's unit tests: data factories and a fake credit platform server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tidu_finance_match.domain.catalogue import Catalogue, DecimalRange, Product, load_reference_catalogue
from tidu_finance_match.domain.demands import Demand, DemandConsent
from tidu_finance_match.domain.enterprise import (
    AssessmentResult,
    AssessmentSummary,
    CreditStanding,
    EnterpriseSnapshot,
    Qualification,
    YearlyIndicators,
)
from tidu_finance_match.domain.gates import Gates
from tidu_finance_match.domain.vocabulary import ProductKind, Purpose

AS_OF = date(2025, 6, 1)
USCC_A = "91110108551385082Q"
USCC_B = "91110000600037341L"
USCC_C = "91130600738737199K"


# --- domain factories ---------------------------------------------------------------------------


def make_indicators(**overrides: Any) -> YearlyIndicators:
    base: dict[str, Any] = {
        "year": 2024,
        "employees": 180,
        "rd_staff": 40,
        "operating_revenue": Decimal("4200"),
        "main_business_revenue": Decimal("3900"),
        "net_profit": Decimal("380"),
        "total_assets": Decimal("5000"),
        "total_liabilities": Decimal("2600"),
        "rd_expense": Decimal("260"),
        "ip_class_i": 3,
        "ip_class_ii": 12,
    }
    base.update(overrides)
    return YearlyIndicators(**base)


def make_snapshot(**overrides: Any) -> EnterpriseSnapshot:
    """A 专精特新 manufacturer in 巴南区 (500113), small, credit AA, data year 2024."""
    base: dict[str, Any] = {
        "uscc": USCC_A,
        "name": "重庆示例精密制造有限公司",
        "district_code": "500113",
        "industry_code": "C3825",
        "established_on": date(2015, 3, 1),
        "indicators": make_indicators(),
        "qualifications": (
            Qualification("srdi_sme", date(2023, 5, 1), date(2026, 4, 30), level="provincial"),
            Qualification("high_tech", date(2022, 11, 1), date(2025, 10, 31), level="national"),
        ),
        "assessments": (
            AssessmentSummary(
                "size-2011", AssessmentResult.ELIGIBLE, datetime(2025, 3, 1, tzinfo=UTC), size_class="small"
            ),
        ),
        "credit": CreditStanding("AA", score=870),
        "tier": "srdi_sme",
    }
    base.update(overrides)
    return EnterpriseSnapshot(**base)


def make_demand(**overrides: Any) -> Demand:
    base: dict[str, Any] = {
        "demand_id": "dm-1",
        "uscc": USCC_A,
        "amount": Decimal("800"),
        "purpose": Purpose.WORKING_CAPITAL,
        "term_months": Decimal("24"),
        "has_existing_loan": False,
        "consent": DemandConsent(share_with_institutions=True, credit_lookup=True, consent_id="cs-1"),
    }
    base.update(overrides)
    return Demand(**base)


def make_product(code: str = "p-test", **overrides: Any) -> Product:
    base: dict[str, Any] = {
        "code": code,
        "name": f"测试产品 {code}",
        "kind": ProductKind.LOAN,
        "institution_code": "inst-a",
        "gates": Gates(),
        "amount": DecimalRange(Decimal("10"), Decimal("1000")),
        "term_months": DecimalRange(Decimal("6"), Decimal("36")),
        "rate_pct": DecimalRange(Decimal("3.5"), Decimal("4.5")),
    }
    base.update(overrides)
    return Product(**base)


@dataclass(frozen=True)
class Factories:
    """Test-data factories and constants (tests cannot import conftest under importlib mode)."""

    snapshot: Callable[..., EnterpriseSnapshot] = make_snapshot
    demand: Callable[..., Demand] = make_demand
    product: Callable[..., Product] = make_product
    indicators: Callable[..., YearlyIndicators] = make_indicators
    as_of: date = AS_OF
    uscc_a: str = USCC_A
    uscc_b: str = USCC_B
    uscc_c: str = USCC_C
    api_key: str = "test-key"


@pytest.fixture
def make() -> Factories:
    return Factories()


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_reference_catalogue()


# --- a fake credit platform over real HTTP -------------------------------------------------------

TEST_API_KEY = "test-key"


def good_body(uscc: str) -> dict[str, Any]:
    return {
        "uscc": uscc,
        "grade": "A",
        "score": 812,
        "records": [{"kind": "loan", "date": "2024-05-10", "summary": "流动资金贷款，正常还款"}],
        "report_time": "2025-06-01T10:00:00+08:00",
        "extra_field": "ignored",
    }


@dataclass
class PlatformScript:
    """What the fake platform does: one behaviour per request from ``queue``, then ``default``.

    Behaviours: ok, slow (sleep ``slow_seconds`` then ok), 500, 503, 429, 404, 401, drop (close the
    connection without answering), malformed_json, missing_fields, not_object, bad_grade, wrong_uscc.
    """

    queue: deque[str] = field(default_factory=deque)
    default: str = "ok"
    slow_seconds: float = 0.4
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def then(self, *behaviours: str) -> PlatformScript:
        self.queue.extend(behaviours)
        return self

    def next(self, path: str, headers: dict[str, str]) -> str:
        with self.lock:
            self.requests.append({"path": path, "headers": headers, "at": time.monotonic()})
            return self.queue.popleft() if self.queue else self.default

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.requests)

    def reset(self) -> None:
        with self.lock:
            self.queue.clear()
            self.requests.clear()
            self.default = "ok"
            self.slow_seconds = 0.4


class _Handler(BaseHTTPRequestHandler):
    server: _PlatformServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self) -> None:
        script = self.server.script
        headers = {k.lower(): v for k, v in self.headers.items()}
        behaviour = script.next(self.path, headers)
        prefix = "/v1/credit-reports/"
        uscc = self.path[len(prefix) :] if self.path.startswith(prefix) else ""
        if behaviour == "slow":
            time.sleep(script.slow_seconds)
            behaviour = "ok"
        if behaviour == "drop":
            self.close_connection = True
            return
        if behaviour in ("500", "503", "429", "404", "401"):
            self._send(int(behaviour), b'{"error": "scripted"}')
            return
        if behaviour == "malformed_json":
            self._send(200, b'{"uscc": "' + uscc.encode() + b'", "grade": ')
            return
        body = good_body(uscc)
        if behaviour == "ok" and headers.get("x-api-key") not in (TEST_API_KEY, None):
            self._send(401, b'{"error": "unauthorized"}')
            return
        if behaviour == "missing_fields":
            del body["score"], body["report_time"]
        elif behaviour == "bad_grade":
            body["grade"] = "Z+"
        elif behaviour == "wrong_uscc":
            body["uscc"] = USCC_C
        elif behaviour == "not_object":
            self._send(200, b"[1, 2, 3]")
            return
        self._send(200, json.dumps(body, ensure_ascii=False).encode())


class _PlatformServer(ThreadingHTTPServer):
    daemon_threads = True
    script: PlatformScript

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out close their end; nothing to report


@dataclass(frozen=True)
class FakePlatform:
    url: str
    script: PlatformScript


@pytest.fixture(scope="session")
def _platform_server() -> Iterator[FakePlatform]:
    server = _PlatformServer(("127.0.0.1", 0), _Handler)
    server.script = PlatformScript()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield FakePlatform(url=f"http://{host}:{port}", script=server.script)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=2)


@pytest.fixture
def platform(_platform_server: FakePlatform) -> Iterator[FakePlatform]:
    """The fake platform, with a fresh script for each test."""
    _platform_server.script.reset()
    yield _platform_server
    _platform_server.script.reset()


@pytest.fixture
def closed_port_url() -> str:
    """A URL on which nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
