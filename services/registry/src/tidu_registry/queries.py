"""Reads of one enterprise's records (routes and use cases share them; nothing here writes).

History: an enterprise's record "as of" a date is replayed from its statements (``revisions``) by the
domain (``history.record_as_of``); the derived columns — pool stage, commissioner, size class — are
answered as they stood then too, from the pool moves, the assignments and the size classes recorded by
that date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_registry.access import EnterpriseScope
from tidu_registry.domain.districts import District, Districts, default_districts
from tidu_registry.domain.enterprise import masked_record, profile_from_record
from tidu_registry.domain.history import (
    Statement,
    cutoff,
    masked_statement,
    record_as_of,
    statements_until,
    years_as_of,
)
from tidu_registry.domain.pool import stage_on
from tidu_registry.domain.qualifications import Qualification
from tidu_registry.models import (
    Enterprise,
    commissioner_assignments,
    districts,
    indicators,
    pool_moves,
    qualifications,
    revisions,
    size_classes,
)
from tidu_registry.problems import enterprise_not_found
from tidu_registry.records import (
    pool_move_from_row,
    profile_from_row,
    qualification_from_row,
    statements_from_revisions,
)


async def known_districts(session: AsyncSession) -> Districts:
    """The shipped GB/T 2260 list extended by the districts operators added."""
    rows = (await session.execute(select(districts))).all()
    base = default_districts()
    if not rows:
        return base
    return base.extended(District(r.code, r.name, r.province, r.kind) for r in rows)


def scope_of(ent: Enterprise | Row[Any]) -> EnterpriseScope:
    return EnterpriseScope(ent.uscc, ent.district_code, ent.commissioner_id)


async def enterprise_or_404(session: AsyncSession, uscc: str) -> Enterprise:
    ent = await session.get(Enterprise, uscc)
    if ent is None:
        raise enterprise_not_found()
    return ent


_ENTERPRISES = Enterprise.__table__
_BY_USCC = select(_ENTERPRISES).where(_ENTERPRISES.c.uscc == bindparam("uscc"))


def enterprise_or_404_inline(conn: Connection, uscc: str) -> Row[Any]:
    """:func:`enterprise_or_404` on a synchronous connection (``Database.inline_read``): the row,
    whose attributes are the ORM object's (``enterprise_view`` and ``scope_of`` read either)."""
    row = conn.execute(_BY_USCC, {"uscc": uscc}).first()
    if row is None:
        raise enterprise_not_found()
    return row


def enterprise_view(ent: Enterprise | Row[Any]) -> dict[str, Any]:
    """The current record as a response shows it (sensitive values masked)."""
    return {
        **masked_record(profile_from_row(ent)),
        "size_class": ent.size_class,
        "size_class_year": ent.size_class_year,
        "pool_stage": ent.pool_stage,
        "commissioner_id": ent.commissioner_id,
        "created_at": ent.created_at,
        "updated_at": ent.updated_at,
        "version": ent.version,
        "as_of": None,
    }


async def _statements(session: AsyncSession, uscc: str, *, profile: bool) -> list[Statement]:
    year_cond = revisions.c.year.is_(None) if profile else revisions.c.year.is_not(None)
    rows = (
        await session.execute(select(revisions).where(revisions.c.uscc == uscc, year_cond).order_by(revisions.c.id))
    ).all()
    return statements_from_revisions(rows)


async def enterprise_as_of(session: AsyncSession, ent: Enterprise, as_of: dt.date) -> dict[str, Any]:
    """The record as it stood at the end of ``as_of`` (China time); 404 when it was not yet registered."""
    end = cutoff(as_of)
    rows = (
        await session.execute(
            select(revisions)
            .where(revisions.c.uscc == ent.uscc, revisions.c.year.is_(None), revisions.c.recorded_at < end)
            .order_by(revisions.c.id)
        )
    ).all()
    record = record_as_of(statements_from_revisions(rows), as_of)
    if record is None:
        raise enterprise_not_found()
    moves = (
        await session.execute(select(pool_moves).where(pool_moves.c.uscc == ent.uscc).order_by(pool_moves.c.id))
    ).all()
    stage = stage_on([pool_move_from_row(m) for m in moves if m.recorded_at < end], as_of)
    ca = commissioner_assignments.c
    assignment = (
        await session.execute(
            select(ca.commissioner_id)
            .where(ca.uscc == ent.uscc, ca.assigned_at < end, or_(ca.ended_at.is_(None), ca.ended_at >= end))
            .order_by(ca.id.desc())
            .limit(1)
        )
    ).first()
    sc = size_classes.c
    size = (
        await session.execute(
            select(sc.size_class, sc.data_year)
            .where(sc.uscc == ent.uscc, sc.recorded_at < end)
            .order_by(sc.data_year.desc())
            .limit(1)
        )
    ).first()
    return {
        **masked_record(profile_from_record(record)),
        "size_class": size.size_class if size else None,
        "size_class_year": size.data_year if size else None,
        "pool_stage": stage.value if stage else None,
        "commissioner_id": assignment.commissioner_id if assignment else None,
        "created_at": ent.created_at,
        "updated_at": rows[-1].recorded_at,
        "version": len(rows),
        "as_of": as_of,
    }


async def history(
    session: AsyncSession, uscc: str, *, year: int | None = None, profile_only: bool = False, field: str | None = None
) -> list[dict[str, Any]]:
    """Every statement (masked), oldest first; ``year`` narrows to one year's indicators,
    ``profile_only`` to the profile."""
    conds = [revisions.c.uscc == uscc]
    if year is not None:
        conds.append(revisions.c.year == year)
    elif profile_only:
        conds.append(revisions.c.year.is_(None))
    rows = (await session.execute(select(revisions).where(*conds).order_by(revisions.c.id))).all()
    out = []
    for s in statements_until(statements_from_revisions(rows), None):
        if field is not None and s.field != field:
            continue
        m = masked_statement(s)
        out.append(
            {
                "field": m.field,
                "old": m.old,
                "new": m.new,
                "who": m.who,
                "when": m.when,
                "source": m.source.value,
                "year": m.year,
            }
        )
    return out


async def indicator_rows(session: AsyncSession, uscc: str, year: int | None = None) -> Sequence[Row[Any]]:
    conds = [indicators.c.uscc == uscc]
    if year is not None:
        conds.append(indicators.c.year == year)
    return (await session.execute(select(indicators).where(*conds).order_by(indicators.c.year))).all()


async def indicators_as_of(session: AsyncSession, uscc: str, as_of: dt.date) -> dict[int, dict[str, Any]]:
    """Each year's figures as they stood at the end of ``as_of``."""
    return years_as_of(await _statements(session, uscc, profile=False), as_of)


async def qualification_rows(session: AsyncSession, uscc: str) -> Sequence[Row[Any]]:
    q = qualifications.c
    return (await session.execute(select(qualifications).where(q.uscc == uscc).order_by(q.granted_on, q.id))).all()


async def qualifications_of(session: AsyncSession, uscc: str) -> list[Qualification]:
    return [qualification_from_row(r) for r in await qualification_rows(session, uscc)]


async def pool_move_rows(session: AsyncSession, uscc: str) -> Sequence[Row[Any]]:
    return (await session.execute(select(pool_moves).where(pool_moves.c.uscc == uscc).order_by(pool_moves.c.id))).all()
