"""``/v1/statistics``: accepted, closed, on-time, overdue, stage durations, returns, transfers,
satisfaction — per department, category, district or period, with a ranking of departments."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from tidu_shared.auth import CurrentPrincipal
from tidu_whistle import reports
from tidu_whistle.domain.statistics import Granularity
from tidu_whistle.routes.deps import CtxDep, DbDep
from tidu_whistle.schemas import StatisticsOut

router = APIRouter(prefix="/v1/statistics", tags=["statistics 统计"])


@router.get(
    "",
    response_model=StatisticsOut,
    response_model_by_alias=True,
    summary="统计 Statistics and the department ranking",
    description=(
        "Cohort: issues accepted (routed or sent to triage) on Shanghai dates in [from, to). "
        "on_time_rate = closed on time ÷ (closed + open and overdue now). Operators see their region, the city "
        "operator and admins everything."
    ),
)
async def statistics(
    principal: CurrentPrincipal,
    db: DbDep,
    ctx: CtxDep,
    group_by: reports.GroupBy = reports.GroupBy.DEPARTMENT,
    start: Annotated[dt.date | None, Query(alias="from")] = None,
    end: Annotated[dt.date | None, Query(alias="to", description="exclusive")] = None,
    granularity: Granularity = Granularity.MONTH,
    district: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    category: str | None = None,
) -> StatisticsOut:
    return await reports.statistics(
        db,
        ctx,
        principal,
        group_by=group_by,
        start=start,
        end=end,
        granularity=granularity,
        district=district,
        category=category,
    )
