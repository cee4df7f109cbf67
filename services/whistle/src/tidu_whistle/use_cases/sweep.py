"""The SLA sweep: reminders before a deadline, ``sla_breached`` after it and escalation (district →
city department of the same kind), auto-close of resolved issues after the confirm window.

Which issues: those whose ``next_wakeup_at`` (kept on every write: the earliest reminder or
breach of a running clock, or the end of the confirm window) is due — an indexed range, so a
sweep with nothing due reads nothing; ``full=True`` evaluates every open or resolved issue
(a safety net after a calendar or policy change).

Fires once: each timer has a deterministic key (``sla.timer_key``) recorded in
``fired_timers`` (primary key) in the transaction that emits its event; a key already there is
skipped. Escalation and auto-close go through the state machine as the ``system`` actor with the
issue's version (a concurrent change makes the batch retry). Batches of
``scheduler_batch_size`` issues, one transaction each; the caller's ``keep_alive`` (the lease)
is renewed between batches and the sweep stops if it is lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from tidu_shared.db import Database
from tidu_whistle.context import WhistleContext
from tidu_whistle.domain import sla
from tidu_whistle.domain.errors import DomainError
from tidu_whistle.domain.model import OPEN_STATES, Action, Actor, Command, Issue, IssueState
from tidu_whistle.domain.state_machine import apply
from tidu_whistle.domain.working_days import to_shanghai
from tidu_whistle.models import EnterpriseProfile, FiredTimer, IssueRow
from tidu_whistle.publishing import notify_commissioner, publish_timer
from tidu_whistle.records import issue_from_row
from tidu_whistle.store import (
    DepartmentChange,
    save_transition,
    wakeup_for,
    write_department_changes,
    write_wakeups,
)

SCHEDULER = Actor.system("whistle-scheduler")
_CLOCK_ZH = {sla.Clock.DISPATCH: "分拨", sla.Clock.CHECK_IN: "报到", sla.Clock.RESOLUTION: "办结"}
_SWEPT_STATES = tuple(str(s) for s in (*OPEN_STATES, IssueState.RESOLVED))


@dataclass
class SweepReport:
    now: datetime
    examined: int = 0
    reminders: int = 0
    breaches: int = 0
    escalations: int = 0
    auto_closed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


KeepAlive = Callable[[], Awaitable[bool]]


async def due_issue_ids(db: Database, now: datetime, *, full: bool) -> list[str]:
    async with db.read() as s:
        if full:
            q = select(IssueRow.id).where(IssueRow.state.in_(_SWEPT_STATES))
        else:
            q = select(IssueRow.id).where(IssueRow.next_wakeup_at <= now)
        return list(await s.scalars(q.order_by(IssueRow.id)))


async def sweep(
    db: Database,
    ctx: WhistleContext,
    *,
    now: datetime,
    full: bool = False,
    keep_alive: KeepAlive | None = None,
) -> SweepReport:
    report = SweepReport(now=to_shanghai(now))
    ids = await due_issue_ids(db, now, full=full)
    size = ctx.settings.scheduler_batch_size
    for start in range(0, len(ids), size):
        if keep_alive is not None and not await keep_alive():
            report.errors.append("lease lost; sweep stopped")
            break
        await _batch_with_retry(db, ctx, ids[start : start + size], report)
    return report


async def _batch_with_retry(db: Database, ctx: WhistleContext, ids: Sequence[str], report: SweepReport) -> None:
    for attempt in range(3):
        partial = SweepReport(now=report.now)
        try:
            async with db.transaction() as s:
                await _batch(s, ctx, ids, partial)
        except StaleDataError:
            if attempt == 2:
                report.errors.append(f"batch of {len(ids)} skipped after concurrent changes")
                report.skipped += len(ids)
            continue
        for name in ("examined", "reminders", "breaches", "escalations", "auto_closed", "skipped"):
            setattr(report, name, getattr(report, name) + getattr(partial, name))
        report.errors.extend(partial.errors)
        return


@dataclass
class _Writes:
    """What a batch writes in a few statements at its end, instead of a few per issue."""

    departments: list[DepartmentChange] = field(default_factory=list)
    wakeups: list[tuple[str, int, datetime | None]] = field(default_factory=list)
    fired: list[dict[str, object]] = field(default_factory=list)

    def wake(self, row: IssueRow, at: datetime | None) -> None:
        if at != row.next_wakeup_at:
            self.wakeups.append((row.id, row.version, at))


async def _batch(s: AsyncSession, ctx: WhistleContext, ids: Sequence[str], report: SweepReport) -> None:
    rows = list(await s.scalars(select(IssueRow).where(IssueRow.id.in_(ids))))
    fired = set(await s.scalars(select(FiredTimer.key).where(FiredTimer.issue_id.in_(ids))))
    usccs = {r.enterprise_uscc for r in rows}
    profiles = {p.uscc: p for p in await s.scalars(select(EnterpriseProfile).where(EnterpriseProfile.uscc.in_(usccs)))}
    writes = _Writes()
    for row in rows:
        report.examined += 1
        issue = issue_from_row(row)
        profile = profiles.get(row.enterprise_uscc)
        if issue.state is IssueState.RESOLVED:
            await _auto_close(s, ctx, row, issue, profile, report, writes)
            continue
        await _timers(s, ctx, row, issue, profile, fired, report, writes)
    await write_department_changes(s, writes.departments)
    await write_wakeups(s, writes.wakeups)
    if writes.fired:
        await (await s.connection()).execute(FiredTimer.__table__.insert(), writes.fired)


async def _auto_close(
    s: AsyncSession,
    ctx: WhistleContext,
    row: IssueRow,
    issue: Issue,
    profile: EnterpriseProfile | None,
    report: SweepReport,
    writes: _Writes,
) -> None:
    if ctx.confirm_window_days is None:
        writes.wake(row, None)
        return
    try:
        outcome = apply(
            issue, Command(Action.AUTO_CLOSE), actor=SCHEDULER, at=report.now, ctx=ctx.workflow, expected_version=None
        )
    except DomainError:  # the confirm window is still open
        writes.wake(row, wakeup_for(ctx, issue))
        return
    await save_transition(s, ctx, row=row, before=issue, outcome=outcome, profile=profile, deferred=writes.departments)
    report.auto_closed += 1


async def _timers(
    s: AsyncSession,
    ctx: WhistleContext,
    row: IssueRow,
    issue: Issue,
    profile: EnterpriseProfile | None,
    fired: set[str],
    report: SweepReport,
    writes: _Writes,
) -> None:
    now = report.now
    current = issue
    escalated = False
    for timer in sla.due_timers(issue, now, ctx.reference, ctx.sla_policy, ctx.calendar):
        if timer.key in fired:
            continue
        fired.add(timer.key)
        writes.fired.append(
            {
                "key": timer.key,
                "issue_id": issue.id,
                "kind": str(timer.kind),
                "clock": str(timer.clock),
                "fired_at": now,
            }
        )
        publish_timer(s, issue=issue, timer=timer, at=now, source=row.source, holder=_holder(ctx, issue))
        if timer.kind is sla.TimerKind.REMINDER:
            report.reminders += 1
            continue
        report.breaches += 1
        if timer.escalate_to is None or escalated:
            if profile is not None:
                notify_commissioner(
                    s,
                    issue=issue,
                    commissioner_id=profile.commissioner_id,
                    commissioner_name=profile.commissioner_name,
                    reason="sla_breached",
                    at=now,
                    source=row.source,
                )
            continue
        note = (
            f"超过{_CLOCK_ZH[timer.clock]}时限（{timer.deadline.due_date.isoformat()}），自动提级至{timer.escalate_to}"
            f" / escalated: the {timer.clock} deadline passed"
        )
        try:
            outcome = apply(
                current,
                Command(Action.ESCALATE, note=note),
                actor=SCHEDULER,
                at=now,
                ctx=ctx.workflow,
                expected_version=current.version,
            )
        except DomainError as exc:
            report.skipped += 1
            report.errors.append(f"{issue.id}: {exc.code}")
            continue
        await save_transition(
            s, ctx, row=row, before=current, outcome=outcome, profile=profile, deferred=writes.departments
        )
        current = outcome.issue
        escalated = True
        report.escalations += 1
    if not escalated:
        writes.wake(row, wakeup_for(ctx, current, after=now))


def _holder(ctx: WhistleContext, issue: Issue) -> str | None:
    if issue.lead_department is not None:
        return str(issue.lead_department)
    try:
        return str(ctx.reference.coordinator_for(issue.district))
    except DomainError:
        return None
