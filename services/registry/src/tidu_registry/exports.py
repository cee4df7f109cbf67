"""Exports of enterprises and yearly indicators in the import's own columns (CSV or XLSX), for what
the caller may see (the search's scope and filters). Sensitive values are exported masked; a masked
value imported back means "keep the stored value"."""

from __future__ import annotations

import asyncio
from typing import Literal

from sqlalchemy import select

from tidu_registry.domain.import_rows import export_enterprises, export_indicators
from tidu_registry.models import enterprises, indicators
from tidu_registry.records import indicators_from_row, profile_from_row
from tidu_registry.search import SearchFilters, conditions
from tidu_shared.db import Database

Format = Literal["csv", "xlsx"]
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def enterprises_file(db: Database, filters: SearchFilters, fmt: Format) -> bytes:
    async with db.read() as s:
        conds = conditions(filters, dialect=db.engine.dialect.name)
        rows = (await s.execute(select(enterprises).where(*conds).order_by(enterprises.c.uscc))).all()
    profiles = [profile_from_row(r) for r in rows]
    return await asyncio.to_thread(export_enterprises, profiles, fmt)


async def indicators_file(db: Database, filters: SearchFilters, fmt: Format, year: int | None = None) -> bytes:
    async with db.read() as s:
        conds = conditions(filters, dialect=db.engine.dialect.name)
        if year is not None:
            conds.append(indicators.c.year == year)
        stmt = (
            select(indicators)
            .join(enterprises, enterprises.c.uscc == indicators.c.uscc)
            .where(*conds)
            .order_by(indicators.c.uscc, indicators.c.year)
        )
        rows = (await s.execute(stmt)).all()
    pairs = [(r.uscc, indicators_from_row(r)) for r in rows]
    return await asyncio.to_thread(export_indicators, pairs, fmt)
