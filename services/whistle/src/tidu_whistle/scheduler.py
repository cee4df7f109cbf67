"""The SLA scheduler: an asyncio task in the app's lifespan, safe with several replicas.

Every ``scheduler_interval_s`` each replica tries to take the database lease ``sla-sweep``
(table ``scheduler_leases``, one row seeded by migration 0002) with one atomic statement::

    UPDATE scheduler_leases SET holder = :me, expires_at = :now + ttl
     WHERE name = 'sla-sweep' AND (expires_at < :now OR holder = :me)

(the same on SQLite and PostgreSQL). The replica whose UPDATE hit the row sweeps; the others
skip this round. The lease is renewed between batches; a replica that dies stops renewing and
another takes over once ``expires_at`` passes. Lease times are wall-clock (not the injectable
business clock). Even if two sweeps overlapped, ``fired_timers``' primary key and the issues'
version column keep every reminder, breach and escalation to once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from tidu_shared.db import Database
from tidu_shared.lease import Lease
from tidu_whistle.context import WhistleContext
from tidu_whistle.models import SchedulerLease
from tidu_whistle.use_cases.sweep import SweepReport, sweep

log = logging.getLogger(__name__)

LEASE_NAME = "sla-sweep"


def lease_for(db: Database, *, holder: str | None = None, ttl_s: float = 180.0) -> Lease:
    """The SLA sweep's lease (table ``scheduler_leases``)."""
    return Lease(db, SchedulerLease.__table__, LEASE_NAME, holder=holder, ttl_s=ttl_s)  # type: ignore[arg-type]


class SweepBusy(Exception):
    """Another replica holds the lease."""

    def __init__(self, holder: str | None) -> None:
        super().__init__(f"the SLA sweep lease is held by {holder}")
        self.holder = holder


class SlaScheduler:
    def __init__(self, db: Database, ctx: WhistleContext, *, holder: str | None = None) -> None:
        self.db = db
        self.ctx = ctx
        s = ctx.settings
        self.lease = lease_for(db, holder=holder, ttl_s=max(s.scheduler_lease_ttl_s, 2 * s.scheduler_interval_s))
        self.interval_s = s.scheduler_interval_s
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.sweeps = 0
        self.last_report: SweepReport | None = None

    async def run_once(self, *, now: datetime | None = None, full: bool = False) -> SweepReport:
        """Sweep now (``now``: the business instant, default the context's clock). Raises
        :class:`SweepBusy` when another replica holds the lease."""
        async with self._lock:
            if not await self.lease.acquire():
                raise SweepBusy(await self._holder())
            report = await sweep(self.db, self.ctx, now=now or self.ctx.now(), full=full, keep_alive=self.lease.acquire)
            self.sweeps += 1
            self.last_report = report
            return report

    async def _holder(self) -> str | None:
        return await self.lease.current_holder()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="whistle-sla-scheduler")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        with contextlib.suppress(Exception):
            await self.lease.release()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                report = await self.run_once()
                if report.reminders or report.breaches or report.auto_closed:
                    log.info(
                        "SLA sweep: %d examined, %d reminders, %d breaches, %d escalations, %d auto-closed",
                        report.examined,
                        report.reminders,
                        report.breaches,
                        report.escalations,
                        report.auto_closed,
                    )
            except SweepBusy:
                pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("SLA sweep failed: %s: %s", type(exc).__name__, exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval_s)
