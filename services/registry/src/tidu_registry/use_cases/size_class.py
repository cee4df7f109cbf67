"""Size classes (大/中/小/微) as the eligibility service decides them under ``size-2011``: the rule
lives there; the registry keeps each (enterprise, data year)'s class and shows the latest year's."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_registry.clock import utcnow
from tidu_registry.models import Enterprise, size_classes
from tidu_shared.contracts.eligibility import AssessmentCompleted

SIZE_RULESET = "size-2011"


async def record_size_class(s: AsyncSession, data: AssessmentCompleted) -> bool:
    """Keep the class of ``data.data_year`` (a later assessment of the same year replaces an earlier
    one; an older one arriving late changes nothing) and refresh the enterprise's latest-year class.
    True when something was recorded."""
    if data.ruleset_id != SIZE_RULESET:
        return False
    sc = size_classes.c
    key = (sc.uscc == data.uscc, sc.data_year == data.data_year)
    existing = (await s.execute(select(sc.assessed_at).where(*key))).first()
    values = {
        "size_class": data.size_class,
        "result": data.result,
        "assessment_id": data.assessment_id,
        "ruleset_version": data.ruleset_version,
        "assessed_at": data.assessed_at,
        "recorded_at": utcnow(),
    }
    if existing is None:
        await s.execute(size_classes.insert().values(uscc=data.uscc, data_year=data.data_year, **values))
    elif existing.assessed_at <= data.assessed_at:
        await s.execute(update(size_classes).where(*key).values(**values))
    else:
        return False
    latest = (
        await s.execute(
            select(sc.size_class, sc.data_year).where(sc.uscc == data.uscc).order_by(sc.data_year.desc()).limit(1)
        )
    ).one()
    await s.execute(
        update(Enterprise)
        .where(Enterprise.uscc == data.uscc)
        .values(size_class=latest.size_class, size_class_year=latest.data_year)
    )
    return True
