"""HttpCreditPlatform against a real HTTP server on 127.0.0.1 that plays the platform (see conftest)."""

from __future__ import annotations

import base64
import random
import time

import httpx
import pytest

from tidu_finance_match.credit import (
    BreakerState,
    CircuitBreaker,
    CircuitOpen,
    CreditPlatformRejected,
    CreditPlatformTimeout,
    CreditPlatformUnavailable,
    CreditReportNotFound,
    HttpCreditPlatform,
    InvalidUscc,
    MalformedCreditResponse,
    RetryPolicy,
)

TIMEOUT = 0.15
FAST_RETRY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02, jitter=0.5)


class SleepRecorder:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def client_factory(platform, make, sleeps):
    created: list[HttpCreditPlatform] = []

    def build(**kw) -> HttpCreditPlatform:
        params = {
            "api_key": make.api_key,
            "timeout_seconds": TIMEOUT,
            "retry": FAST_RETRY,
            "sleep": sleeps,
            "rng": random.Random(1),
        }
        params.update(kw)
        client = HttpCreditPlatform(params.pop("base_url", platform.url), **params)
        created.append(client)
        return client

    return build, created


@pytest.fixture
async def http_client(client_factory):
    build, created = client_factory
    yield build
    for c in created:
        await c.aclose()


async def test_normal_answer(http_client, platform, make):
    client = http_client()
    report = await client.lookup(make.uscc_a.lower())
    assert (report.uscc, report.grade, report.score) == (make.uscc_a, "A", 812)
    assert report.records[0].kind == "loan" and str(report.records[0].occurred_on) == "2024-05-10"
    assert report.report_time.utcoffset().total_seconds() == 8 * 3600
    assert report.source == "http"
    assert platform.script.count == 1
    request = platform.script.requests[0]
    assert request["path"] == f"/v1/credit-reports/{make.uscc_a}"
    assert request["headers"]["x-api-key"] == make.api_key
    assert "test-key" not in repr(client)


async def test_basic_auth(http_client, platform, make):
    client = http_client(api_key=None, basic_auth=("inst", "s3cret"))
    await client.lookup(make.uscc_a)
    auth = platform.script.requests[0]["headers"]["authorization"]
    assert auth == "Basic " + base64.b64encode(b"inst:s3cret").decode()
    with pytest.raises(ValueError, match="not both"):
        HttpCreditPlatform("http://x", api_key="k", basic_auth=("a", "b"))


async def test_5xx_then_success_is_retried_with_backoff(http_client, platform, make, sleeps):
    platform.script.then("500", "503")
    client = http_client()
    report = await client.lookup(make.uscc_a)
    assert report.grade == "A"
    assert platform.script.count == 3 and client.attempts_made == 3
    assert len(sleeps.delays) == 2
    assert 0.005 <= sleeps.delays[0] <= 0.01 and 0.01 <= sleeps.delays[1] <= 0.02


async def test_persistent_5xx_gives_unavailable(http_client, platform, make, sleeps):
    platform.script.default = "500"
    with pytest.raises(CreditPlatformUnavailable) as err:
        await http_client().lookup(make.uscc_a)
    assert err.value.code == "credit_platform_unavailable" and err.value.retryable
    assert platform.script.count == 3 and len(sleeps.delays) == 2


async def test_429_is_retried(http_client, platform, make):
    platform.script.then("429")
    assert (await http_client().lookup(make.uscc_a)).grade == "A"
    assert platform.script.count == 2


async def test_slow_answers_time_out_and_are_retried(http_client, platform, make):
    platform.script.default = "slow"
    platform.script.slow_seconds = 2.0
    started = time.monotonic()
    with pytest.raises(CreditPlatformTimeout) as err:
        await http_client().lookup(make.uscc_a)
    elapsed = time.monotonic() - started
    assert err.value.code == "credit_platform_timeout"
    assert platform.script.count == 3
    assert elapsed < 1.95  # one attempt that waited for the answer would alone take 2 s


async def test_slow_once_then_fast(http_client, platform, make):
    platform.script.then("slow")
    assert (await http_client().lookup(make.uscc_a)).grade == "A"
    assert platform.script.count == 2


async def test_dropped_connection_is_retried(http_client, platform, make):
    platform.script.then("drop", "drop")
    assert (await http_client().lookup(make.uscc_a)).grade == "A"
    assert platform.script.count == 3


async def test_connection_refused_gives_unavailable(http_client, closed_port_url, make, sleeps):
    with pytest.raises(CreditPlatformUnavailable, match="3 attempt"):
        await http_client(base_url=closed_port_url).lookup(make.uscc_a)
    assert len(sleeps.delays) == 2


@pytest.mark.parametrize(
    ("behaviour", "field"),
    [
        ("malformed_json", "<body>"),
        ("not_object", "<body>"),
        ("missing_fields", "score"),
        ("bad_grade", "grade"),
        ("wrong_uscc", "uscc"),
    ],
)
async def test_malformed_answers_are_typed_errors_and_not_retried(http_client, platform, make, behaviour, field):
    platform.script.then(behaviour)
    with pytest.raises(MalformedCreditResponse) as err:
        await http_client().lookup(make.uscc_a)
    assert err.value.code == "credit_response_malformed"
    assert err.value.details["field"] == field
    assert platform.script.count == 1


async def test_404_is_not_found_and_not_retried(http_client, platform, make):
    platform.script.then("404")
    with pytest.raises(CreditReportNotFound):
        await http_client().lookup(make.uscc_a)
    assert platform.script.count == 1


async def test_4xx_is_rejected_and_not_retried(http_client, platform, make):
    with pytest.raises(CreditPlatformRejected) as err:
        await http_client(api_key="wrong-key").lookup(make.uscc_a)
    assert err.value.details["status"] == 401
    assert "wrong-key" not in str(err.value)
    assert platform.script.count == 1


async def test_invalid_uscc_makes_no_request(http_client, platform):
    with pytest.raises(InvalidUscc):
        await http_client().lookup("91110108551385082R")  # bad check character
    assert platform.script.count == 0


async def test_breaker_opens_and_recovers_through_half_open(http_client, platform, make, clock):
    breaker = CircuitBreaker(failure_threshold=2, cooldown_seconds=30, clock=clock)
    client = http_client(breaker=breaker)
    platform.script.default = "500"

    with pytest.raises(CircuitOpen):  # attempts 1 and 2 fail, the breaker opens, attempt 3 is refused
        await client.lookup(make.uscc_a)
    assert platform.script.count == 2
    assert breaker.state is BreakerState.OPEN

    with pytest.raises(CircuitOpen) as err:  # refused outright: no request at all
        await client.lookup(make.uscc_a)
    assert platform.script.count == 2
    assert err.value.details["retry_in_seconds"] == pytest.approx(30)

    clock.advance(30)
    assert breaker.state is BreakerState.HALF_OPEN
    with pytest.raises(CircuitOpen):  # the half-open trial fails: open again, no further attempt
        await client.lookup(make.uscc_a)
    assert platform.script.count == 3
    assert breaker.state is BreakerState.OPEN

    clock.advance(30)
    platform.script.default = "ok"
    report = await client.lookup(make.uscc_a)  # the trial succeeds: closed
    assert report.grade == "A"
    assert breaker.state is BreakerState.CLOSED and breaker.consecutive_failures == 0
    assert platform.script.count == 4


async def test_not_found_and_rejections_do_not_trip_the_breaker(http_client, platform, make, clock):
    breaker = CircuitBreaker(failure_threshold=1, cooldown_seconds=30, clock=clock)
    client = http_client(breaker=breaker)
    platform.script.then("404", "404")
    for _ in range(2):
        with pytest.raises(CreditReportNotFound):
            await client.lookup(make.uscc_a)
    assert breaker.state is BreakerState.CLOSED


async def test_malformed_answers_count_as_breaker_failures(http_client, platform, make, clock):
    breaker = CircuitBreaker(failure_threshold=1, cooldown_seconds=30, clock=clock)
    client = http_client(breaker=breaker)
    platform.script.then("malformed_json")
    with pytest.raises(MalformedCreditResponse):
        await client.lookup(make.uscc_a)
    assert breaker.state is BreakerState.OPEN


async def test_injected_client_is_not_closed(platform, make):
    async with httpx.AsyncClient() as shared:
        async with HttpCreditPlatform(platform.url, api_key=make.api_key, client=shared) as client:
            await client.lookup(make.uscc_a)
        assert not shared.is_closed


def test_retry_policy_backoff_grows_with_jitter_inside_bounds():
    policy = RetryPolicy(max_attempts=5, base_delay=0.2, max_delay=1.0, jitter=0.5)
    rng = random.Random(42)
    for attempt, ceiling in [(1, 0.2), (2, 0.4), (3, 0.8), (4, 1.0), (5, 1.0)]:
        d = policy.delay(attempt, rng)
        assert ceiling * 0.5 <= d <= ceiling
    full = RetryPolicy(jitter=1.0)
    assert all(0 <= full.delay(1, rng) <= 0.2 for _ in range(50))
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
