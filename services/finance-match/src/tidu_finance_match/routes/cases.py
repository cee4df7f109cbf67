"""Routes of the institution workflow: the work queue, a case, and the actions on it.

Every action answers the case with its new ``version`` (also as ``ETag``); send it back as
``If-Match`` with the next action to be told (412) when someone else acted meanwhile.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response

from tidu_finance_match.domain.workflow import Action
from tidu_finance_match.routes.deps import CtxDep, DbDep, IfMatch, catalogue_of, etag
from tidu_finance_match.schemas import CaseOut, DeclineIn, DisburseIn, GrantIn, NoteIn, QueuePage
from tidu_finance_match.serialize import json_response
from tidu_finance_match.use_cases import workflow as uc
from tidu_finance_match.use_cases.queue import QueueQuery, institution_queue
from tidu_finance_match.use_cases.workflow import CaseCommand
from tidu_finance_match.views import case_json
from tidu_shared.auth import CurrentPrincipal, Principal
from tidu_shared.outbox import utcnow

router = APIRouter(prefix="/v1", tags=["workflow 机构对接"])

CaseState = Literal["pushed", "viewed", "accepted", "declined", "credit_granted", "disbursed", "withdrawn"]
_ACTION_RESPONSES: dict[int | str, dict[str, str]] = {
    403: {"description": "无权 not allowed"},
    404: {"description": "不存在或非本机构 not found (or another institution's)"},
    409: {"description": "当前状态不允许 illegal transition"},
    412: {"description": "版本已变化 stale If-Match"},
    422: {"description": "原因代码缺失、金额不合法 … invalid"},
}


@router.get(
    "/institutions/{code}/queue",
    response_model=QueuePage,
    summary="机构待办 An institution's work queue (cases pushed to its products)",
)
async def queue(
    code: str,
    principal: CurrentPrincipal,
    ctx: CtxDep,
    db: DbDep,
    state: Annotated[list[CaseState] | None, Query(description="default: the cases still in progress")] = None,
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0),
) -> Response:
    q = QueueQuery(limit=limit, offset=offset) if not state else QueueQuery(states=state, limit=limit, offset=offset)
    return json_response(await institution_queue(ctx, db, principal, code, q))


@router.get("/cases/{case_id}", response_model=CaseOut, summary="对接记录 A case")
async def get_case(case_id: str, principal: CurrentPrincipal, ctx: CtxDep, db: DbDep) -> Response:
    row, _demand = await uc.read_case(db, principal, case_id)
    p = (await catalogue_of(ctx, db)).product(row.product_code)
    return json_response(case_json(row, p.name if p else None, utcnow()), headers=etag(row.version))


async def _act(
    ctx: CtxDep, db: DbDep, principal: Principal, case_id: str, cmd: CaseCommand, version: int | None
) -> Response:
    row = await uc.act_on_case(ctx, db, principal, case_id, cmd, if_match=version)
    p = (await catalogue_of(ctx, db)).product(row.product_code)
    return json_response(case_json(row, p.name if p else None, utcnow()), headers=etag(row.version))


@router.post(
    "/cases/{case_id}/view", response_model=CaseOut, responses=_ACTION_RESPONSES, summary="已查看 Record a view"
)
async def view_case(case_id: str, principal: CurrentPrincipal, ctx: CtxDep, db: DbDep, version: IfMatch) -> Response:
    return await _act(ctx, db, principal, case_id, CaseCommand(Action.VIEW), version)


@router.post("/cases/{case_id}/accept", response_model=CaseOut, responses=_ACTION_RESPONSES, summary="受理 Accept")
async def accept_case(
    case_id: str,
    principal: CurrentPrincipal,
    ctx: CtxDep,
    db: DbDep,
    version: IfMatch,
    body: Annotated[NoteIn | None, Body()] = None,
) -> Response:
    return await _act(
        ctx, db, principal, case_id, CaseCommand(Action.ACCEPT, note=body.note if body else None), version
    )


@router.post(
    "/cases/{case_id}/decline",
    response_model=CaseOut,
    responses=_ACTION_RESPONSES,
    summary="拒绝（须说明原因代码）Decline with a reason code",
)
async def decline_case(
    case_id: str, body: DeclineIn, principal: CurrentPrincipal, ctx: CtxDep, db: DbDep, version: IfMatch
) -> Response:
    reason = body.reason.value if body.reason is not None else None
    return await _act(ctx, db, principal, case_id, CaseCommand(Action.DECLINE, reason=reason, note=body.note), version)


@router.post(
    "/cases/{case_id}/grant", response_model=CaseOut, responses=_ACTION_RESPONSES, summary="授信 Record credit granted"
)
async def grant_case(
    case_id: str, body: GrantIn, principal: CurrentPrincipal, ctx: CtxDep, db: DbDep, version: IfMatch
) -> Response:
    cmd = CaseCommand(
        Action.GRANT_CREDIT,
        amount=body.amount,
        rate_pct=body.rate_pct,
        term_months=body.term_months,
        granted_on=body.granted_on,
    )
    return await _act(ctx, db, principal, case_id, cmd, version)


@router.post(
    "/cases/{case_id}/disburse", response_model=CaseOut, responses=_ACTION_RESPONSES, summary="放款 Record disbursement"
)
async def disburse_case(
    case_id: str, body: DisburseIn, principal: CurrentPrincipal, ctx: CtxDep, db: DbDep, version: IfMatch
) -> Response:
    cmd = CaseCommand(Action.DISBURSE, amount=body.amount, disbursed_on=body.disbursed_on)
    return await _act(ctx, db, principal, case_id, cmd, version)
