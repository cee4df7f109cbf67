"""District targets (目标清单) and progress against them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from tidu_registry import access
from tidu_registry.clock import today_cn
from tidu_registry.domain.targets import TargetBook
from tidu_registry.problems import not_found
from tidu_registry.routes.common import QueryDay, get_db
from tidu_registry.target_progress import region_progress
from tidu_shared.auth import CurrentPrincipal

router = APIRouter(prefix="/v1", tags=["targets"])


def _book(request: Request) -> TargetBook:
    return request.app.state.targets  # type: ignore[no-any-return]


@router.get("/targets", summary="目标清单 Regions with targets (those the caller may see)")
async def list_targets(request: Request, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    access.ensure_operator(principal)
    out = []
    for code, region in sorted(_book(request).regions.items()):
        if not access.sees_region(principal, code):
            continue
        out.append(
            {
                "region": code,
                "source": region.source,
                "indicators": [
                    {
                        "key": i.key,
                        "zh": i.zh,
                        "unit": i.unit,
                        "measure": i.measure.value,
                        "targets": {str(y): str(v) for y, v in i.targets.items()},
                    }
                    for i in region.indicators.values()
                ],
            }
        )
    return out


@router.get(
    "/targets/{region}/progress",
    summary="目标进度 Target, actual, percentage and shortfall per indicator and year",
)
async def progress(
    region: str, request: Request, principal: CurrentPrincipal, year: int | None = None, today: QueryDay = None
) -> dict[str, Any]:
    access.ensure_operator(principal)
    targets = _book(request).regions.get(region)
    if targets is None:
        raise not_found("targets_not_found", "该地区的目标清单", "targets of that region")
    if not access.sees_region(principal, region):
        raise access.other_district()
    day = today if today is not None and request.app.state.settings.allows_injected_today else today_cn()
    async with get_db(request).read() as s:
        return await region_progress(s, targets, today=day, year=year)
