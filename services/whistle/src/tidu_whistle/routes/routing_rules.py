"""``/v1/routing-rules``: operators' routing rules (category × district), with history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response

from tidu_shared.auth import CurrentPrincipal
from tidu_whistle.routes.deps import CtxDep, DbDep, etag, parse_if_match
from tidu_whistle.schemas import RoutingRuleIn, RoutingRuleView
from tidu_whistle.use_cases import routing_rules as use_cases

router = APIRouter(prefix="/v1/routing-rules", tags=["routing 分拨规则"])

DistrictPath = Annotated[str, Path(pattern=r"^(\d{6}|\*)$", description="GB/T 2260 code, or * for every district")]


@router.get("", response_model=list[RoutingRuleView], summary="分拨规则 Routing rules and their history")
async def list_rules(
    principal: CurrentPrincipal,
    db: DbDep,
    ctx: CtxDep,
    category: str | None = None,
    district: Annotated[str | None, Query(pattern=r"^(\d{6}|\*)$")] = None,
) -> list[RoutingRuleView]:
    use_cases.ensure_may_read(principal)
    return await use_cases.list_rules(db, ctx, category, district)


@router.get(
    "/{category}/{district}",
    response_model=RoutingRuleView,
    summary="一条分拨规则 Where (category, district) routes now, and the rule's history",
)
async def get_rule(
    category: str, district: DistrictPath, principal: CurrentPrincipal, db: DbDep, ctx: CtxDep
) -> RoutingRuleView:
    use_cases.ensure_may_read(principal)
    return await use_cases.get_rule(db, ctx, category, district)


@router.put(
    "/{category}/{district}",
    response_model=RoutingRuleView,
    summary="设置分拨规则 Add a version of a routing rule",
    description=(
        "A new revision for (category, district); earlier revisions stay as history. District operators edit "
        "their region's rules, the city operator (500000) and admins also `*` (every district). `If-Match` "
        "(optional): the revision you saw (412 when another was added since). Applies to issues raised "
        "after `effective_from`."
    ),
)
async def put_rule(
    category: str,
    district: DistrictPath,
    body: RoutingRuleIn,
    response: Response,
    principal: CurrentPrincipal,
    db: DbDep,
    ctx: CtxDep,
    if_match: Annotated[str | None, Header()] = None,
) -> RoutingRuleView:
    expected = parse_if_match(if_match) if if_match else None
    view = await use_cases.put_rule(db, ctx, principal, category, district, body, expected)
    if view.history:
        response.headers["ETag"] = etag(view.history[-1].revision)
    return view
