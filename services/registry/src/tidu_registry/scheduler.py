"""The daily qualification job, safe with several replicas.

A lease row per job (``job_leases``) is taken with one atomic statement — ``UPDATE … SET holder = me,
expires_at = now + ttl WHERE name = job AND (expires_at < now OR holder = me OR holder IS NULL)`` —
so at most one replica runs the job at a time; the row also records the last day the job ran, so it
runs once a day however many replicas wake up. The notices themselves are idempotent (the domain's
dedup key), so a job run twice publishes nothing new. The endpoint that runs the job now takes the
same lease (409 while another run holds it).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from tidu_registry.clock import today_cn, utcnow
from tidu_registry.models import job_leases
from tidu_shared.db import Database
from tidu_shared.lease import Lease as SharedLease

log = logging.getLogger(__name__)

QUALIFICATION_NOTICES = "qualification-notices"
L = job_leases.c


class Lease(SharedLease):
    """The lease of one daily job; its row also records the last day the job ran."""

    def __init__(self, db: Database, name: str, *, ttl_s: float = 600.0, holder: str | None = None) -> None:
        super().__init__(db, job_leases, name, ttl_s=ttl_s, holder=holder, clock=utcnow)

    async def last_run_on(self) -> dt.date | None:
        async with self.db.read() as s:
            return (await s.execute(select(L.last_run_on).where(L.name == self.name))).scalar_one_or_none()


async def run_daily(lease: Lease, job: Callable[[dt.date], Awaitable[Any]], today: dt.date) -> bool:
    """Run ``job`` for ``today`` unless it already ran that day or another replica holds the lease.
    True when this call ran it."""
    if not await lease.acquire():
        return False
    ran = False
    try:
        if await lease.last_run_on() != today:
            await job(today)
            ran = True
    finally:
        await lease.release(**({"last_run_on": today} if ran else {}))
    return ran


class DailyScheduler:
    """Wakes every ``interval_s`` and runs the job once per China day (first check after ``delay_s``)."""

    def __init__(
        self, lease: Lease, job: Callable[[dt.date], Awaitable[Any]], *, interval_s: float, delay_s: float
    ) -> None:
        self.lease = lease
        self.job = job
        self.interval_s = interval_s
        self.delay_s = delay_s
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _loop(self) -> None:
        wait = self.delay_s
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), wait)
            if self._stop.is_set():
                return
            wait = self.interval_s
            try:
                if await run_daily(self.lease, self.job, today_cn()):
                    log.info("daily job %s ran", self.lease.name)
            except Exception as exc:  # the next tick retries; the database may be down
                log.warning("daily job %s failed: %s: %s", self.lease.name, type(exc).__name__, exc)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=f"daily-{self.lease.name}")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 10)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
