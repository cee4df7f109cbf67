"""Use cases of the institution workflow: view, accept, decline (with a reason code), grant credit,
disburse — one transaction each, through the domain state machine (``domain.workflow``).

- Who: an institution acts on cases of its own products (another institution's case is 404),
  an admin on any (corrections). The domain refuses other actors too.
- Optimistic concurrency: ``If-Match: "<version>"`` (the case's ``version``) → 412 when stale;
  without If-Match the action applies to the current version. The demand row is locked first
  (then the case), so the 融资难 decision after a decline sees every case of the demand as
  committed (two institutions declining at once cannot both miss the "all declined" moment).
- Illegal transitions → 409 ``illegal_transition`` (with the current state and the states the
  action is allowed from).
- After a decline the demand is assessed for the 融资难 path (``all_declined``); after a
  disbursement the demand is financed (closed: it is no longer re-matched).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_finance_match.context import FinanceContext
from tidu_finance_match.domain.errors import DomainError
from tidu_finance_match.domain.workflow import (
    Action,
    MatchCase,
    TimelineEntry,
    Transition,
    accept,
    decline,
    disburse,
    grant_credit,
    view,
)
from tidu_finance_match.models import CaseRow, CaseTimelineRow, ConsentRow, DemandRow
from tidu_finance_match.use_cases.common import (
    actor_of,
    domain_case,
    domain_demand,
    precondition_failed,
    problem_from_domain,
    store_case,
)
from tidu_finance_match.use_cases.engine import raise_failure_if_due
from tidu_shared.audit import hides_existence
from tidu_shared.auth import Principal, Role
from tidu_shared.contracts.finance import DEMAND_FINANCED, case_event_type
from tidu_shared.db import Database
from tidu_shared.errors import ProblemError, not_found
from tidu_shared.outbox import emit, utcnow

FACT = {
    Action.VIEW: "viewed",
    Action.ACCEPT: "accepted",
    Action.DECLINE: "declined",
    Action.GRANT_CREDIT: "credit_granted",
    Action.DISBURSE: "disbursed",
    Action.WITHDRAW: "withdrawn",
}


@dataclass(frozen=True)
class CaseCommand:
    action: Action
    note: str | None = None
    reason: str | None = None
    amount: Decimal | None = None
    rate_pct: Decimal | None = None
    term_months: Decimal | None = None
    granted_on: date | None = None
    disbursed_on: date | None = None


def _case_not_found() -> ProblemError:
    return not_found("case_not_found", "对接记录", "case")


def case_event(session: AsyncSession, demand: DemandRow, row: CaseRow, entry: TimelineEntry) -> None:
    d = entry.details
    emit(
        session,
        type=case_event_type(FACT[entry.action]),
        subject=demand.id,
        data={
            "case_id": row.id,
            "demand_id": demand.id,
            "product_code": row.product_code,
            "institution_code": row.institution_code,
            "uscc": row.uscc,
            "district_code": demand.district_code,
            "action": entry.action.value,
            "from_state": entry.from_state.value if entry.from_state else "",
            "to_state": entry.to_state.value,
            "version": row.version,
            "actor_role": entry.actor.role.value,
            "actor_id": entry.actor.actor_id,
            "at": entry.at,
            "decline_reason": d.get("reason") if entry.action is Action.DECLINE else None,
            "note": d.get("note") or (d.get("reason") if entry.action is Action.WITHDRAW else None),
            "granted_amount": row.granted_amount if entry.action is Action.GRANT_CREDIT else None,
            "rate_pct": row.granted_rate_pct if entry.action is Action.GRANT_CREDIT else None,
            "term_months": row.granted_term_months if entry.action is Action.GRANT_CREDIT else None,
            "granted_on": row.granted_on if entry.action is Action.GRANT_CREDIT else None,
            "disbursed_amount": row.disbursed_amount if entry.action is Action.DISBURSE else None,
            "disbursed_on": row.disbursed_on if entry.action is Action.DISBURSE else None,
            "decision_seconds": (
                (row.decided_at - row.pushed_at).total_seconds()
                if entry.action in (Action.ACCEPT, Action.DECLINE) and row.decided_at is not None
                else None
            ),
        },
    )


def _transition(cmd: CaseCommand) -> Callable[..., Transition]:
    def run(case: MatchCase, **kw: object) -> Transition:
        a = cmd.action
        if a is Action.VIEW:
            return view(case, **kw)  # type: ignore[arg-type]
        if a is Action.ACCEPT:
            return accept(case, note=cmd.note, **kw)  # type: ignore[arg-type]
        if a is Action.DECLINE:
            return decline(case, reason=cmd.reason, note=cmd.note, **kw)  # type: ignore[arg-type]
        if a is Action.GRANT_CREDIT:
            assert cmd.amount is not None and cmd.rate_pct is not None and cmd.term_months is not None
            return grant_credit(
                case,
                amount=cmd.amount,
                rate_pct=cmd.rate_pct,
                term_months=cmd.term_months,
                granted_on=cmd.granted_on,
                **kw,  # type: ignore[arg-type]
            )
        if a is Action.DISBURSE:
            assert cmd.amount is not None and cmd.disbursed_on is not None
            return disburse(case, amount=cmd.amount, disbursed_on=cmd.disbursed_on, **kw)  # type: ignore[arg-type]
        raise ValueError(f"not an institution action: {a}")

    return run


async def act_on_case(
    ctx: FinanceContext,
    db: Database,
    principal: Principal,
    case_id: str,
    cmd: CaseCommand,
    *,
    if_match: int | None,
) -> CaseRow:
    if principal.role not in (Role.institution, Role.admin):
        raise ProblemError(
            403,
            "role_not_allowed",
            "无权访问",
            f"只有金融机构可以处理对接记录（当前角色：{principal.role}）",
            "only institutions act on cases",
        )
    actor = actor_of(principal)
    now = utcnow()
    async with db.transaction() as s:
        demand_id = (await s.execute(select(CaseRow.demand_id).where(CaseRow.id == case_id))).scalar_one_or_none()
        if demand_id is None:
            raise _case_not_found()
        demand = (await s.execute(select(DemandRow).where(DemandRow.id == demand_id).with_for_update())).scalar_one()
        row = (await s.execute(select(CaseRow).where(CaseRow.id == case_id).with_for_update())).scalar_one()
        if principal.role == Role.institution and row.institution_code != principal.inst:
            raise hides_existence(_case_not_found())
        if if_match is not None and if_match != row.version:
            raise precondition_failed(row.version)
        try:
            transition = _transition(cmd)(domain_case(row), at=now, actor=actor)
        except DomainError as exc:
            raise problem_from_domain(exc) from exc
        store_case(row, transition.case)
        row.version += 1
        entry = transition.entry
        s.add(
            CaseTimelineRow(
                case_id=row.id,
                demand_id=demand.id,
                at=now,
                action=entry.action.value,
                from_state=entry.from_state.value if entry.from_state else None,
                to_state=entry.to_state.value,
                actor_role=actor.role.value,
                actor_id=actor.actor_id,
                details=dict(entry.details),
            )
        )
        case_event(s, demand, row, entry)
        if cmd.action is Action.DECLINE:
            consent = await s.get(ConsentRow, demand.consent_id) if demand.consent_id else None
            cases = list((await s.execute(select(CaseRow).where(CaseRow.demand_id == demand.id))).scalars())
            await raise_failure_if_due(
                s,
                ctx,
                row=demand,
                demand=domain_demand(demand, consent, now),
                outcome=None,
                cases=cases,
                catalogue=await ctx.catalogue.get(s),
                now=now,
            )
        elif cmd.action is Action.DISBURSE and demand.status == "open":
            demand.status = "financed"
            demand.closed_at = now
            demand.updated_at = now
            demand.version += 1
            emit(
                s,
                type=DEMAND_FINANCED,
                subject=demand.id,
                data={
                    "demand_id": demand.id,
                    "uscc": demand.uscc,
                    "district_code": demand.district_code,
                    "status": "financed",
                    "reason": f"{row.product_code} 已放款",
                    "at": now,
                },
            )
    return row


async def read_case(db: Database, principal: Principal, case_id: str) -> tuple[CaseRow, DemandRow]:
    async with db.read() as s:
        row = await s.get(CaseRow, case_id)
        demand = await s.get(DemandRow, row.demand_id) if row is not None else None
    if row is None or demand is None:
        raise _case_not_found()
    role = principal.role
    if role == Role.institution and row.institution_code != principal.inst:
        raise hides_existence(_case_not_found())
    if role == Role.enterprise and row.uscc != principal.uscc:
        raise hides_existence(_case_not_found())
    if role == Role.operator and not principal.sees_district(demand.district_code):
        raise ProblemError(403, "other_district", "无权访问", "只能查看本区县企业的对接记录", "other district")
    if role not in (Role.institution, Role.enterprise, Role.operator, Role.admin):
        raise ProblemError(403, "role_not_allowed", "无权访问", "当前角色无权查看对接记录", "role not allowed")
    return row, demand
