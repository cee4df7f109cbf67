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
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import or_, select, update

from tidu_registry.clock import today_cn, utcnow
from tidu_registry.models import job_leases
from tidu_shared.db import Database
from tidu_shared.errors import ProblemError

log = logging.getLogger(__name__)

QUALIFICATION_NOTICES = "qualification-notices"
L = job_leases.c


class Lease:
    """The lease of one job, held by this process (``holder``)."""

    def __init__(self, db: Database, name: str, *, ttl_s: float = 600.0, holder: str | None = None) -> None:
        self.db = db
        self.name = name
        self.ttl = dt.timedelta(seconds=ttl_s)
        self.holder = holder or uuid.uuid4().hex

    async def acquire(self) -> bool:
        now = utcnow()
        async with self.db.transaction() as s:
            result = await s.execute(
                update(job_leases)
                .where(L.name == self.name, or_(L.expires_at < now, L.holder == self.holder, L.holder.is_(None)))
                .values(holder=self.holder, expires_at=now + self.ttl)
            )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def release(self, *, ran_on: dt.date | None = None) -> None:
        values: dict[str, Any] = {"holder": None, "expires_at": utcnow()}
        if ran_on is not None:
            values["last_run_on"] = ran_on
        async with self.db.transaction() as s:
            await s.execute(update(job_leases).where(L.name == self.name, L.holder == self.holder).values(**values))

    async def last_run_on(self) -> dt.date | None:
        async with self.db.read() as s:
            return (await s.execute(select(L.last_run_on).where(L.name == self.name))).scalar_one_or_none()

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Run a block under the lease, or 409 when another run holds it."""
        if not await self.acquire():
            raise ProblemError(409, "job_running", "任务运行中", "该任务正在其他实例上运行，请稍后再试", "job running")
        try:
            yield
        finally:
            await self.release()


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
        await lease.release(ran_on=today if ran else None)
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
