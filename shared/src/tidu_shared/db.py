"""Async SQLAlchemy per service, and the one layer that commits.

A service builds one :class:`Database` in its composition root (the app's lifespan or a
worker's ``bootstrap``). Use cases open ``async with db.transaction() as session:``; routes,
queries and consumers never commit. When a transaction that wrote outbox rows commits, the
relay is woken at once (see :mod:`tidu_shared.outbox`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, Table, TypeDecorator, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_dir(url: str) -> None:
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    ensure_sqlite_dir(url)
    if is_sqlite(url):
        # A small pool: opening an aiosqlite connection starts a thread, far too slow per use case.
        kwargs.setdefault("pool_size", 5)
        kwargs.setdefault("max_overflow", 5)
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _rec: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_timeout", 5)
    kwargs.setdefault("connect_args", {"timeout": 5})
    return create_async_engine(url, **kwargs)


class Database:
    """Engine + session factory + the transaction boundary of a service."""

    def __init__(self, url: str, *, outbox: Table | None = None, **engine_kwargs: Any) -> None:
        self.url = url
        self.outbox = outbox
        self.engine = create_engine(url, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        self._after_commit: list[Callable[[], None]] = []
        # SQLite has one writer: serialise our own write transactions instead of spinning on
        # SQLITE_BUSY. PostgreSQL needs no such lock.
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if is_sqlite(url) else None

    @property
    def is_sqlite(self) -> bool:
        return self._write_lock is not None

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every committed transaction that wrote outbox rows."""
        self._after_commit.append(callback)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One use case, one transaction: commits on success, rolls back on any error."""
        if self._write_lock is not None:
            async with self._write_lock, self._session_tx() as session:
                yield session
        else:
            async with self._session_tx() as session:
                yield session

    @asynccontextmanager
    async def _session_tx(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            async with session.begin():
                yield session
                pending = session.info.pop("outbox_pending", None)
                if pending:
                    if self.outbox is None:
                        raise RuntimeError("events emitted on a Database built without an outbox table")
                    await session.execute(self.outbox.insert(), pending)
            wrote_outbox = bool(session.info.pop("outbox_rows", 0))
        if wrote_outbox:
            for cb in self._after_commit:
                cb()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only session (never commits)."""
        async with self.sessions() as session:
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores no offset: values are
    written in UTC and read back as aware datetimes)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
