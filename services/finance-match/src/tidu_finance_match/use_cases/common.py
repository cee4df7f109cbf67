"""What the use cases share: rows ↔ domain objects, actors, dates, and domain errors as problems."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from tidu_finance_match.domain.deadlines import CHINA_TZ, ResponseDeadline
from tidu_finance_match.domain.demands import Demand, DemandConsent
from tidu_finance_match.domain.errors import DomainError
from tidu_finance_match.domain.workflow import (
    Actor,
    ActorRole,
    CaseState,
    CreditGrant,
    DeclineReason,
    Disbursement,
    MatchCase,
)
from tidu_finance_match.models import CaseRow, ConsentRow, DemandRow
from tidu_shared.auth import Principal, Role
from tidu_shared.errors import FieldProblem, ProblemError

SYSTEM_ACTOR = Actor(ActorRole.SYSTEM, "finance-match")


def china_date(at: datetime) -> date:
    """The calendar day in China (what validity windows and qualifications are dated by)."""
    return at.astimezone(CHINA_TZ).date()


def consent_in_force(consent: Any, now: datetime) -> bool:
    """A consent (ORM object or plain row) not revoked and not expired at ``now``."""
    return (
        consent is not None and consent.revoked_at is None and (consent.expires_at is None or now < consent.expires_at)
    )


def domain_demand(row: DemandRow | Any, consent: ConsentRow | Any | None, now: datetime) -> Demand:
    """The domain demand of a ``demands`` row (ORM object or plain row) and its consent."""
    in_force = consent_in_force(consent, now)
    return Demand(
        demand_id=row.id,
        uscc=row.uscc,
        amount=row.amount,
        purpose=row.purpose,  # type: ignore[arg-type]
        term_months=row.term_months,
        collateral_offered=frozenset(row.collateral_offered),  # type: ignore[arg-type]
        urgency=row.urgency,  # type: ignore[arg-type]
        consent=DemandConsent(
            share_with_institutions=bool(in_force and consent is not None and consent.share_with_institutions),
            credit_lookup=bool(in_force and consent is not None and consent.credit_lookup),
            consent_id=consent.id if consent is not None else None,
            given_at=consent.granted_at if consent is not None else None,
        ),
        product_kinds=frozenset(row.product_kinds) if row.product_kinds else None,  # type: ignore[arg-type]
        has_existing_loan=row.has_existing_loan,
        created_at=row.created_at,
    )


def domain_case(row: CaseRow) -> MatchCase:
    grant = None
    if row.granted_amount is not None and row.granted_on is not None:
        grant = CreditGrant(
            amount=row.granted_amount,
            rate_pct=row.granted_rate_pct if row.granted_rate_pct is not None else 0,  # type: ignore[arg-type]
            term_months=row.granted_term_months,  # type: ignore[arg-type]
            granted_on=row.granted_on,
        )
    disbursement = None
    if row.disbursed_amount is not None and row.disbursed_on is not None:
        disbursement = Disbursement(row.disbursed_amount, row.disbursed_on)
    return MatchCase(
        demand_id=row.demand_id,
        product_code=row.product_code,
        institution_code=row.institution_code,
        uscc=row.uscc,
        state=CaseState(row.state),
        pushed_at=row.pushed_at,
        updated_at=row.updated_at,
        requested_amount=row.requested_amount,
        viewed_at=row.viewed_at,
        decided_at=row.decided_at,
        accepted_at=row.accepted_at,
        declined_at=row.declined_at,
        decline_reason=DeclineReason(row.decline_reason) if row.decline_reason else None,
        decline_note=row.decline_note,
        grant=grant,
        disbursement=disbursement,
        withdrawn_at=row.withdrawn_at,
        withdraw_reason=row.withdraw_reason,
    )


def store_case(row: CaseRow, case: MatchCase) -> None:
    """Copy the domain case's state onto its row (the version is bumped by the caller)."""
    row.state = case.state.value
    row.updated_at = case.updated_at
    row.viewed_at = case.viewed_at
    row.decided_at = case.decided_at
    row.accepted_at = case.accepted_at
    row.declined_at = case.declined_at
    row.decline_reason = case.decline_reason.value if case.decline_reason else None
    row.decline_note = case.decline_note
    if case.grant is not None:
        row.granted_amount = case.grant.amount
        row.granted_rate_pct = case.grant.rate_pct
        row.granted_term_months = case.grant.term_months
        row.granted_on = case.grant.granted_on
    if case.disbursement is not None:
        row.disbursed_amount = case.disbursement.amount
        row.disbursed_on = case.disbursement.disbursed_on
    row.withdrawn_at = case.withdrawn_at
    row.withdraw_reason = case.withdraw_reason


def case_deadline(row: CaseRow) -> ResponseDeadline:
    return ResponseDeadline(
        pushed_at=row.pushed_at,
        working_days=row.working_days,
        due_at=row.due_at,
        remind_at=row.remind_at,
        escalate_at=row.due_at,
        calendar_fallback=row.calendar_fallback,
    )


def actor_of(principal: Principal) -> Actor:
    role = {
        Role.institution: ActorRole.INSTITUTION,
        Role.enterprise: ActorRole.ENTERPRISE,
        Role.operator: ActorRole.OPERATOR,
        Role.admin: ActorRole.ADMIN,
    }.get(principal.role)
    if role is None:
        raise ProblemError(
            403, "role_not_allowed", "无权访问", f"当前角色（{principal.role}）无权执行此操作", "role not allowed"
        )
    scope = principal.inst if role is ActorRole.INSTITUTION else principal.uscc
    return Actor(role, principal.sub, scope)


# --- domain errors → problem+json -------------------------------------------------------------------

_DOMAIN_PROBLEMS: dict[str, tuple[int, str, str]] = {
    # code: (status, title, detail in Chinese)
    "illegal_transition": (409, "状态冲突", "当前状态下不允许该操作"),
    "actor_not_allowed": (403, "无权访问", "无权对该对接记录执行此操作"),
    "decline_reason_required": (
        422,
        "请求数据有误",
        "拒绝须说明原因代码：credit、collateral、documents、policy 或 other",
    ),
    "decline_note_required": (422, "请求数据有误", "原因为“其他”时须填写说明"),
    "invalid_grant": (422, "请求数据有误", "授信金额、利率或期限不合法"),
    "invalid_disbursement": (422, "请求数据有误", "放款金额或日期不合法（不得超过授信金额，不得早于授信日期）"),
    "consent_required": (409, "缺少授权", "企业未授权向金融机构共享数据"),
    "time_order": (409, "状态冲突", "操作时间早于该记录的上一次变更"),
    "invalid_demand": (422, "请求数据有误", "融资需求数据不合法"),
    "invalid_credit_grade": (422, "请求数据有误", "信用等级不合法"),
    "enterprise_mismatch": (422, "请求数据有误", "需求与企业不一致"),
}


def problem_from_domain(err: DomainError) -> ProblemError:
    status, title, detail = _DOMAIN_PROBLEMS.get(err.code, (422, "请求数据有误", "请求无法处理"))
    extra: dict[str, Any] = {}
    for key in ("state", "action", "allowed_from", "allowed"):
        if key in err.details:
            value = err.details[key]
            extra[key] = list(value) if isinstance(value, tuple) else value
    errors = []
    if "field" in err.details:
        errors.append(FieldProblem(str(err.details["field"]), err.code, detail, err.message))
    if err.code == "illegal_transition" and "state" in err.details:
        detail = f"{detail}（当前状态：{err.details['state']}）"
    return ProblemError(status, err.code, title, detail, err.message, errors=errors, extra=extra)


def precondition_failed(current: int) -> ProblemError:
    return ProblemError(
        412,
        "precondition_failed",
        "版本已变化",
        f"记录已被修改（当前版本 {current}），请刷新后重试",
        f"stale If-Match: the current version is {current}",
        headers={"ETag": f'"{current}"'},
        extra={"current_version": current},
    )
