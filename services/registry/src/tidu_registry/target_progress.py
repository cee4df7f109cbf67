"""District targets (目标清单): actuals counted in the registry and progress against the targets of
``reference/targets.yaml`` (loaded by the domain, ``targets.default_targets``).

Counts are SQL over the same data the domain's rules read (``qualification_periods`` holds the
domain's validity periods; regions follow GB/T 2260 nesting), with the domain's measurement date and
progress arithmetic: stock indicators are counted at 31 December of each year (today while the year
runs); flow targets ("每年培育 … 以上") count enterprises first granted the title in the year.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_registry.domain.qualifications import QualificationKind
from tidu_registry.domain.targets import (
    IndicatorTarget,
    Measure,
    RegionTargets,
    YearProgress,
    measurement_date,
    progress,
    year_progress,
)
from tidu_registry.models import enterprises, qualification_periods, qualifications
from tidu_registry.search import region_condition

E = enterprises.c
QP = qualification_periods.c
Q = qualifications.c


async def holders(session: AsyncSession, kind: QualificationKind, region: str, on: dt.date) -> int:
    stmt = (
        select(func.count(func.distinct(QP.uscc)))
        .select_from(qualification_periods.join(enterprises, E.uscc == QP.uscc))
        .where(
            QP.kind == kind.value,
            QP.start_on <= on,
            or_(QP.end_on.is_(None), QP.end_on >= on),
            region_condition(E.district_code, region),
        )
    )
    return int((await session.execute(stmt)).scalar_one())


async def new_recognitions(session: AsyncSession, kind: QualificationKind, region: str, year: int) -> int:
    stmt = (
        select(func.count(func.distinct(Q.uscc)))
        .select_from(qualifications.join(enterprises, E.uscc == Q.uscc))
        .where(
            Q.kind == kind.value,
            Q.granted_on >= dt.date(year, 1, 1),
            Q.granted_on <= dt.date(year, 12, 31),
            region_condition(E.district_code, region),
        )
    )
    return int((await session.execute(stmt)).scalar_one())


async def enterprise_count(session: AsyncSession, region: str, on: dt.date) -> int:
    stmt = select(func.count()).where(E.established_on <= on, region_condition(E.district_code, region))
    return int((await session.execute(stmt)).scalar_one())


async def _actual(session: AsyncSession, indicator: IndicatorTarget, region: str, on: dt.date) -> int | None:
    if indicator.measure is Measure.QUALIFICATION:
        assert indicator.qualification is not None
        return await holders(session, indicator.qualification, region, on)
    if indicator.measure is Measure.ENTERPRISES:
        return await enterprise_count(session, region, on)
    return None


def _row(p: YearProgress) -> dict[str, Any]:
    return {
        "year": p.year,
        "target": p.target,
        "actual": p.actual,
        "percentage": p.percentage,
        "shortfall": p.shortfall,
    }


async def region_progress(
    session: AsyncSession, region: RegionTargets, *, today: dt.date, year: int | None = None
) -> dict[str, Any]:
    """Target, actual, percentage and shortfall per indicator and year (and per flow target)."""
    indicator_rows = []
    all_years: set[int] = set()
    for indicator in region.indicators.values():
        years = sorted(y for y in indicator.targets if year is None or y == year)
        all_years.update(indicator.targets)
        counts: dict[int, int | None] = {}
        for y in years:
            on = measurement_date(y, today)
            counts[y] = None if on is None else await _actual(session, indicator, region.region, on)
        indicator_rows.append(
            {
                "key": indicator.key,
                "zh": indicator.zh,
                "unit": indicator.unit,
                "cumulative": indicator.cumulative,
                "measure": indicator.measure.value,
                "qualification": indicator.qualification.value if indicator.qualification else None,
                "owner": indicator.owner,
                "years": [_row(p) for p in progress(indicator, counts, years)],
            }
        )
    flow_rows = []
    flow_years = sorted(
        {f.year for f in region.flow_targets if f.year is not None}
        | (all_years if any(f.year is None for f in region.flow_targets) else set())
    )
    for y in flow_years:
        if year is not None and y != year:
            continue
        for target in region.flow_targets_for(y):
            actual = None if y > today.year else await new_recognitions(session, target.qualification, region.region, y)
            p = year_progress(y, target.value, None if actual is None else Decimal(actual))
            flow_rows.append({"key": target.key, "qualification": target.qualification.value, **_row(p)})
    return {
        "region": region.region,
        "source": region.source,
        "as_of": today,
        "indicators": indicator_rows,
        "flow_targets": flow_rows,
    }
