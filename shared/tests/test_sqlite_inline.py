"""Short units of work on SQLite run their statements on the event loop's thread (``inline=True``);
everything else keeps crossing to aiosqlite's worker thread, so a long scan never holds the loop."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, text

from tidu_shared.db import Database

metadata = MetaData()
things = Table("things", metadata, Column("id", Integer, primary_key=True), Column("name", String(20)))


async def _db(tmp_path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return db


async def _thread_of_statement(session: object) -> int:
    """The thread that ran a statement: a SQL function answers from where SQLite calls it."""
    conn = await session.connection()  # type: ignore[attr-defined]
    raw = await conn.get_raw_connection()
    sqlite_conn = raw.driver_connection._conn  # the sqlite3 connection inside aiosqlite
    sqlite_conn.create_function("thread_id", 0, threading.get_ident)
    return int((await session.execute(text("SELECT thread_id()"))).scalar_one())  # type: ignore[attr-defined]


async def test_inline_units_run_on_the_loop_thread_and_others_on_the_worker(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    loop_thread = threading.get_ident()
    try:
        async with db.transaction(inline=True) as s:
            assert await _thread_of_statement(s) == loop_thread
        async with db.read(inline=True) as s:
            assert await _thread_of_statement(s) == loop_thread
        async with db.transaction() as s:
            assert await _thread_of_statement(s) != loop_thread
        async with db.read() as s:
            assert await _thread_of_statement(s) != loop_thread
    finally:
        await db.dispose()


async def test_an_inline_transaction_commits_rolls_back_and_wakes_like_any_other(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    try:
        async with db.transaction(inline=True) as s:
            await s.execute(things.insert().values(id=1, name="一"))
        with pytest.raises(RuntimeError):
            async with db.transaction(inline=True) as s:
                await s.execute(things.insert().values(id=2, name="二"))
                raise RuntimeError("the use case fails")
        with pytest.raises(Exception, match="UNIQUE"):
            async with db.transaction(inline=True) as s:
                await s.execute(things.insert().values(id=1, name="重复"))
        async with db.read() as s:  # the worker thread's connection sees what the loop thread committed
            assert (await s.execute(select(func.count()).select_from(things))).scalar_one() == 1
            assert (await s.execute(select(things.c.name))).scalar_one() == "一"
        # after a unit the context is back to normal: the next plain read is not inline
        async with db.read() as s:
            assert await _thread_of_statement(s) != threading.get_ident()
    finally:
        await db.dispose()
