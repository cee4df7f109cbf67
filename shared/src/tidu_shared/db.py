"""Async SQLAlchemy per service, and the one layer that commits.

A service builds one :class:`Database` in its composition root (the app's lifespan or a
worker's ``bootstrap``). Use cases open ``async with db.transaction() as session:``; routes,
queries and consumers never commit. When a transaction that wrote outbox rows commits, the
relay is woken at once (see :mod:`tidu_shared.outbox`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from operator import itemgetter
from pathlib import Path
from typing import Any

import aiosqlite
import orjson
from sqlalchemy import Connection, DateTime, Engine, MetaData, Table, TypeDecorator, event, text
from sqlalchemy import create_engine as create_sync_engine
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


def json_dumps(value: Any) -> str:
    """The engines' JSON serialiser (``JSON`` columns): orjson, several times faster than ``json``."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


#: Set while a short unit of work runs with its SQLite statements on the event loop's thread
#: (:meth:`Database.transaction` / :meth:`Database.read` with ``inline=True``).
_INLINE: ContextVar[bool] = ContextVar("tidu_sqlite_inline", default=False)


class _SQLiteConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the caller's thread while :data:`_INLINE` is set.

    aiosqlite sends every call (cursor, execute, fetch, close, commit) to the connection's worker
    thread and back; a small use case makes some 40 such round trips, each waiting for the
    scheduler — on a busy two-core machine that, not SQLite, is most of a request's time. A statement
    of a short use case takes microseconds in SQLite itself. Outside inline units (imports, batch
    runs, scans) calls still go to the thread, so a long statement never holds the event loop."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if _INLINE.get() and self._running and self._connection is not None:
            return fn(*args, **kwargs)
        return await super()._execute(fn, *args, **kwargs)


def _sqlite_creator(path: str) -> Callable[[], Any]:
    async def connect() -> aiosqlite.Connection:
        conn = _SQLiteConnection(lambda: sqlite3.connect(path, check_same_thread=False), 64)
        conn._thread.daemon = True
        conn._thread.start()
        return await conn._connect()

    return connect


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    ensure_sqlite_dir(url)
    kwargs.setdefault("json_serializer", json_dumps)
    kwargs.setdefault("json_deserializer", orjson.loads)
    if is_sqlite(url):
        # A small pool: opening an aiosqlite connection starts a thread, far too slow per use case.
        kwargs.setdefault("pool_size", 5)
        kwargs.setdefault("max_overflow", 5)
        u = make_url(url)
        if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
            kwargs.setdefault("async_creator", _sqlite_creator(u.database))
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


INLINE_BUSY_TIMEOUT_MS = 100  # an inline read waits at most this long for a lock, then the caller falls back


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
        self._inline_engine: Engine | None = None

    @property
    def is_sqlite(self) -> bool:
        return self._write_lock is not None

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every committed transaction that wrote outbox rows."""
        self._after_commit.append(callback)

    @asynccontextmanager
    async def transaction(self, *, inline: bool = False) -> AsyncIterator[AsyncSession]:
        """One use case, one transaction: commits on success, rolls back on any error.

        ``inline=True`` (a short use case: a few statements by key): on SQLite its statements run on
        the event loop's thread instead of crossing to aiosqlite's worker thread and back for each
        call (see :class:`_SQLiteConnection`). Our own writers are serialised by the write lock, WAL
        readers never wait, so such a transaction only waits for SQLite when another process writes."""
        if self._write_lock is not None:
            async with self._write_lock:
                token = _INLINE.set(True) if inline else None
                try:
                    async with self._session_tx() as session:
                        yield session
                finally:
                    if token is not None:
                        _INLINE.reset(token)
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
                    await insert_rows(session, self.outbox, pending)
            wrote_outbox = bool(session.info.pop("outbox_rows", 0))
        if wrote_outbox:
            for cb in self._after_commit:
                cb()

    @asynccontextmanager
    async def read(self, *, inline: bool = False) -> AsyncIterator[AsyncSession]:
        """A read-only session (never commits). ``inline=True``: a short read (by key, a small
        page) whose SQLite statements run on the event loop's thread, as in :meth:`transaction`."""
        token = _INLINE.set(True) if inline and self.is_sqlite else None
        try:
            async with self.sessions() as session:
                yield session
        finally:
            if token is not None:
                _INLINE.reset(token)

    @contextmanager
    def inline_read(self) -> Iterator[Connection | None]:
        """SQLite: a synchronous read-only connection (Core) that runs on the caller's thread (the event loop),
        for short reads by key; ``None`` elsewhere (PostgreSQL, in-memory SQLite): use :meth:`read`.

        Every aiosqlite statement crosses to the connection's worker thread and back (cursor,
        execute, fetch, close, the pool's rollback: about six hops for one lookup by primary key),
        and on a busy two-core machine each hop waits for the scheduler; a lookup by key in SQLite
        itself takes tens of microseconds, far less than one hop. WAL readers never wait for the
        writer; a lock held for a checkpoint or recovery makes the read raise
        ``sqlalchemy.exc.OperationalError`` after :data:`INLINE_BUSY_TIMEOUT_MS` — callers then take
        the :meth:`read` path. The connections are ``query_only``: nothing can be written here."""
        engine = self._inline()
        if engine is None:
            yield None
            return
        with engine.connect() as conn:
            yield conn

    def _inline(self) -> Engine | None:
        if self._inline_engine is not None or not self.is_sqlite:
            return self._inline_engine
        u = make_url(self.url)
        if not u.database or u.database == ":memory:" or u.database.startswith("file:"):
            return None
        engine = create_sync_engine(
            u.set(drivername="sqlite"),
            pool_size=4,
            max_overflow=4,
            connect_args={"check_same_thread": False},  # the pool hands a connection to one user at a time
            json_serializer=json_dumps,
            json_deserializer=orjson.loads,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _rec: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout={INLINE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA query_only=ON")
            cur.close()

        self._inline_engine = engine
        return engine

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._inline_engine is not None:
            self._inline_engine.dispose()
            self._inline_engine = None


_PLACEHOLDERS: dict[str, Callable[[int], str]] = {
    "qmark": lambda _: "?",
    "numeric_dollar": lambda i: f"${i}",
    "format": lambda _: "%s",
}
_MISSING = object()


def _memo(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``process`` remembering its last argument (a batch's rows share timestamps and statuses)."""
    last: list[Any] = [_MISSING, None]

    def run(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]

    return run


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in this session's transaction with
    one driver-level ``executemany``: each value converted by its column's own bind processor (so it
    is stored exactly as SQLAlchemy stores it), a repeated value converted once. SQLAlchemy's
    per-row parameter handling costs more than the insert itself for large batches (the outbox of a
    bulk import, the import's own tables). Any other paramstyle falls back to a Core insert."""
    if not rows:
        return
    conn = await session.connection()
    dialect = conn.dialect
    placeholder = _PLACEHOLDERS.get(dialect.paramstyle)
    if placeholder is None:
        await session.execute(table.insert(), list(rows))
        return
    names = list(rows[0])
    processors: list[tuple[int, Callable[[Any], Any]]] = []
    for i, name in enumerate(names):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((i, _memo(process)))
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join(placeholder(i) for i in range(1, len(names) + 1))})"
    )
    values = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    if processors:
        params: list[Any] = []
        for row in rows:
            line = list(values(row))
            for i, process in processors:
                line[i] = process(line[i])
            params.append(tuple(line))
    else:
        params = [values(row) for row in rows]
    await conn.exec_driver_sql(sql, params)


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
