"""``/v1/statistics``: accepted, closed, on-time, overdue, stage durations, returns, transfers,
satisfaction — per department, category, district or period, with a ranking of departments."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BeforeValidator

from tidu_shared.auth import CurrentPrincipal
from tidu_whistle import reports
from tidu_whistle.domain.statistics import Granularity
from tidu_whistle.routes.deps import CtxDep, DbDep
from tidu_whistle.schemas import StatisticsOut

router = APIRouter(prefix="/v1/statistics", tags=["statistics 统计"])


def _iso_day(value: object) -> object:
    """Only ``YYYY-MM-DD``: pydantic would read a number such as ``0.0`` as a Unix time (1970-01-01)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError("日期格式应为 YYYY-MM-DD | date must be YYYY-MM-DD")
    return value


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
    start: Annotated[dt.date | None, BeforeValidator(_iso_day), Query(alias="from")] = None,
    end: Annotated[dt.date | None, BeforeValidator(_iso_day), Query(alias="to", description="exclusive")] = None,
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
