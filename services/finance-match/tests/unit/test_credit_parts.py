"""Circuit breaker, TTL cache, report parsing, the simulated platform and its HTTP app, the factory."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest
import uvicorn

from tidu_finance_match.credit import (
    BreakerState,
    CircuitBreaker,
    CircuitOpen,
    CreditPlatform,
    CreditPlatformConfig,
    CreditReportNotFound,
    GuardedCreditClient,
    HttpCreditPlatform,
    MalformedCreditResponse,
    SimulatedCreditPlatform,
    TtlCache,
    build_credit_platform,
    build_guarded_client,
    parse_credit_report,
    report_to_json,
    simulated_grade,
)
from tidu_finance_match.credit.simulator_app import create_app
from tidu_finance_match.credit.uscc import check_character, is_valid_uscc
from tidu_finance_match.domain.credit_grades import BASE_GRADES


def test_breaker_closed_open_half_open(clock):
    b = CircuitBreaker(failure_threshold=3, cooldown_seconds=10, clock=clock)
    for _ in range(2):
        b.before_call()
        b.record_failure()
    assert b.state is BreakerState.CLOSED
    b.before_call()
    b.record_success()  # a success resets the count
    for _ in range(3):
        b.before_call()
        b.record_failure()
    assert b.state is BreakerState.OPEN
    with pytest.raises(CircuitOpen):
        b.before_call()
    clock.advance(9.99)
    with pytest.raises(CircuitOpen):
        b.before_call()
    clock.advance(0.01)
    assert b.state is BreakerState.HALF_OPEN
    b.before_call()  # the one trial
    with pytest.raises(CircuitOpen):
        b.before_call()  # a second caller during the trial is refused
    b.release()  # the trial was cancelled: the next caller may try
    b.before_call()
    b.record_success()
    assert b.state is BreakerState.CLOSED
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker(failure_threshold=0)


def test_ttl_cache(clock):
    cache: TtlCache[str, int] = TtlCache(5, max_entries=2, clock=clock)
    cache.put("a", 1)
    clock.advance(4.9)
    assert cache.get("a") == 1
    clock.advance(0.1)
    assert cache.get("a") is None and len(cache) == 0
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, 2, 3)
    cache.invalidate("b")
    assert cache.get("b") is None
    cache.clear()
    assert len(cache) == 0


def test_parse_rejects_naive_times_and_bad_records(make):
    body = {
        "uscc": make.uscc_a,
        "grade": "aa+",
        "score": 900,
        "records": [{"kind": "overdue", "date": None, "summary": "x"}],
        "report_time": "2025-06-01T02:00:00Z",
    }
    report = parse_credit_report(body, expected_uscc=make.uscc_a)
    assert report.grade == "AA+" and report.records[0].occurred_on is None
    assert report.report_time == datetime(2025, 6, 1, 2, tzinfo=UTC)
    for field, value in [
        ("report_time", "2025-06-01T10:00:00"),
        ("score", 1001),
        ("score", True),
        ("score", 80.5),
        ("records", [{"kind": "", "date": None}]),
        ("records", [{"kind": "loan", "date": "2025-13-01"}]),
        ("records", {"kind": "loan"}),
    ]:
        with pytest.raises(MalformedCreditResponse):
            parse_credit_report({**body, field: value}, expected_uscc=make.uscc_a)


def test_uscc_check_character(make):
    assert is_valid_uscc(make.uscc_a) and is_valid_uscc(make.uscc_b) and is_valid_uscc(make.uscc_c)
    assert check_character(make.uscc_a[:17]) == "Q"
    assert not is_valid_uscc("91110108551385082")  # 17 characters
    assert not is_valid_uscc("91110108551385O82Q")  # letter O is not in the alphabet
    code = "Y1500000MA5U0000"
    code += "0"
    assert is_valid_uscc(code + check_character(code))  # authorities A, N, Y are accepted


async def test_simulated_platform_is_deterministic(make):
    sim = SimulatedCreditPlatform(unknown=[make.uscc_c])
    a1, a2 = await sim.lookup(make.uscc_a), await sim.lookup(make.uscc_a)
    assert (a1.grade, a1.score, a1.records) == (a2.grade, a2.score, a2.records)
    assert (a1.grade, a1.score) == simulated_grade(make.uscc_a)
    assert isinstance(sim, CreditPlatform)
    with pytest.raises(CreditReportNotFound):
        await sim.lookup(make.uscc_c)
    with pytest.raises(CreditReportNotFound):
        await sim.lookup("91110108551385082R")


def test_simulated_grades_cover_the_scale():
    grades = set()
    for i in range(3000):
        code = f"91500000{i:09d}"
        grade, score = simulated_grade(code + check_character(code))
        grades.add(grade)
        assert 0 <= score <= 1000
    assert grades == set(BASE_GRADES)


@pytest.fixture(scope="module")
def simulator_url():
    """The simulator ASGI app served by uvicorn on a free port, in a thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(api_key="sim-key", unknown=["91130600738737199K"])
    config = uvicorn.Config(app, log_level="warning", lifespan="on", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)
    sock.close()


async def test_simulator_app_speaks_the_protocol(simulator_url, make):
    async with HttpCreditPlatform(simulator_url, api_key="sim-key", timeout_seconds=0.5) as client:
        report = await client.lookup(make.uscc_a)
        expected = SimulatedCreditPlatform().report_for(make.uscc_a)
        assert (report.grade, report.score, report.records) == (expected.grade, expected.score, expected.records)
        with pytest.raises(CreditReportNotFound):
            await client.lookup(make.uscc_c)
    async with httpx.AsyncClient(base_url=simulator_url) as raw:
        assert (await raw.get("/healthz")).json() == {"status": "ok"}
        unauthorised = await raw.get(f"/v1/credit-reports/{make.uscc_a}")
        assert (unauthorised.status_code, unauthorised.json()) == (401, {"error": "unauthorized"})
        assert (await raw.get("/v2/other")).status_code == 404
        assert (await raw.post("/healthz")).status_code == 405
        body = (await raw.get(f"/v1/credit-reports/{make.uscc_a}", headers={"X-Api-Key": "sim-key"})).json()
        assert set(body) == {"uscc", "grade", "score", "records", "report_time"}
        assert body == report_to_json(parse_credit_report(body, expected_uscc=make.uscc_a))


async def test_factory_defaults_to_the_simulator_and_builds_http_with_credentials(make):
    assert isinstance(build_credit_platform(CreditPlatformConfig()), SimulatedCreditPlatform)
    http = build_credit_platform(CreditPlatformConfig(url="https://credit.example", username="u", password="p"))
    assert isinstance(http, HttpCreditPlatform) and http.breaker is not None
    assert "hunter2" not in repr(CreditPlatformConfig(url="x", api_key="hunter2", password="hunter2"))
    with pytest.raises(ValueError, match="not both"):
        build_credit_platform(CreditPlatformConfig(url="https://x", api_key="k", username="u", password="p"))
    with pytest.raises(ValueError, match="both username and password"):
        build_credit_platform(CreditPlatformConfig(url="https://x", username="u"))

    async def consent(uscc: str, scope: str):
        return None

    async def audit(entry) -> None:
        return None

    client = build_guarded_client(CreditPlatformConfig(), consent_checker=consent, audit_sink=audit)
    assert isinstance(client, GuardedCreditClient) and client.cache is not None
    await asyncio.sleep(0)
