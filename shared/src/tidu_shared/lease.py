"""A named database lease, so that one replica at a time runs a scheduled job.

Each service keeps one row per job in a table of its own (``name`` primary key, ``holder``,
``expires_at``, plus whatever else it records, e.g. the day a daily job last ran). Taking the lease
is one atomic statement, the same on SQLite and PostgreSQL::

    UPDATE <leases> SET holder = :me, expires_at = :now + ttl
     WHERE name = :job AND (expires_at < :now OR holder = :me OR holder IS NULL)

One row updated → this replica holds the lease until ``expires_at`` (renewed by acquiring again);
zero → another replica holds it. A replica that dies stops renewing and another takes over once
the lease has expired. A missing row (a database not built by the migrations) is created.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from tidu_shared.db import Database
from tidu_shared.errors import ProblemError

# What a released lease expires at: long past, so that anyone may take it at once.
RELEASED = datetime(2000, 1, 1, tzinfo=UTC)


def wall_clock() -> datetime:
    return datetime.now(UTC)


def default_holder() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"  # fits String(64)


class Lease:
    """The lease ``name`` in ``table``, held by this process as ``holder``. Lease times are wall-clock
    (``clock``), never a service's injectable business clock."""

    def __init__(
        self,
        db: Database,
        table: Table,
        name: str,
        *,
        ttl_s: float = 180.0,
        holder: str | None = None,
        clock: Callable[[], datetime] = wall_clock,
    ) -> None:
        self.db = db
        self.table = table
        self.name = name
        self.ttl = timedelta(seconds=ttl_s)
        self.holder = holder or default_holder()
        self.clock = clock

    async def acquire(self, now: datetime | None = None) -> bool:
        """Take or renew the lease. True when this holder has it now."""
        now = now or self.clock()
        c = self.table.c
        async with self.db.transaction() as s:
            result = await s.execute(
                update(self.table)
                .where(c.name == self.name, or_(c.expires_at < now, c.holder == self.holder, c.holder.is_(None)))
                .values(holder=self.holder, expires_at=now + self.ttl)
            )
            if getattr(result, "rowcount", 0) == 1:
                return True
        try:
            async with self.db.transaction() as s:
                if (await s.execute(select(c.name).where(c.name == self.name))).first() is not None:
                    return False
                await s.execute(
                    insert(self.table).values(name=self.name, holder=self.holder, expires_at=now + self.ttl)
                )
            return True
        except IntegrityError:  # another replica created it first
            return False

    async def release(self, **record: Any) -> None:
        """Give the lease up (if this holder has it), recording ``record`` in the row."""
        c = self.table.c
        async with self.db.transaction() as s:
            await s.execute(
                update(self.table)
                .where(c.name == self.name, c.holder == self.holder)
                .values(expires_at=RELEASED, **record)
            )

    async def current_holder(self) -> str | None:
        """Who holds the lease now (None when nobody does)."""
        c = self.table.c
        async with self.db.read() as s:
            row = (await s.execute(select(c.holder, c.expires_at).where(c.name == self.name))).first()
        if row is None or row.expires_at < self.clock():
            return None
        return str(row.holder) if row.holder is not None else None

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Run a block under the lease, or answer 409 when another run holds it."""
        if not await self.acquire():
            raise ProblemError(409, "job_running", "任务运行中", "该任务正在其他实例上运行，请稍后再试", "job running")
        try:
            yield
        finally:
            await self.release()
