"""Queries that assemble what the matcher reads: the projections → domain ``EnterpriseSnapshot``.

For one enterprise or many at once (re-matching every open demand loads each projection table in
one query, filtered by a subquery, never one query per enterprise).

- ``indicators``: the latest data year on record.
- Qualifications: as the registry recorded them; an ``expired`` event without an expiry date ends
  the qualification the day before the event; ``revoked`` ends it on ``revoked_on``.
- Credit: the stored grade of the latest consented look-up, used only while a ``credit_lookup``
  consent of the enterprise is in force and the grade is at most ``credit_grade_max_age_days``
  old; otherwise the ``min_credit_grade`` gate is *unknown* (needs_data), never passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_finance_match.domain.enterprise import (
    AssessmentResult,
    AssessmentSummary,
    CreditStanding,
    EnterpriseSnapshot,
    Qualification,
    YearlyIndicators,
)
from tidu_finance_match.domain.tier import ladder_tier
from tidu_finance_match.models import (
    ConsentRow,
    CreditStandingRow,
    EnterpriseAssessment,
    EnterpriseIndicators,
    EnterpriseProfile,
    EnterpriseQualification,
)

UsccFilter = Sequence[str] | Select[Any]

_INT_FIELDS = (
    "employees",
    "rd_staff",
    "ip_class_i",
    "ip_class_i_self_developed",
    "ip_class_i_high_value",
    "ip_class_ii",
)
_DECIMAL_FIELDS = (
    "operating_revenue",
    "main_business_revenue",
    "net_profit",
    "total_assets",
    "total_liabilities",
    "rd_expense",
)


def _int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def _dec(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def indicators_of(year: int, values: dict[str, Any]) -> YearlyIndicators:
    kw: dict[str, Any] = {"year": year}
    for name in _INT_FIELDS:
        kw[name] = _int(values.get(name))
    for name in _DECIMAL_FIELDS:
        kw[name] = _dec(values.get(name))
    return YearlyIndicators(**kw)


def qualification_of(row: Any) -> Qualification:
    """From an ``enterprise_qualifications`` row (ORM object or plain row)."""
    return Qualification(
        kind=row.kind,
        granted_on=row.granted_on,
        expires_on=row.expires_on,
        level=row.level,
        document_no=row.document_no,
        revoked_on=row.revoked_on,
    )


def assessment_of(row: Any) -> AssessmentSummary:
    try:
        result = AssessmentResult(row.result)
    except ValueError:
        result = AssessmentResult.UNDETERMINED
    return AssessmentSummary(
        rule_set_id=row.ruleset_id,
        result=result,
        assessed_at=row.assessed_at,
        rule_set_version=row.ruleset_version,
        size_class=row.size_class,
        data_year=row.data_year,
        tier=row.tier,
    )


async def _rows(session: AsyncSession, model: Any, usccs: UsccFilter) -> Sequence[Any]:
    """Plain rows (no ORM identity map: re-matching loads tens of thousands of them)."""
    table = model.__table__
    return (await session.execute(select(table).where(table.c.uscc.in_(usccs)))).all()


async def load_snapshots(
    session: AsyncSession, usccs: UsccFilter, *, now: datetime, as_of: date, grade_max_age_days: int
) -> dict[str, EnterpriseSnapshot]:
    """Snapshots of the enterprises named (a list, or a subquery selecting USCCs) that are in the
    profile projection."""
    if isinstance(usccs, Sequence) and not usccs:
        return {}
    await session.flush()  # plain selects do not autoflush: see this transaction's own changes
    profiles = await _rows(session, EnterpriseProfile, usccs)
    if not profiles:
        return {}
    latest: dict[str, Any] = {}
    for row in await _rows(session, EnterpriseIndicators, usccs):
        prev = latest.get(row.uscc)
        if prev is None or row.year > prev.year:
            latest[row.uscc] = row
    quals: dict[str, list[Qualification]] = {}
    for q in await _rows(session, EnterpriseQualification, usccs):
        quals.setdefault(q.uscc, []).append(qualification_of(q))
    assessments: dict[str, list[AssessmentSummary]] = {}
    for a in await _rows(session, EnterpriseAssessment, usccs):
        assessments.setdefault(a.uscc, []).append(assessment_of(a))
    credit = await _usable_credit(session, usccs, now=now, max_age_days=grade_max_age_days)
    out: dict[str, EnterpriseSnapshot] = {}
    for p in profiles:
        ind = latest.get(p.uscc)
        q = tuple(quals.get(p.uscc, ()))
        out[p.uscc] = EnterpriseSnapshot(
            uscc=p.uscc,
            name=p.name,
            district_code=p.district_code,
            industry_code=p.industry_code,
            established_on=p.established_on,
            indicators=indicators_of(ind.year, ind.values) if ind is not None else None,
            qualifications=q,
            assessments=tuple(assessments.get(p.uscc, ())),
            credit=credit.get(p.uscc),
            tier=ladder_tier(q, as_of),
        )
    return out


async def _usable_credit(
    session: AsyncSession, usccs: UsccFilter, *, now: datetime, max_age_days: int
) -> dict[str, CreditStanding]:
    consents = ConsentRow.__table__
    consenting = {
        c.uscc
        for c in (
            await session.execute(
                select(consents.c.uscc, consents.c.expires_at).where(
                    consents.c.uscc.in_(usccs), consents.c.credit_lookup.is_(True), consents.c.revoked_at.is_(None)
                )
            )
        ).all()
        if c.expires_at is None or now < c.expires_at
    }
    if not consenting:
        return {}
    oldest = now - timedelta(days=max_age_days)
    out: dict[str, CreditStanding] = {}
    for row in await _rows(session, CreditStandingRow, usccs):
        if row.uscc in consenting and row.looked_up_at >= oldest:
            out[row.uscc] = CreditStanding(
                grade=row.grade, score=row.score, report_time=row.report_time, source=row.source
            )
    return out
