"""Statistics of issues, as pure functions over :class:`IssueSummary` values.

Build a summary per issue with :func:`summarize` (issue + its timeline), then call
:func:`compute_statistics`. Definitions:

* **Cohort.** An issue belongs to the period of its *acceptance* (受理): its first ``route`` or
  ``send_to_triage`` entry, on the Shanghai calendar. Issues never accepted (withdrawn while
  ``submitted``) are not counted. ``start``/``end`` filter on that date, ``[start, end)``.
* **accepted**: issues in the cohort. **closed**: of those, issues now in state ``closed``.
  **withdrawn**: now ``withdrawn``. **closure rate** = closed ÷ accepted.
* **closed on time**: a closed issue whose final resolution (the last ``resolve``) happened on or
  before the resolution deadline in force at that moment (extensions included) — i.e. the Shanghai
  date of the resolution is not after the due date. Confirmation by the enterprise may come later.
* **overdue now**: an open issue (not resolved / closed / withdrawn) whose running deadline
  (dispatch, check-in or resolution, see ``sla.py``) is past at ``as_of``.
* **on-time rate** = closed on time ÷ (closed + overdue now); ``None`` when the divisor is 0.
* **Stage durations**, in elapsed hours (wall clock, not working hours), per *assignment* (each
  time a department receives the issue: route, transfer, escalate; a reopen starts a new
  assignment that is already checked in): routed → checked in, and checked in → resolved.
  Reported as count, median and p90, by **linear interpolation between closest ranks** (the
  "type 7" rule of R / NumPy / Excel PERCENTILE.INC): ``h = (n − 1)·p``, value =
  ``x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])``; so the median is the usual median.
* **return rate / transfer rate** = assignments ended by ``return`` / ``transfer`` ÷ assignments.
* **Satisfaction**: every rating given (a low rating that reopened an issue still counts), its
  mean, and the share of ratings ≥ 4 (satisfaction rate).

Per department, an issue counts for every department it was assigned to (or that holds it now:
the coordinator for triaged / returned issues); *closed* and *closed on time* count for the
department that made the final resolution, *overdue now* for the current holder, durations,
returns and transfers for that department's own assignments, ratings for the department that
had resolved the issue when it was rated.

Ranking of departments (:func:`rank_departments`): on-time rate, then closure rate, then mean
rating, all descending (a missing figure ranks below any value); then more accepted issues first;
"competition" ranks (1, 2, 2, 4) for departments equal on the three rates.

``as_of`` is the instant at which overdue is judged (normally now); the summaries describe the
issues' current state.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from tidu_whistle.domain import sla
from tidu_whistle.domain.errors import DomainError, ErrorCode
from tidu_whistle.domain.model import OPEN_STATES, Action, Issue, IssueState, TimelineEntry
from tidu_whistle.domain.rating import satisfied
from tidu_whistle.domain.reference import DepartmentCode
from tidu_whistle.domain.working_days import local_date, to_shanghai


class Granularity(StrEnum):
    WEEK = "week"  # ISO week, "2025-W40"
    MONTH = "month"  # "2025-10"
    QUARTER = "quarter"  # "2025-Q4"
    YEAR = "year"  # "2025"


def period_key(day: date, granularity: Granularity) -> str:
    if granularity is Granularity.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if granularity is Granularity.MONTH:
        return f"{day.year}-{day.month:02d}"
    if granularity is Granularity.QUARTER:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


# -- summaries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    department: DepartmentCode
    routed_at: datetime | None  # None for a reopen (no check-in stage)
    checked_in_at: datetime | None
    resolved_at: datetime | None
    ended_by: Action | None  # resolve / return / transfer / escalate / withdraw; None while held


@dataclass(frozen=True)
class IssueSummary:
    issue_id: str
    category: str
    district: str
    state: IssueState
    accepted_at: datetime | None
    closed_on_time: bool | None  # None unless closed
    open_due_date: date | None  # earliest running deadline of an open issue
    holder: DepartmentCode | None  # lead now, or the coordinator in triage / returned
    resolver: DepartmentCode | None  # who made the final resolution
    assignments: tuple[Assignment, ...] = ()
    ratings: tuple[tuple[int, DepartmentCode | None], ...] = ()

    def overdue_at(self, as_of: datetime) -> bool:
        return self.state in OPEN_STATES and self.open_due_date is not None and local_date(as_of) > self.open_due_date


_STARTS = (Action.ROUTE, Action.TRANSFER, Action.ESCALATE)


@dataclass
class _Held:
    """An assignment being walked (mutable while summarize reads the timeline)."""

    department: DepartmentCode
    routed_at: datetime | None
    checked_in_at: datetime | None = None
    resolved_at: datetime | None = None

    def freeze(self, ended_by: Action | None) -> Assignment:
        return Assignment(self.department, self.routed_at, self.checked_in_at, self.resolved_at, ended_by)


def summarize(
    issue: Issue, timeline: Iterable[TimelineEntry], *, coordinator: DepartmentCode | None = None
) -> IssueSummary:
    """Derive the statistics' view of one issue from its current row and its timeline.

    ``coordinator``: the district coordinator's department, the holder of a triaged / returned
    issue (``Reference.coordinator_for(issue.district)``).
    """
    accepted_at: datetime | None = None
    done: list[Assignment] = []
    current: _Held | None = None
    last_resolve: TimelineEntry | None = None
    ratings: list[tuple[int, DepartmentCode | None]] = []

    def end(by: Action | None) -> None:
        nonlocal current
        if current is not None:
            done.append(current.freeze(by))
            current = None

    for entry in sorted(timeline, key=lambda e: e.seq):
        action = entry.action
        if accepted_at is None and action in (Action.ROUTE, Action.SEND_TO_TRIAGE):
            accepted_at = entry.at
        if action in _STARTS and entry.lead_department is not None:
            end(action)
            current = _Held(entry.lead_department, routed_at=entry.at)
        elif action is Action.CHECK_IN and current is not None and current.checked_in_at is None:
            current.checked_in_at = entry.at
        elif action is Action.RESOLVE and current is not None:
            current.resolved_at = entry.at
            last_resolve = entry
            end(Action.RESOLVE)
        elif action in (Action.RETURN, Action.WITHDRAW):
            end(action)
        elif action is Action.REOPEN and entry.lead_department is not None:
            end(None)
            current = _Held(entry.lead_department, routed_at=None, checked_in_at=entry.at)
        elif action is Action.RATE and entry.rating is not None:
            ratings.append((entry.rating, entry.lead_department))
    end(None)

    closed_on_time: bool | None = None
    resolver = last_resolve.lead_department if last_resolve is not None else None
    if issue.state is IssueState.CLOSED and last_resolve is not None:
        deadline = last_resolve.deadlines.resolution
        closed_on_time = deadline.met_by(last_resolve.at) if deadline is not None else None

    due = sla.current_deadline(issue) if issue.state in OPEN_STATES else None
    holder = issue.lead_department
    if holder is None and issue.state in (IssueState.TRIAGE, IssueState.RETURNED):
        holder = coordinator
    return IssueSummary(
        issue_id=issue.id,
        category=issue.category,
        district=issue.district,
        state=issue.state,
        accepted_at=accepted_at,
        closed_on_time=closed_on_time,
        open_due_date=due.due_date if due is not None else None,
        holder=holder if issue.state in OPEN_STATES else None,
        resolver=resolver,
        assignments=tuple(done),
        ratings=tuple(ratings),
    )


# -- figures ------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (type 7); None for no values."""
    if not 0 <= p <= 1:
        raise ValueError("p must be within [0, 1]")
    if not values:
        return None
    xs = sorted(values)
    h = (len(xs) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


@dataclass(frozen=True)
class Distribution:
    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Distribution:
        return cls(len(values), percentile(values, 0.5), percentile(values, 0.9))


@dataclass(frozen=True)
class Figures:
    accepted: int
    closed: int
    withdrawn: int
    closure_rate: float | None
    closed_on_time: int
    overdue_now: int
    on_time_rate: float | None
    check_in_hours: Distribution  # routed → checked in
    handling_hours: Distribution  # checked in → resolved
    assignments: int
    returns: int
    transfers: int
    escalations: int
    return_rate: float | None
    transfer_rate: float | None
    ratings: int
    mean_rating: float | None
    satisfaction_rate: float | None  # share of ratings >= 4


@dataclass(frozen=True)
class GroupFigures:
    key: str
    figures: Figures


@dataclass(frozen=True)
class _Share:
    """One issue's contribution to one group."""

    summary: IssueSummary
    assignments: tuple[Assignment, ...]
    ratings: tuple[int, ...]
    closed: bool
    closed_on_time: bool
    overdue: bool


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def _figures(shares: Sequence[_Share]) -> Figures:
    accepted = len(shares)
    closed = sum(s.closed for s in shares)
    on_time = sum(s.closed_on_time for s in shares)
    overdue = sum(s.overdue for s in shares)
    assignments = [a for s in shares for a in s.assignments]
    check_in = [_hours(a.routed_at, a.checked_in_at) for a in assignments if a.routed_at and a.checked_in_at]
    handling = [_hours(a.checked_in_at, a.resolved_at) for a in assignments if a.checked_in_at and a.resolved_at]
    returns = sum(a.ended_by is Action.RETURN for a in assignments)
    transfers = sum(a.ended_by is Action.TRANSFER for a in assignments)
    escalations = sum(a.ended_by is Action.ESCALATE for a in assignments)
    scores = [r for s in shares for r in s.ratings]
    return Figures(
        accepted=accepted,
        closed=closed,
        withdrawn=sum(s.summary.state is IssueState.WITHDRAWN for s in shares),
        closure_rate=_ratio(closed, accepted),
        closed_on_time=on_time,
        overdue_now=overdue,
        on_time_rate=_ratio(on_time, closed + overdue),
        check_in_hours=Distribution.of(check_in),
        handling_hours=Distribution.of(handling),
        assignments=len(assignments),
        returns=returns,
        transfers=transfers,
        escalations=escalations,
        return_rate=_ratio(returns, len(assignments)),
        transfer_rate=_ratio(transfers, len(assignments)),
        ratings=len(scores),
        mean_rating=(sum(scores) / len(scores)) if scores else None,
        satisfaction_rate=_ratio(sum(satisfied(r) for r in scores), len(scores)),
    )


def _whole(summary: IssueSummary, as_of: datetime) -> _Share:
    closed = summary.state is IssueState.CLOSED
    return _Share(
        summary=summary,
        assignments=summary.assignments,
        ratings=tuple(r for r, _ in summary.ratings),
        closed=closed,
        closed_on_time=closed and bool(summary.closed_on_time),
        overdue=summary.overdue_at(as_of),
    )


def _department_shares(summary: IssueSummary, as_of: datetime) -> dict[str, _Share]:
    departments = {a.department for a in summary.assignments}
    if summary.holder is not None:
        departments.add(summary.holder)
    closed = summary.state is IssueState.CLOSED
    out: dict[str, _Share] = {}
    for dept in departments:
        resolved_here = closed and summary.resolver == dept
        out[str(dept)] = _Share(
            summary=summary,
            assignments=tuple(a for a in summary.assignments if a.department == dept),
            ratings=tuple(r for r, d in summary.ratings if d == dept),
            closed=resolved_here,
            closed_on_time=resolved_here and bool(summary.closed_on_time),
            overdue=summary.holder == dept and summary.overdue_at(as_of),
        )
    return out


def _grouped(
    summaries: Sequence[IssueSummary], as_of: datetime, key: Callable[[IssueSummary], str]
) -> tuple[GroupFigures, ...]:
    groups: dict[str, list[_Share]] = defaultdict(list)
    for s in summaries:
        groups[key(s)].append(_whole(s, as_of))
    return tuple(GroupFigures(k, _figures(v)) for k, v in sorted(groups.items()))


def by_department(summaries: Sequence[IssueSummary], as_of: datetime) -> tuple[GroupFigures, ...]:
    groups: dict[str, list[_Share]] = defaultdict(list)
    for s in summaries:
        for dept, share in _department_shares(s, as_of).items():
            groups[dept].append(share)
    return tuple(GroupFigures(k, _figures(v)) for k, v in sorted(groups.items()))


@dataclass(frozen=True)
class RankedDepartment:
    rank: int
    department: str
    figures: Figures


def rank_departments(groups: Sequence[GroupFigures], *, min_accepted: int = 1) -> tuple[RankedDepartment, ...]:
    """Departments ordered best first (see the module docstring); fewer than ``min_accepted`` left out."""

    def rates(f: Figures) -> tuple[float, float, float]:
        def v(x: float | None) -> float:
            return -1.0 if x is None else x

        return (v(f.on_time_rate), v(f.closure_rate), v(f.mean_rating))

    eligible = [g for g in groups if g.figures.accepted >= min_accepted]
    ordered = sorted(eligible, key=lambda g: (tuple(-x for x in rates(g.figures)), -g.figures.accepted, g.key))
    ranked: list[RankedDepartment] = []
    for position, group in enumerate(ordered, start=1):
        tied = bool(ranked) and rates(group.figures) == rates(ranked[-1].figures)
        rank = ranked[-1].rank if tied else position
        ranked.append(RankedDepartment(rank, group.key, group.figures))
    return tuple(ranked)


@dataclass(frozen=True)
class StatisticsReport:
    as_of: datetime
    granularity: Granularity
    start: date | None
    end: date | None
    total: Figures
    by_department: tuple[GroupFigures, ...]
    by_category: tuple[GroupFigures, ...]
    by_district: tuple[GroupFigures, ...]
    by_period: tuple[GroupFigures, ...]
    ranking: tuple[RankedDepartment, ...] = field(default=())


def in_cohort(summary: IssueSummary, as_of: datetime, start: date | None, end: date | None) -> bool:
    if summary.accepted_at is None or summary.accepted_at > as_of:
        return False
    day = local_date(summary.accepted_at)
    return (start is None or day >= start) and (end is None or day < end)


def compute_statistics(
    summaries: Iterable[IssueSummary],
    *,
    as_of: datetime,
    granularity: Granularity = Granularity.MONTH,
    start: date | None = None,
    end: date | None = None,
    min_accepted_for_ranking: int = 1,
) -> StatisticsReport:
    """Every figure, in total and per department, category, district and period."""
    as_of = to_shanghai(as_of)
    if start is not None and end is not None and end <= start:
        raise DomainError(ErrorCode.INVALID_QUERY, "end must be after start", start=str(start), end=str(end))
    cohort = [s for s in summaries if in_cohort(s, as_of, start, end)]
    departments = by_department(cohort, as_of)
    return StatisticsReport(
        as_of=as_of,
        granularity=granularity,
        start=start,
        end=end,
        total=_figures([_whole(s, as_of) for s in cohort]),
        by_department=departments,
        by_category=_grouped(cohort, as_of, lambda s: s.category),
        by_district=_grouped(cohort, as_of, lambda s: s.district),
        by_period=_grouped(
            cohort,
            as_of,
            lambda s: period_key(local_date(s.accepted_at), granularity),  # type: ignore[arg-type]
        ),
        ranking=rank_departments(departments, min_accepted=min_accepted_for_ranking),
    )
