"""Reading the projections with plain SQL (Core rows, no ORM objects): one enterprise for an
event or a live evaluation, or a chunk of enterprises in USCC order for a batch run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_eligibility.models import indicator_years, profiles, qualifications
from tidu_eligibility.snapshots import EnterpriseData, assemble

PROFILE_COLUMNS = (
    profiles.c.uscc,
    profiles.c.name,
    profiles.c.district_code,
    profiles.c.industry_code,
    profiles.c.established_on,
    profiles.c.independent_legal_person,
    profiles.c.niche_market_since,
    profiles.c.own_brand,
    profiles.c.main_product_text,
    profiles.c.strategic_emerging,
    profiles.c.six_foundations,
    profiles.c.key_chain_link,
    profiles.c.supplies_chain_leader,
    profiles.c.time_honoured_brand,
    profiles.c.last_event_id,
    profiles.c.stated_at,
)
YEAR_COLUMNS = (
    indicator_years.c.uscc,
    indicator_years.c.year,
    indicator_years.c.indicator_values,
    indicator_years.c.event_id,
    indicator_years.c.reported_at,
)
QUALIFICATION_COLUMNS = (
    qualifications.c.qualification_id,
    qualifications.c.uscc,
    qualifications.c.kind,
    qualifications.c.level,
    qualifications.c.document_no,
    qualifications.c.granted_on,
    qualifications.c.expires_on,
    qualifications.c.status,
    qualifications.c.revoked_on,
    qualifications.c.event_id,
)


@dataclass(frozen=True, slots=True)
class Scope:
    """Which enterprises a batch run covers: a district, an industry-code prefix, both, or all."""

    district_code: str | None = None
    industry_prefix: str | None = None

    def where(self, query: Select[Any]) -> Select[Any]:
        if self.district_code is not None:
            query = query.where(profiles.c.district_code == self.district_code)
        if self.industry_prefix is not None:
            query = query.where(profiles.c.industry_code.startswith(self.industry_prefix, autoescape=True))
        return query


async def _rows_for(
    s: AsyncSession, usccs: Sequence[str], first_year: int, last_year: int
) -> tuple[list[Any], list[Any]]:
    years = (
        await s.execute(
            select(*YEAR_COLUMNS)
            .where(indicator_years.c.uscc.in_(usccs), indicator_years.c.year.between(first_year, last_year))
            .order_by(indicator_years.c.uscc, indicator_years.c.year)
        )
    ).all()
    quals = (
        await s.execute(
            select(*QUALIFICATION_COLUMNS)
            .where(qualifications.c.uscc.in_(usccs))
            .order_by(qualifications.c.uscc, qualifications.c.granted_on, qualifications.c.qualification_id)
        )
    ).all()
    return list(years), list(quals)


async def load_enterprise(s: AsyncSession, uscc: str, data_year: int, years_back: int) -> EnterpriseData | None:
    """One enterprise's projection (None when its profile is not projected)."""
    profile = (await s.execute(select(*PROFILE_COLUMNS).where(profiles.c.uscc == uscc))).first()
    if profile is None:
        return None
    years, quals = await _rows_for(s, [uscc], data_year - years_back, data_year)
    return assemble([profile], years, quals)[0]


async def read_chunk(
    s: AsyncSession, scope: Scope, after: str | None, size: int, data_year: int, years_back: int
) -> tuple[list[Any], list[Any], list[Any]]:
    """The next ``size`` profiles of the scope after USCC ``after``, with their rows (raw rows:
    the engine input is built off the event loop)."""
    query = scope.where(select(*PROFILE_COLUMNS))
    if after is not None:
        query = query.where(profiles.c.uscc > after)
    chunk = list((await s.execute(query.order_by(profiles.c.uscc).limit(size))).all())
    if not chunk:
        return [], [], []
    years, quals = await _rows_for(s, [p.uscc for p in chunk], data_year - years_back, data_year)
    return chunk, years, quals


async def count_scope(s: AsyncSession, scope: Scope) -> int:
    return int((await s.execute(scope.where(select(func.count()).select_from(profiles)))).scalar_one())
