"""Search (企业检索) with filters, sorting and cursor pagination."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Query, Request

from tidu_registry import search as queries
from tidu_registry.domain import industry
from tidu_registry.domain.districts import is_well_formed
from tidu_registry.domain.errors import Violation
from tidu_registry.domain.pool import Stage
from tidu_registry.domain.qualifications import QualificationKind
from tidu_registry.problems import validation_problem
from tidu_registry.routes.common import get_db
from tidu_registry.schemas import EARLIEST, LATEST, SearchPage
from tidu_shared.auth import CurrentPrincipal

router = APIRouter(prefix="/v1", tags=["search"])
SIZE_CLASSES = ("micro", "small", "medium", "large")


def filters_from_query(
    *,
    district: str | None,
    industry_prefix: str | None,
    size_class: str | None,
    qualification: str | None,
    valid_on: dt.date | None,
    pool_stage: str | None,
    commissioner: str | None,
    q: str | None,
) -> queries.SearchFilters:
    """Check every filter at once (422 naming each bad one)."""
    problems: list[Violation] = []
    if district is not None and not is_well_formed(district):
        problems.append(Violation("district", "district_code_shape", "区县代码应为6位数字", "six digits expected"))
    prefix = None
    if industry_prefix is not None:
        prefix = industry.normalise(industry_prefix)
        if industry.industry_problem(prefix) is not None:
            problems.append(
                Violation("industry", "industry_code_shape", "行业代码前缀应如 C 或 C38", "expected a prefix like C38")
            )
    if size_class is not None and size_class not in SIZE_CLASSES:
        problems.append(Violation("size_class", "invalid_choice", "规模应为 micro/small/medium/large", "bad size"))
    if qualification is not None and qualification not in {k.value for k in QualificationKind}:
        problems.append(Violation("qualification", "invalid_choice", "认定类型不存在", "unknown qualification kind"))
    if pool_stage is not None and pool_stage not in {s.value for s in Stage}:
        problems.append(Violation("pool_stage", "invalid_choice", "培育阶段不存在", "unknown pool stage"))
    if problems:
        raise validation_problem(problems)
    return queries.SearchFilters(
        district=district,
        industry=prefix,
        size_class=size_class,
        qualification=qualification,
        valid_on=valid_on,
        pool_stage=pool_stage,
        commissioner_id=commissioner,
        name=q.strip() if q and q.strip() else None,
    )


@router.get("/enterprises", response_model=SearchPage, summary="企业检索 Search enterprises")
async def search_enterprises(
    request: Request,
    principal: CurrentPrincipal,
    district: str | None = Query(None, description="区县 or region code (500000: the whole city)"),
    industry: str | None = Query(None, description="行业代码前缀, e.g. C38"),
    size_class: str | None = Query(None, description="micro | small | medium | large (latest year)"),
    qualification: str | None = Query(None, description="a qualification kind valid on valid_on"),
    valid_on: dt.date | None = Query(
        None, ge=EARLIEST, le=LATEST, description="date for the qualification filter (default today)"
    ),
    pool_stage: str | None = Query(None, description="reserve | cultivating | promoting"),
    commissioner: str | None = Query(None, description="commissioner id"),
    q: str | None = Query(None, max_length=100, description="企业名称包含 substring of the name"),
    sort: Literal["uscc", "name", "established_on"] | None = Query(
        None, description="default: name when q is given, else uscc"
    ),
    order: Literal["asc", "desc"] = "asc",
    limit: int = Query(50, ge=1, le=queries.MAX_LIMIT),
    cursor: str | None = Query(None, max_length=1000),
) -> dict[str, Any]:
    filters = filters_from_query(
        district=district,
        industry_prefix=industry,
        size_class=size_class,
        qualification=qualification,
        valid_on=valid_on,
        pool_stage=pool_stage,
        commissioner=commissioner,
        q=q,
    )
    filters = queries.scoped(principal, filters)
    sort = sort or ("name" if filters.name else "uscc")
    async with get_db(request).read() as s:
        items, next_cursor = await queries.search(s, filters, sort=sort, order=order, limit=limit, cursor=cursor)
    return {"items": items, "next_cursor": next_cursor}
