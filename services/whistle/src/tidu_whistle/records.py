"""Between the ORM rows and the domain's frozen values: an :class:`IssueRow` is read as a
``domain.model.Issue`` and written back from one (with the query columns kept in step), a
``TimelineEntry`` becomes a :class:`TimelineRow` and back."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from tidu_whistle.domain import sla
from tidu_whistle.domain.model import (
    OPEN_STATES,
    Action,
    Deadlines,
    Issue,
    IssueState,
    Role,
    TimelineEntry,
    Urgency,
)
from tidu_whistle.domain.reference import DepartmentCode
from tidu_whistle.domain.working_days import Deadline, WorkingCalendar, to_shanghai
from tidu_whistle.models import IssueDepartment, IssueRow, TimelineRow

# -- deadlines ----------------------------------------------------------------------------


def deadline_from_dict(d: dict[str, Any] | None) -> Deadline | None:
    if not d:
        return None
    return Deadline(
        start=to_shanghai(datetime.fromisoformat(d["start"])),
        working_days=int(d["working_days"]),
        due_date=date.fromisoformat(d["due_date"]),
        calendar_fallback=bool(d.get("calendar_fallback", False)),
        fallback_years=tuple(int(y) for y in d.get("fallback_years", ())),
    )


def deadlines_from_dict(d: dict[str, Any] | None) -> Deadlines:
    d = d or {}
    return Deadlines(
        dispatch=deadline_from_dict(d.get("dispatch")),
        check_in=deadline_from_dict(d.get("check_in")),
        resolution=deadline_from_dict(d.get("resolution")),
    )


def _dept(code: str | None) -> DepartmentCode | None:
    return DepartmentCode.parse(code) if code else None


def _depts(codes: list[str] | None) -> tuple[DepartmentCode, ...]:
    return tuple(DepartmentCode.parse(c) for c in codes or ())


def _str(dept: DepartmentCode | None) -> str | None:
    return str(dept) if dept is not None else None


# -- issues -------------------------------------------------------------------------------


def issue_from_row(row: IssueRow) -> Issue:
    return Issue(
        id=row.id,
        enterprise_uscc=row.enterprise_uscc,
        category=row.category,
        district=row.district,
        title=row.title,
        description=row.description,
        urgency=Urgency(row.urgency),
        state=IssueState(row.state),
        version=row.version,
        submitted_at=to_shanghai(row.submitted_at),
        updated_at=to_shanghai(row.updated_at),
        lead_department=_dept(row.lead_department),
        co_departments=_depts(row.co_departments),
        deadlines=deadlines_from_dict(row.deadlines),
        resolved_at=to_shanghai(row.resolved_at) if row.resolved_at else None,
        closed_at=to_shanghai(row.closed_at) if row.closed_at else None,
        pending_extension_days=row.pending_extension_days,
        extensions_granted=row.extensions_granted,
        escalation_level=row.escalation_level,
        reopen_count=row.reopen_count,
        rating=row.rating,
        flagged_for_review=row.flagged_for_review,
    )


def next_wakeup(
    issue: Issue,
    *,
    after: datetime | None,
    confirm_window_days: int | None,
    policy: sla.SlaPolicy,
    calendar: WorkingCalendar,
) -> datetime | None:
    """When the scheduler must look at ``issue`` next: the earliest reminder / breach of a running
    clock (strictly after ``after`` when given), or the end of the confirm window of a resolved
    issue (auto-close; ``confirm_window_days`` None = auto-close off)."""
    if issue.state is IssueState.RESOLVED:
        if confirm_window_days is None or issue.resolved_at is None:
            return None
        return issue.resolved_at + timedelta(days=confirm_window_days, seconds=1)
    if issue.state not in OPEN_STATES:
        return None
    if after is None:
        moments = sla.wakeups(issue, policy, calendar)
        return moments[0] if moments else None
    return sla.next_wakeup(issue, after, policy, calendar)


def write_issue(row: IssueRow, issue: Issue, *, wakeup: datetime | None) -> None:
    """Copy the aggregate onto its row and recompute the query columns."""
    row.state = str(issue.state)
    row.version = issue.version
    row.updated_at = issue.updated_at
    row.lead_department = _str(issue.lead_department)
    row.co_departments = [str(d) for d in issue.co_departments]
    row.deadlines = issue.deadlines.to_dict()
    row.resolved_at = issue.resolved_at
    row.closed_at = issue.closed_at
    row.pending_extension_days = issue.pending_extension_days
    row.extensions_granted = issue.extensions_granted
    row.escalation_level = issue.escalation_level
    row.reopen_count = issue.reopen_count
    row.rating = issue.rating
    row.flagged_for_review = issue.flagged_for_review
    current = sla.current_deadline(issue) if issue.is_open else None
    row.due_date = current.due_date if current is not None else None
    row.next_wakeup_at = wakeup


def department_rows(issue: Issue) -> list[IssueDepartment]:
    rows: list[IssueDepartment] = []
    if issue.lead_department is not None:
        rows.append(IssueDepartment(issue_id=issue.id, department=str(issue.lead_department), role="lead"))
    for dept in issue.co_departments:
        if dept != issue.lead_department:
            rows.append(IssueDepartment(issue_id=issue.id, department=str(dept), role="co"))
    return rows


# -- timeline -----------------------------------------------------------------------------


def timeline_row(entry: TimelineEntry) -> TimelineRow:
    return TimelineRow(
        issue_id=entry.issue_id,
        seq=entry.seq,
        action=str(entry.action),
        from_state=str(entry.from_state) if entry.from_state else None,
        to_state=str(entry.to_state),
        at=entry.at,
        actor_role=str(entry.actor_role),
        actor_id=entry.actor_id,
        actor_department=_str(entry.actor_department),
        note=entry.note,
        previous_lead=_str(entry.previous_lead),
        lead_department=_str(entry.lead_department),
        co_departments=[str(d) for d in entry.co_departments],
        deadlines=entry.deadlines.to_dict(),
        working_days=entry.working_days,
        rating=entry.rating,
        flagged_for_review=entry.flagged_for_review,
    )


def entry_from_row(row: TimelineRow) -> TimelineEntry:
    return TimelineEntry(
        issue_id=row.issue_id,
        seq=row.seq,
        action=Action(row.action),
        from_state=IssueState(row.from_state) if row.from_state else None,
        to_state=IssueState(row.to_state),
        at=to_shanghai(row.at),
        actor_role=Role(row.actor_role),
        actor_id=row.actor_id,
        actor_department=_dept(row.actor_department),
        note=row.note,
        previous_lead=_dept(row.previous_lead),
        lead_department=_dept(row.lead_department),
        co_departments=_depts(row.co_departments),
        deadlines=deadlines_from_dict(row.deadlines),
        working_days=row.working_days,
        rating=row.rating,
        flagged_for_review=row.flagged_for_review,
    )
