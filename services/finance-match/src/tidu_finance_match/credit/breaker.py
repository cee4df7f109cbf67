"""A circuit breaker with an injectable clock.

closed ──(``failure_threshold`` consecutive failures)──► open
open ──(``cooldown_seconds`` elapsed, on the next call)──► half_open: one trial call is let through
half_open ──trial succeeds──► closed;  ──trial fails──► open (cool-down starts again)

While open (or while a half-open trial is in flight) :meth:`before_call`
raises :class:`~.errors.CircuitOpen` and no request is made. The breaker counts
*attempts* (each HTTP request of a retried look-up), so an outage opens it
within one or two look-ups and the remaining retries stop at once.
Not thread-safe; meant for one event loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

from tidu_finance_match.credit.errors import CircuitOpen


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        cooldown_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        name: str = "credit-platform",
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if cooldown_seconds < 0:
            raise ValueError("cooldown_seconds must be ≥ 0")
        self.failure_threshold = failure_threshold
        self.cooldown_seconds = cooldown_seconds
        self.name = name
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_in_flight = False

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self._clock() - self._opened_at >= self.cooldown_seconds:
            return BreakerState.HALF_OPEN
        return self._state

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def before_call(self) -> None:
        """Raise :class:`CircuitOpen` unless a call may go ahead now."""
        state = self.state
        if state is BreakerState.CLOSED:
            return
        if state is BreakerState.HALF_OPEN and not self._trial_in_flight:
            self._state = BreakerState.HALF_OPEN
            self._trial_in_flight = True
            return
        retry_in = max(0.0, self.cooldown_seconds - (self._clock() - self._opened_at))
        raise CircuitOpen(
            f"{self.name} circuit is open after {self._failures} consecutive failures; retry in {retry_in:.1f}s",
            retry_in_seconds=retry_in,
        )

    def record_success(self) -> None:
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._trial_in_flight = False

    def record_failure(self) -> None:
        self._failures += 1
        if self._trial_in_flight or self._failures >= self.failure_threshold:
            self._state = BreakerState.OPEN
            self._opened_at = self._clock()
        self._trial_in_flight = False

    def release(self) -> None:
        """A call ended without a verdict (cancelled): let the next call be the trial."""
        self._trial_in_flight = False
