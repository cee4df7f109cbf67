"""What the use cases of one process share: settings, the in-memory catalogue, the institutions'
decision-speed record, ranking weights, the working-day calendar and the credit client.

Built by the composition root (``app.create_app``: plain objects, no I/O) and completed in the
lifespan (the credit client needs the database for consent checks and the audit). The consumers'
handlers get it by closure (``consumers.subscriptions(ctx)``).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_finance_match.catalogue_store import CatalogueCache
from tidu_finance_match.credit.guard import GuardedCreditClient
from tidu_finance_match.domain.deadlines import DEFAULT_CALENDAR, WorkingCalendar
from tidu_finance_match.domain.decision_stats import percentile
from tidu_finance_match.domain.matching import DEFAULT_WEIGHTS, RankingWeights
from tidu_finance_match.models import CaseRow
from tidu_finance_match.settings import Settings
from tidu_shared.outbox import utcnow

DECISION_SPEED_WINDOW = timedelta(days=365)


class DecisionSpeedCache:
    """p50 decision time per institution over the last year, recomputed at most every ``ttl_s``."""

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._value: dict[str, timedelta] | None = None
        self._at = 0.0

    async def get(self, session: AsyncSession) -> dict[str, timedelta]:
        now = self._clock()
        if self._value is not None and now - self._at < self.ttl_s:
            return self._value
        since = utcnow() - DECISION_SPEED_WINDOW
        rows = (
            await session.execute(
                select(CaseRow.institution_code, CaseRow.pushed_at, CaseRow.decided_at).where(
                    CaseRow.decided_at.is_not(None), CaseRow.pushed_at >= since
                )
            )
        ).all()
        samples: dict[str, list[float]] = {}
        for inst, pushed, decided in rows:
            samples.setdefault(inst, []).append((decided - pushed).total_seconds())
        value = {k: timedelta(seconds=percentile(sorted(v), 0.5)) for k, v in samples.items()}
        self._value, self._at = value, now
        return value

    def invalidate(self) -> None:
        self._value = None


def _holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class FinanceContext:
    settings: Settings
    catalogue: CatalogueCache = field(default_factory=CatalogueCache)
    speed: DecisionSpeedCache = field(default_factory=lambda: DecisionSpeedCache(300.0))
    weights: RankingWeights = DEFAULT_WEIGHTS
    calendar: WorkingCalendar = DEFAULT_CALENDAR
    credit: GuardedCreditClient | None = None
    holder_id: str = field(default_factory=_holder_id)
    clock: Callable[[], datetime] = utcnow

    @classmethod
    def build(cls, settings: Settings) -> FinanceContext:
        return cls(
            settings=settings,
            catalogue=CatalogueCache(freeze=settings.gc_freeze_catalogue),
            speed=DecisionSpeedCache(settings.decision_speed_ttl_s),
        )

    def credit_client(self) -> GuardedCreditClient:
        if self.credit is None:
            raise RuntimeError("the credit client is built in the app's lifespan")
        return self.credit
