"""Open311 GeoReport v2 read view (``/open311/v2``), so existing 311 tools can read the issues.

Authentication: a bearer token like every other endpoint (send ``Authorization: Bearer …``;
GeoReport's ``api_key`` is for writes, which this view does not offer); each caller sees the
issues it may see anywhere else. ``jurisdiction_id`` is accepted and ignored (one jurisdiction).
Errors are ``application/problem+json`` like the rest of the platform.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from tidu_shared.auth import CurrentPrincipal
from tidu_whistle import open311_view
from tidu_whistle.routes.deps import CtxDep, DbDep

router = APIRouter(prefix="/open311/v2", tags=["open311"])


@router.get("/services.json", summary="GeoReport v2 service list (our issue categories)")
async def services(
    principal: CurrentPrincipal, ctx: CtxDep, jurisdiction_id: str | None = None
) -> list[dict[str, Any]]:
    return open311_view.services(ctx, principal)


@router.get(
    "/requests.json",
    summary="GeoReport v2 service requests (our issues)",
    description=(
        "Filters as GeoReport v2: service_request_id (comma list; overrides the others), service_code (comma "
        "list), status (open, closed), start_date / end_date (W3C datetimes; default the last 90 days, at most 90 "
        "days apart). At most 1000, newest first."
    ),
)
async def requests(
    request: Request,
    principal: CurrentPrincipal,
    db: DbDep,
    ctx: CtxDep,
    service_request_id: str | None = None,
    service_code: str | None = None,
    status: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    jurisdiction_id: Annotated[str | None, Query()] = None,
) -> list[dict[str, Any]]:
    return await open311_view.requests(db, ctx, principal, dict(request.query_params))


@router.get("/requests/{service_request_id}.json", summary="GeoReport v2 one service request")
async def one_request(
    service_request_id: str, principal: CurrentPrincipal, db: DbDep, ctx: CtxDep, jurisdiction_id: str | None = None
) -> list[dict[str, Any]]:
    return await open311_view.request(db, ctx, principal, service_request_id)
