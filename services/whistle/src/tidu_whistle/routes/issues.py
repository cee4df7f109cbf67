"""``/v1/issues``: raise, list, read, act on and rate issues."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Response

from tidu_shared.auth import CurrentPrincipal
from tidu_whistle import queries
from tidu_whistle.domain.model import Action, Command
from tidu_whistle.routes.deps import CtxDep, DbDep, IfMatchDep, etag
from tidu_whistle.schemas import ActionIn, IssueIn, IssueOut, IssuePage, RatingIn
from tidu_whistle.use_cases import issues as use_cases

router = APIRouter(prefix="/v1/issues", tags=["issues 诉求"])


class IssueAction(StrEnum):
    """Actions reachable over HTTP (submit is POST /v1/issues; auto_close is the scheduler's)."""

    route = "route"
    send_to_triage = "send_to_triage"
    check_in = "check_in"
    start = "start"
    request_extension = "request_extension"
    approve_extension = "approve_extension"
    refuse_extension = "refuse_extension"
    resolve = "resolve"
    return_ = "return"
    transfer = "transfer"
    escalate = "escalate"
    confirm = "confirm"
    rate = "rate"
    reopen = "reopen"
    withdraw = "withdraw"
    comment = "comment"


_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "当前角色或身份不能执行该操作 not permitted"},
    404: {"description": "诉求不存在或不可见 not found (existence does not leak)"},
    409: {"description": "当前状态不允许 illegal transition"},
    412: {"description": "If-Match 版本已过期 stale version"},
    428: {"description": "缺少 If-Match missing If-Match"},
}


@router.post(
    "",
    status_code=201,
    response_model=IssueOut,
    summary="企业吹哨 Raise an issue",
    description=(
        "An enterprise (or its service commissioner, naming `enterprise_uscc`) raises an issue; it is routed "
        "at once (category × district → lead and co-handling departments, or the district coordinator's "
        "triage). `Idempotency-Key`: the same key and body answer the first 201 again "
        "(`Idempotent-Replayed: true`); the same key with another body is 422 `idempotency_key_reused`. "
        "`possible_duplicates` lists open issues of the same enterprise and category of the last 30 days. "
        "The enterprise must be known to the registry (else 422 `enterprise_unknown`)."
    ),
    responses={403: _ERRORS[403], 422: {"description": "校验失败 / 企业未入库 / 幂等键被复用"}},
)
async def raise_issue(
    body: IssueIn,
    response: Response,
    principal: CurrentPrincipal,
    db: DbDep,
    ctx: CtxDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> IssueOut:
    out, replayed = await use_cases.raise_issue(db, ctx, principal, body, idempotency_key)
    response.headers["Location"] = f"/v1/issues/{out.id}"
    response.headers["ETag"] = etag(out.version)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return out


@router.get("", response_model=IssuePage, summary="诉求列表 List the issues you may see")
async def list_issues(
    principal: CurrentPrincipal,
    db: DbDep,
    ctx: CtxDep,
    status: Annotated[str | None, Query(description="comma list of states; `open` = every open state")] = None,
    category: str | None = None,
    district: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    department: Annotated[str | None, Query(description="lead or co-handling department, e.g. 500113-jrb")] = None,
    overdue: bool | None = None,
    enterprise_uscc: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> IssuePage:
    filters = queries.IssueFilters(
        states=tuple(queries.parse_states(status)),
        category=category,
        district=district,
        department=department,
        overdue=overdue,
        enterprise_uscc=enterprise_uscc,
    )
    return await queries.list_issues(db, ctx, principal, filters, cursor=cursor, limit=limit)


@router.get(
    "/{issue_id}",
    response_model=IssueOut,
    summary="诉求详情 An issue with its timeline and deadlines",
    responses={404: _ERRORS[404]},
)
async def get_issue(issue_id: str, response: Response, principal: CurrentPrincipal, db: DbDep, ctx: CtxDep) -> IssueOut:
    out = await queries.get_issue(db, ctx, principal, issue_id)
    response.headers["ETag"] = etag(out.version)
    return out


@router.post(
    "/{issue_id}/actions/{action}",
    response_model=IssueOut,
    summary="办理操作 Act on an issue (If-Match required)",
    description=(
        "check_in 报到, start, request_extension*, approve_extension / refuse_extension* (coordinator), "
        "resolve*, return* 退单, transfer* (department), escalate (coordinator), route (coordinator, from "
        "triage / returned), confirm / reopen* / withdraw (enterprise), comment*. * needs `note`. "
        "Send the issue's ETag as `If-Match`."
    ),
    responses=_ERRORS,
)
async def act(
    issue_id: str,
    action: Annotated[IssueAction, Path()],
    if_match: IfMatchDep,
    response: Response,
    principal: CurrentPrincipal,
    db: DbDep,
    ctx: CtxDep,
    body: Annotated[ActionIn | None, Body()] = None,
) -> IssueOut:
    body = body or ActionIn()
    command = Command(
        Action(action.value),
        note=body.note,
        department=body.department,
        co_departments=tuple(body.co_departments) if body.co_departments is not None else None,
        working_days=body.working_days,
        rating=body.rating,
    )
    out = await use_cases.act(db, ctx, principal, issue_id, command, if_match)
    response.headers["ETag"] = etag(out.version)
    return out


@router.post(
    "/{issue_id}/rating",
    response_model=IssueOut,
    summary="评价 Rate the resolution (enterprise; If-Match required)",
    description=(
        "1–5 with a comment, once per resolution, when resolved (it also closes) or closed. A score of 2 or "
        "less reopens the issue within the reopen window, or flags it for review (setting "
        "`TIDU_WHISTLE_LOW_RATING_ACTION`)."
    ),
    responses=_ERRORS,
)
async def rate(
    issue_id: str,
    body: RatingIn,
    if_match: IfMatchDep,
    response: Response,
    principal: CurrentPrincipal,
    db: DbDep,
    ctx: CtxDep,
) -> IssueOut:
    out = await use_cases.act(
        db, ctx, principal, issue_id, use_cases.rating_command(body.score, body.comment), if_match
    )
    response.headers["ETag"] = etag(out.version)
    return out
