"""The deadline sweep: first-response reminders, escalations and the ``deadline_lapsed`` 融资难 path.

One transaction per sweep (``sweep``):

- a case still awaiting a response (pushed or viewed) whose reminder time has come
  (09:00 China time on the due day) gets one ``case.reminder_due`` event;
- one whose deadline lapsed (after 23:59:59 on the due day) gets one ``case.response_overdue``
  event, escalating it to the financial office (``escalation_department``);
- the open demands of lapsed cases are assessed by the domain (``deadline_lapsed``: a deadline
  lapsed and no institution accepted) and raise ``financing.failed`` once per demand.

Each case is reminded and escalated at most once (``reminded_at`` / ``escalated_at``). ``now`` is
injectable outside production (``POST /v1/scheduler/sweep``) so that tests and drills need not wait
working days. The scheduler task (``scheduler.py``) runs the sweep under a database lease.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_finance_match.context import FinanceContext
from tidu_finance_match.models import CaseRow, ConsentRow, DemandRow
from tidu_finance_match.use_cases.common import domain_demand
from tidu_finance_match.use_cases.engine import OPEN, cases_of, raise_failure_if_due
from tidu_shared.contracts.finance import CASE_REMINDER_DUE, CASE_RESPONSE_OVERDUE
from tidu_shared.db import Database
from tidu_shared.outbox import emit

AWAITING = ("pushed", "viewed")


@dataclass
class SweepReport:
    now: datetime
    reminders: int = 0
    escalations: int = 0
    failures: int = 0
    failed_demands: list[str] = field(default_factory=list)


def _deadline_event(
    session: AsyncSession, ctx: FinanceContext, case: CaseRow, demand: DemandRow, kind: str, now: datetime
) -> None:
    emit(
        session,
        type=CASE_REMINDER_DUE if kind == "reminder" else CASE_RESPONSE_OVERDUE,
        subject=demand.id,
        data={
            "case_id": case.id,
            "demand_id": demand.id,
            "product_code": case.product_code,
            "institution_code": case.institution_code,
            "uscc": case.uscc,
            "district_code": demand.district_code,
            "kind": kind,
            "pushed_at": case.pushed_at,
            "working_days": case.working_days,
            "due_at": case.due_at,
            "escalate_to": ctx.settings.escalation_department if kind == "escalation" else None,
            "calendar_fallback": case.calendar_fallback,
            "at": now,
        },
    )


async def sweep(ctx: FinanceContext, db: Database, now: datetime) -> SweepReport:
    report = SweepReport(now)
    async with db.transaction() as s:
        due = (
            (
                await s.execute(
                    select(CaseRow)
                    .where(
                        CaseRow.state.in_(AWAITING),
                        (CaseRow.remind_at <= now) & CaseRow.reminded_at.is_(None)
                        | (CaseRow.due_at < now) & CaseRow.escalated_at.is_(None),
                    )
                    .order_by(CaseRow.demand_id, CaseRow.id)
                    .with_for_update()
                )
            )
            .scalars()
            .all()
        )
        if not due:
            return report
        demand_ids = sorted({c.demand_id for c in due})
        demands = {
            d.id: d
            for d in (
                await s.execute(select(DemandRow).where(DemandRow.id.in_(demand_ids)).with_for_update())
            ).scalars()
        }
        lapsed_demands: set[str] = set()
        for case in due:
            demand = demands[case.demand_id]
            if case.remind_at <= now and case.reminded_at is None:
                case.reminded_at = now
                _deadline_event(s, ctx, case, demand, "reminder", now)
                report.reminders += 1
            if case.due_at < now and case.escalated_at is None:
                case.escalated_at = now
                _deadline_event(s, ctx, case, demand, "escalation", now)
                report.escalations += 1
                lapsed_demands.add(demand.id)
        open_lapsed = [d for d in sorted(lapsed_demands) if demands[d].status == OPEN]
        if open_lapsed:
            catalogue = await ctx.catalogue.get(s)
            cases = await cases_of(s, open_lapsed)
            for demand_id in open_lapsed:
                row = demands[demand_id]
                consent = await s.get(ConsentRow, row.consent_id) if row.consent_id else None
                failure = await raise_failure_if_due(
                    s,
                    ctx,
                    row=row,
                    demand=domain_demand(row, consent, now),
                    outcome=None,
                    cases=cases[demand_id],
                    catalogue=catalogue,
                    now=now,
                )
                if failure is not None:
                    report.failures += 1
                    report.failed_demands.append(demand_id)
    return report
