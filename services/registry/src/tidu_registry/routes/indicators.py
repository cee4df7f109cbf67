"""Yearly indicators (年度指标)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request

from tidu_registry.domain.indicators import INDICATOR_FIELDS
from tidu_registry.domain.values import to_plain
from tidu_registry.problems import not_found
from tidu_registry.queries import indicator_rows, indicators_as_of
from tidu_registry.routes.common import QueryDay, get_db, normalise, readable
from tidu_registry.schemas import IndicatorsIn, IndicatorsOut
from tidu_registry.use_cases.indicators import report_indicators
from tidu_shared.auth import CurrentPrincipal

router = APIRouter(prefix="/v1", tags=["indicators"])


def _out(row: Any, restated: bool | None = None) -> dict[str, Any]:
    out = {name: to_plain(getattr(row, name)) for name in INDICATOR_FIELDS}
    out.update(
        uscc=row.uscc,
        year=row.year,
        source=row.source,
        reported_by=row.reported_by,
        reported_at=row.reported_at,
        version=row.version,
        restated=restated,
    )
    return out


@router.put(
    "/enterprises/{uscc}/indicators/{year}",
    response_model=IndicatorsOut,
    summary="年度指标填报 Report or restate a year's indicators (money in 万元)",
    responses={422: {"description": "every violation named at once"}},
)
async def put_indicators(
    uscc: str,
    year: str,
    request: Request,
    principal: CurrentPrincipal,
    body: IndicatorsIn = Body(),  # type: ignore[valid-type]
) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True)
    source = data.pop("source", None)
    result = await report_indicators(get_db(request), principal, normalise(uscc), year, data, source=source)
    return _out(result.row, restated=result.restated)


@router.get(
    "/enterprises/{uscc}/indicators",
    response_model=list[IndicatorsOut],
    summary="年度指标 Every reported year (as_of: as the figures stood at the end of that day)",
)
async def list_indicators(
    uscc: str, request: Request, principal: CurrentPrincipal, as_of: QueryDay = None
) -> list[dict[str, Any]]:
    async with get_db(request).read() as s:
        ent = await readable(s, principal, uscc)
        if as_of is not None:
            years = await indicators_as_of(s, ent.uscc, as_of)
            return [{"uscc": ent.uscc, "year": y, **record} for y, record in years.items()]
        return [_out(r) for r in await indicator_rows(s, ent.uscc)]


@router.get(
    "/enterprises/{uscc}/indicators/{year}",
    response_model=IndicatorsOut,
    summary="某年度指标 One year's indicators (as_of supported)",
)
async def get_indicators(
    uscc: str, year: int, request: Request, principal: CurrentPrincipal, as_of: QueryDay = None
) -> dict[str, Any]:
    async with get_db(request).read() as s:
        ent = await readable(s, principal, uscc)
        if as_of is not None:
            record = (await indicators_as_of(s, ent.uscc, as_of)).get(year)
            if record is None:
                raise not_found("indicators_not_found", "该年度指标", "indicators of that year")
            return {"uscc": ent.uscc, "year": year, **record}
        rows = await indicator_rows(s, ent.uscc, year)
    if not rows:
        raise not_found("indicators_not_found", "该年度指标", "indicators of that year")
    return _out(rows[0])
