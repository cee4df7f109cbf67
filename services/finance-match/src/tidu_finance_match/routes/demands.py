"""Routes of demands: submit (with the match outcome), read, list, matches, withdraw, revoke consent."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Query
from fastapi.responses import Response

from tidu_finance_match.catalogue_store import LoadedCatalogue
from tidu_finance_match.domain.matching import MatchOutcome
from tidu_finance_match.routes.deps import CtxDep, DbDep, IfMatch, catalogue_of, etag
from tidu_finance_match.schemas import DemandCreatedOut, DemandIn, DemandOut, DemandPage, MatchOut, WithdrawIn
from tidu_finance_match.serialize import OutcomeRenderer, json_response
from tidu_finance_match.use_cases import credit as credit_uc
from tidu_finance_match.use_cases import demands as uc
from tidu_finance_match.use_cases.demands import DemandBundle, DemandQuery
from tidu_finance_match.views import case_brief, case_json, demand_json
from tidu_shared.auth import CurrentPrincipal, Role
from tidu_shared.errors import ProblemError
from tidu_shared.outbox import utcnow

router = APIRouter(prefix="/v1/demands", tags=["demands 融资需求"])


def render_demand(bundle: DemandBundle, catalogue: LoadedCatalogue) -> dict[str, Any]:
    now = utcnow()

    def name(code: str) -> str | None:
        p = catalogue.product(code)
        return p.name if p is not None else None

    cases = [case_json(c, name(c.product_code), now) for c in bundle.cases]
    return demand_json(
        bundle.row,
        enterprise_name=bundle.profile.name if bundle.profile is not None else None,
        consent=bundle.consent,
        matches=bundle.matches,
        cases=cases,
        now=now,
    )


def render_outcome(outcome: MatchOutcome, bundle: DemandBundle, inst: str | None) -> dict[str, Any]:
    cases = {c.product_code: case_brief(c) for c in bundle.cases}
    return OutcomeRenderer().outcome(
        outcome,
        case_of=cases.get,
        keep=(lambda p: p.institution_code == inst) if inst is not None else None,
    )


@router.post(
    "",
    status_code=201,
    response_model=DemandCreatedOut,
    summary="提交融资需求并匹配 Submit a financing demand (matched at once)",
    responses={
        403: {"description": "无权 not allowed"},
        422: {"description": "校验失败、企业未登记或幂等键被另一请求使用 invalid / unknown enterprise / key reused"},
    },
)
async def submit_demand(
    body: DemandIn,
    principal: CurrentPrincipal,
    ctx: CtxDep,
    db: DbDep,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", max_length=200, description="same key and body → the same demand"),
    ] = None,
) -> Response:
    result = await uc.submit_demand(ctx, db, principal, body, idempotency_key)
    bundle = await uc.read_demand(db, principal, result.demand_id)
    catalogue = await catalogue_of(ctx, db)
    view = render_demand(bundle, catalogue)
    outcome = result.outcome or await uc.live_outcome(ctx, db, bundle, utcnow())
    view["match"] = render_outcome(outcome, bundle, None)
    headers = {"Location": f"/v1/demands/{result.demand_id}", **etag(bundle.row.version)}
    if result.outcome is None:
        headers["Idempotent-Replayed"] = "true"
    return json_response(view, status_code=result.status_code, headers=headers)


@router.get("", response_model=DemandPage, summary="融资需求列表 List demands (own / district / pushed to me)")
async def list_demands(
    principal: CurrentPrincipal,
    ctx: CtxDep,
    db: DbDep,
    status: Literal["open", "financed", "withdrawn"] | None = None,
    uscc: str | None = Query(default=None, max_length=18),
    district_code: str | None = Query(default=None, pattern=r"^\d{6}$"),
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0),
) -> Response:
    bundles, total = await uc.list_demands(
        db, principal, DemandQuery(status=status, uscc=uscc, district_code=district_code, limit=limit, offset=offset)
    )
    catalogue = await catalogue_of(ctx, db)
    items = [render_demand(b, catalogue) for b in bundles]
    return json_response({"items": items, "total": total, "limit": limit, "offset": offset})


@router.get("/{demand_id}", response_model=DemandOut, summary="融资需求 A demand, its matches and cases")
async def get_demand(demand_id: str, principal: CurrentPrincipal, ctx: CtxDep, db: DbDep) -> Response:
    bundle = await uc.read_demand(db, principal, demand_id)
    view = render_demand(bundle, await catalogue_of(ctx, db))
    return json_response(view, headers=etag(bundle.row.version))


@router.get(
    "/{demand_id}/matches",
    response_model=MatchOut,
    summary="匹配结果及理由 Every product: why it matches, or each gate it fails",
)
async def get_matches(demand_id: str, principal: CurrentPrincipal, ctx: CtxDep, db: DbDep) -> Response:
    bundle = await uc.read_demand(db, principal, demand_id)
    outcome = await uc.live_outcome(ctx, db, bundle, utcnow())
    inst = principal.inst if principal.role == Role.institution else None
    return json_response(render_outcome(outcome, bundle, inst))


@router.post(
    "/{demand_id}/withdraw",
    response_model=DemandOut,
    summary="撤回融资需求 Withdraw a demand (and its open cases)",
    responses={409: {"description": "已关闭 closed"}, 412: {"description": "版本已变化 stale If-Match"}},
)
async def withdraw_demand(
    demand_id: str,
    principal: CurrentPrincipal,
    ctx: CtxDep,
    db: DbDep,
    version: IfMatch,
    body: Annotated[WithdrawIn | None, Body()] = None,
) -> Response:
    await uc.withdraw_demand(
        ctx, db, principal, demand_id, if_match=version, reason=body.reason if body is not None else None
    )
    bundle = await uc.read_demand(db, principal, demand_id)
    view = render_demand(bundle, await catalogue_of(ctx, db))
    return json_response(view, headers=etag(bundle.row.version))


@router.post(
    "/{demand_id}/consent/revoke",
    response_model=DemandOut,
    summary="撤回需求的授权 Revoke the consent given with the demand",
)
async def revoke_demand_consent(demand_id: str, principal: CurrentPrincipal, ctx: CtxDep, db: DbDep) -> Response:
    bundle = await uc.read_demand(db, principal, demand_id)
    if bundle.row.consent_id is None:
        raise ProblemError(
            409, "no_consent", "状态冲突", "该需求未附带授权", "the demand was submitted without consent"
        )
    await credit_uc.revoke_consent(ctx, db, principal, bundle.row.consent_id)
    bundle = await uc.read_demand(db, principal, demand_id)
    return json_response(render_demand(bundle, await catalogue_of(ctx, db)), headers=etag(bundle.row.version))
