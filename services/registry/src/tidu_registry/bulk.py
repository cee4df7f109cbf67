"""Batched inserts for the import: one driver-level ``executemany`` per table, each value converted
by its column's own bind processor (see ``tidu_shared.db.insert_rows``, which also writes the outbox).
SQLAlchemy's per-row parameter handling is the import's largest cost after the domain's validation;
this skips it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_shared.db import insert_rows


async def insert_many(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in this session's transaction."""
    await insert_rows(session, table, rows)
