"""The deadline scheduler: a task in the app's lifespan that runs the deadline sweep every
``scheduler_interval_s`` — on one replica at a time.

Every replica runs the task; each tick it tries to take the ``deadline-sweep`` lease with one
atomic statement::

    UPDATE scheduler_leases SET holder = :me, expires_at = :now + lease
     WHERE name = 'deadline-sweep' AND (expires_at < :now OR holder = :me)

One row updated → this replica holds the lease (until it expires, renewed each tick) and sweeps;
zero → another replica holds it. A replica that dies stops renewing; another takes over once the
lease expires. The sweep is idempotent anyway (each reminder and escalation fires once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from tidu_finance_match.context import FinanceContext
from tidu_finance_match.models import SchedulerLease
from tidu_finance_match.use_cases.deadlines import SweepReport, sweep
from tidu_shared.db import Database
from tidu_shared.lease import Lease
from tidu_shared.outbox import utcnow

log = logging.getLogger(__name__)

LEASE_NAME = "deadline-sweep"


class DeadlineScheduler:
    def __init__(self, ctx: FinanceContext, db: Database) -> None:
        self.ctx = ctx
        self.db = db
        self.interval_s = ctx.settings.scheduler_interval_s
        self.lease = Lease(
            db,
            SchedulerLease.__table__,  # type: ignore[arg-type]
            LEASE_NAME,
            holder=ctx.holder_id,
            ttl_s=max(ctx.settings.scheduler_lease_s, 2 * ctx.settings.scheduler_interval_s),
        )
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self.sweeps = 0
        self.last: SweepReport | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="finance-deadline-scheduler")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        with contextlib.suppress(Exception):
            await self.lease.release()

    async def tick(self) -> SweepReport | None:
        now = utcnow()
        if not await self.lease.acquire():
            return None
        report = await sweep(self.ctx, self.db, now)
        self.sweeps += 1
        self.last = report
        if report.reminders or report.escalations or report.failures:
            log.info(
                "deadline sweep: %d reminders, %d escalations, %d financing failures",
                report.reminders,
                report.escalations,
                report.failures,
            )
        return report

    async def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.interval_s)
            if self._stop.is_set():
                return
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("deadline sweep failed: %s: %s", type(exc).__name__, exc)
