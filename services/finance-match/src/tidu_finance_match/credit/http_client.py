"""``HttpCreditPlatform``: the credit-platform protocol (see :mod:`.models`) over httpx.

Behaviour of one :meth:`HttpCreditPlatform.lookup`:

- Each attempt is one GET with a per-request timeout (connect, read, write and
  pool all bounded by ``timeout_seconds``).
- Retried (up to ``RetryPolicy.max_attempts`` attempts in all): timeouts,
  connection errors, 5xx and 429 answers. Between attempts it sleeps an
  exponential back-off with jitter: ``d = min(max_delay, base_delay · 2^(n−1))``,
  then a random delay in ``[d·(1−jitter), d]`` ("equal jitter" at 0.5, "full
  jitter" at 1.0), so that many clients do not retry in step.
- Not retried: 404 (:class:`CreditReportNotFound`), other 4xx
  (:class:`CreditPlatformRejected`), and malformed 200s
  (:class:`MalformedCreditResponse`: a platform that answers nonsense will
  answer it again).
- A :class:`~.breaker.CircuitBreaker`, if given, is consulted before every
  attempt; timeouts, connection errors, 5xx/429 and malformed answers count as
  failures, any other answer (200, 404, 4xx) as a success.
- After the last attempt: :class:`CreditPlatformTimeout` if it timed out,
  else :class:`CreditPlatformUnavailable`.

Credentials: an API key sent as ``X-Api-Key`` (header name configurable), or
HTTP basic auth. Neither appears in ``repr`` or in error messages.

The ``httpx.AsyncClient`` is created on first use (or injected) and closed by
:meth:`aclose` / ``async with``; build the platform in the app's lifespan.
``sleep`` and ``rng`` are injectable for tests.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from tidu_finance_match.credit.breaker import CircuitBreaker
from tidu_finance_match.credit.errors import (
    CreditPlatformRejected,
    CreditPlatformTimeout,
    CreditPlatformUnavailable,
    CreditReportNotFound,
    InvalidUscc,
    MalformedCreditResponse,
)
from tidu_finance_match.credit.models import CreditReport, parse_credit_report
from tidu_finance_match.credit.uscc import is_valid_uscc, normalize_uscc

REPORT_PATH = "/v1/credit-reports/{uscc}"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 2.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be ≥ 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("delays must be ≥ 0")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be within [0, 1]")

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Sleep after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return ceiling * (1 - self.jitter) + rng.uniform(0, ceiling * self.jitter)


class _Retryable(Exception):
    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


class HttpCreditPlatform:
    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        api_key_header: str = "X-Api-Key",
        basic_auth: tuple[str, str] | None = None,
        timeout_seconds: float = 2.0,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: random.Random | None = None,
        source: str = "http",
    ) -> None:
        if api_key is not None and basic_auth is not None:
            raise ValueError("configure either an API key or basic auth, not both")
        if timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be > 0")
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._api_key_header = api_key_header
        self._basic_auth = basic_auth
        self.timeout_seconds = timeout_seconds
        self.retry = retry or RetryPolicy()
        self.breaker = breaker
        self._client = client
        self._owns_client = client is None
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.source = source
        self.attempts_made = 0
        """Attempts (HTTP requests) made by the latest look-up: for metrics and tests."""

    def __repr__(self) -> str:
        auth = "api-key" if self._api_key else "basic" if self._basic_auth else "none"
        return f"HttpCreditPlatform(base_url={self.base_url!r}, auth={auth})"

    async def __aenter__(self) -> HttpCreditPlatform:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(follow_redirects=False)
        return self._client

    def _request_kwargs(self) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        if self._api_key is not None:
            headers[self._api_key_header] = self._api_key
        kwargs: dict[str, Any] = {"headers": headers, "timeout": httpx.Timeout(self.timeout_seconds)}
        if self._basic_auth is not None:
            kwargs["auth"] = httpx.BasicAuth(*self._basic_auth)
        return kwargs

    async def lookup(self, uscc: str) -> CreditReport:
        code = normalize_uscc(uscc)
        if not is_valid_uscc(code):
            raise InvalidUscc(f"{uscc!r} is not a valid USCC", uscc=uscc)
        url = self.base_url + REPORT_PATH.format(uscc=quote(code, safe=""))
        kwargs = self._request_kwargs()
        self.attempts_made = 0
        last: _Retryable | None = None
        for attempt in range(1, self.retry.max_attempts + 1):
            if self.breaker is not None:
                self.breaker.before_call()
            self.attempts_made = attempt
            try:
                report = await self._attempt(url, code, kwargs)
            except _Retryable as exc:
                last = exc
                if self.breaker is not None:
                    self.breaker.record_failure()
                if attempt < self.retry.max_attempts:
                    await self._sleep(self.retry.delay(attempt, self._rng))
                continue
            except MalformedCreditResponse:
                if self.breaker is not None:
                    self.breaker.record_failure()
                raise
            except (CreditReportNotFound, CreditPlatformRejected):
                if self.breaker is not None:
                    self.breaker.record_success()
                raise
            except BaseException:
                if self.breaker is not None:
                    self.breaker.release()
                raise
            if self.breaker is not None:
                self.breaker.record_success()
            return report
        assert last is not None
        attempts = self.retry.max_attempts
        if last.kind == "timeout":
            raise CreditPlatformTimeout(
                f"no answer within {self.timeout_seconds}s after {attempts} attempt(s)", attempts=attempts
            )
        raise CreditPlatformUnavailable(
            f"platform unavailable after {attempts} attempt(s): {last.detail}", attempts=attempts
        )

    async def _attempt(self, url: str, uscc: str, kwargs: dict[str, Any]) -> CreditReport:
        try:
            response = await self._http().get(url, **kwargs)
        except httpx.TimeoutException as exc:
            raise _Retryable("timeout", type(exc).__name__) from exc
        except httpx.TransportError as exc:
            raise _Retryable("connection", type(exc).__name__) from exc
        status = response.status_code
        if status == 200:
            try:
                payload = response.json()
            except ValueError as exc:
                raise MalformedCreditResponse("<body>: not JSON", field="<body>") from exc
            return parse_credit_report(payload, expected_uscc=uscc, source=self.source)
        if status == 404:
            raise CreditReportNotFound(f"platform does not know {uscc}", uscc=uscc)
        if status >= 500 or status == 429:
            raise _Retryable("status", f"HTTP {status}")
        if 400 <= status < 500:
            raise CreditPlatformRejected(f"platform refused the request: HTTP {status}", status=status)
        raise MalformedCreditResponse(f"<status>: unexpected HTTP {status}", field="<status>", status=status)
