"""Batched inserts for the import: the rows converted by each column's own bind processor (so values
are stored exactly as SQLAlchemy stores them), repeated values converted once, and one driver-level
``executemany``. SQLAlchemy's per-row parameter handling is the import's largest cost after the
domain's validation; this skips it. Any paramstyle other than the two in use here falls back to a
Core insert."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

_PLACEHOLDERS: dict[str, Callable[[int], str]] = {
    "qmark": lambda _: "?",
    "numeric_dollar": lambda i: f"${i}",
    "format": lambda _: "%s",
}

_MISSING = object()


def _memo(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``process`` remembering its last argument (a batch's rows share timestamps and sources)."""
    last: list[Any] = [_MISSING, None]

    def run(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]

    return run


async def insert_many(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in this session's transaction."""
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
    params: list[Any] = []
    for row in rows:
        line = list(values(row))
        for i, process in processors:
            line[i] = process(line[i])
        params.append(tuple(line))
    await conn.exec_driver_sql(sql, params)
