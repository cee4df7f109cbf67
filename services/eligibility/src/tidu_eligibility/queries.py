"""Read queries of the assessment API (no writes): an enterprise's latest assessments and history,
one assessment with its inputs, and the cultivation candidates (eligible, tier not held).

Cursors are opaque (URL-safe base64 of the last row's sort key)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Collection
from typing import Any

import orjson
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_eligibility.models import assessment_inputs, assessments, latest_assessments, profiles, qualifications
from tidu_eligibility.problems import bad_cursor

a = assessments.c
la = latest_assessments.c


def encode_cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(parts))).decode().rstrip("=")


def decode_cursor(cursor: str, n: int) -> list[str]:
    try:
        parts = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise bad_cursor() from None
    if not isinstance(parts, list) or len(parts) != n or not all(isinstance(p, str) for p in parts):
        raise bad_cursor()
    return parts


async def profile_district(s: AsyncSession, uscc: str) -> str | None:
    return await s.scalar(select(profiles.c.district_code).where(profiles.c.uscc == uscc))


async def latest_of(s: AsyncSession, uscc: str) -> list[Any]:
    return list((await s.execute(select(latest_assessments).where(la.uscc == uscc).order_by(la.ruleset_id))).all())


async def history_of(
    s: AsyncSession, uscc: str, ruleset_id: str | None, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """Newest first; ``ruleset_id`` narrows to one rule set."""
    query = select(assessments).where(a.uscc == uscc)
    if ruleset_id is not None:
        query = query.where(a.ruleset_id == ruleset_id)
    if cursor is not None:
        at_text, last_id = decode_cursor(cursor, 2)
        try:
            at = dt.datetime.fromisoformat(at_text)
        except ValueError:
            raise bad_cursor() from None
        query = query.where(or_(a.created_at < at, and_(a.created_at == at, a.id < last_id)))
    rows = list((await s.execute(query.order_by(a.created_at.desc(), a.id.desc()).limit(limit + 1))).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].created_at.isoformat(), rows[-1].id) if more else None


async def assessment_with_inputs(s: AsyncSession, uscc: str, assessment_id: str) -> tuple[Any, Any] | None:
    row = (await s.execute(select(assessments).where(a.id == assessment_id, a.uscc == uscc))).first()
    if row is None:
        return None
    body = None
    if row.inputs_hash is not None:
        body = await s.scalar(select(assessment_inputs.c.body).where(assessment_inputs.c.hash == row.inputs_hash))
    return row, orjson.loads(body) if body else None


def _holds(kinds: Collection[str], as_of: dt.date) -> Any:
    """A valid qualification of one of ``kinds`` on ``as_of`` (a revoked one up to the day before)."""
    q = qualifications.c
    return exists().where(
        q.uscc == la.uscc,
        q.kind.in_(sorted(kinds)),
        q.granted_on <= as_of,
        or_(q.expires_on.is_(None), q.expires_on >= as_of),
        or_(q.status != "revoked", and_(q.revoked_on.is_not(None), q.revoked_on > as_of)),
    )


async def candidates(
    s: AsyncSession,
    *,
    ruleset_id: str,
    district: str | None,
    held_kinds: Collection[str],
    as_of: dt.date,
    cursor: str | None,
    limit: int,
) -> tuple[list[Any], str | None]:
    """Enterprises whose latest assessment under ``ruleset_id`` is eligible and that hold none of
    ``held_kinds`` on ``as_of``, by USCC."""
    query = (
        select(
            la.uscc,
            profiles.c.name,
            la.district_code,
            profiles.c.industry_code,
            la.ruleset_id,
            la.ruleset_version,
            la.score,
            la.as_of,
            la.data_year,
            la.assessment_id,
            la.assessed_at,
        )
        .select_from(latest_assessments.outerjoin(profiles, profiles.c.uscc == la.uscc))
        .where(la.ruleset_id == ruleset_id, la.result == "eligible")
    )
    if district is not None:
        query = query.where(la.district_code == district)
    if held_kinds:
        query = query.where(~_holds(held_kinds, as_of))
    if cursor is not None:
        query = query.where(la.uscc > decode_cursor(cursor, 1)[0])
    rows = list((await s.execute(query.order_by(la.uscc).limit(limit + 1))).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].uscc) if more else None
