"""The issue state machine: which party may do what from which state, and what it changes.

``apply(issue, command, actor=..., at=..., ctx=..., expected_version=...)`` returns an
:class:`~tidu_whistle.domain.model.Outcome` (the new issue and its timeline entries) or raises
:class:`~tidu_whistle.domain.errors.DomainError`. Checks run in this order, first failure wins:

1. ``version_conflict`` — ``expected_version`` (If-Match) is given and is not the issue's;
2. ``illegal_transition`` — no row for (state, action) in :data:`TRANSITIONS`;
3. ``actor_not_permitted`` — the actor's role can never hold a party the row allows;
   ``actor_out_of_scope`` — it could, but not for this issue (another enterprise, department,
   district);
4. the action's own guards (reason required, target department, windows, limits, rating).

The table (E enterprise, C commissioner, L lead department, K coordinator = operator whose
region covers the issue or admin, S system; * = a note/reason is required):

=====================  ===============================================  =====================  ======
action                 from                                             to                     who
=====================  ===============================================  =====================  ======
route                  submitted                                        routed                 S K
route                  triage, returned                                 routed                 K
send_to_triage         submitted                                        triage                 S K
check_in               routed, escalated                                checked_in             L
start                  checked_in, reopened                             in_progress            L
request_extension*     checked_in, in_progress, reopened                extension_requested    L
approve_extension      extension_requested                              in_progress            K
refuse_extension*      extension_requested                              in_progress            K
resolve*               checked_in, in_progress, extension_requested,    resolved               L
                       reopened
return*                routed, escalated, checked_in, in_progress,      returned               L
                       extension_requested, reopened
transfer*              (same as return)                                 routed                 L K
escalate               routed, checked_in, in_progress,                 escalated              S K
                       extension_requested, reopened
confirm                resolved                                         closed                 E
auto_close             resolved (after the confirm window)              closed                 S
rate                   resolved, closed                                 closed (+ reopen)      E
reopen*                resolved, closed (within the reopen window)      reopened               E C
withdraw               every open state (not resolved/closed)           withdrawn              E C
comment*               every state but closed and withdrawn             (unchanged)            E C L
                                                                                               CO K
=====================  ===============================================  =====================  ======

Everything else is ``illegal_transition``; ``submit`` is never a transition (see
``issues.open_issue``). Decisions where the issue text is silent:

* *transferred* is an action, not a state: the receiving department must check in like any
  routed department (state ``routed``), with fresh clocks;
* *escalate* moves the issue to the department of the same kind one level up
  (``sla.escalation_target``); it is refused (``escalation_unavailable``) at the top. An
  escalated issue cannot be escalated again; its breaches are only reported;
* a pending extension request lapses on resolve / return / transfer / escalate / withdraw;
  ``max_extensions`` counts granted extensions;
* reopen and rating windows are calendar days counted from ``resolved_at``; auto-close needs
  ``confirm_window_days`` after ``resolved_at``;
* a reopened issue stays with the department that resolved it (already checked in), with a fresh
  resolution clock; its rating is reset so the next resolution can be rated;
* after ``return`` (and in ``triage``) the issue has no lead; the coordinator routes it;
* admins act as coordinators everywhere; institutions can do nothing here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import MappingProxyType

from tidu_whistle.domain import sla
from tidu_whistle.domain.errors import DomainError, ErrorCode
from tidu_whistle.domain.model import (
    OPEN_STATES,
    ROLE_PARTIES,
    Action,
    Actor,
    Command,
    Issue,
    IssueState,
    Outcome,
    Party,
    Role,
    TimelineEntry,
)
from tidu_whistle.domain.rating import RatingDecision, RatingPolicy, decide, validate_score
from tidu_whistle.domain.reference import DepartmentCode, Reference, region_covers
from tidu_whistle.domain.working_days import DEFAULT_CALENDAR, WorkingCalendar, to_shanghai

S = IssueState
P = Party


@dataclass(frozen=True)
class Rule:
    target: IssueState
    parties: frozenset[Party]
    note_required: bool = False


def _rows(
    action: Action, sources: tuple[IssueState, ...], target: IssueState | None, parties: set[Party], note: bool
) -> dict[tuple[IssueState, Action], Rule]:
    return {(s, action): Rule(target if target is not None else s, frozenset(parties), note) for s in sources}


_HELD = (S.ROUTED, S.ESCALATED, S.CHECKED_IN, S.IN_PROGRESS, S.EXTENSION_REQUESTED, S.REOPENED)
_WORKING = (S.CHECKED_IN, S.IN_PROGRESS, S.EXTENSION_REQUESTED, S.REOPENED)

TRANSITIONS: Mapping[tuple[IssueState, Action], Rule] = MappingProxyType(
    {
        **_rows(Action.ROUTE, (S.SUBMITTED,), S.ROUTED, {P.SYSTEM, P.COORDINATOR}, False),
        **_rows(Action.ROUTE, (S.TRIAGE, S.RETURNED), S.ROUTED, {P.COORDINATOR}, False),
        **_rows(Action.SEND_TO_TRIAGE, (S.SUBMITTED,), S.TRIAGE, {P.SYSTEM, P.COORDINATOR}, False),
        **_rows(Action.CHECK_IN, (S.ROUTED, S.ESCALATED), S.CHECKED_IN, {P.LEAD_DEPARTMENT}, False),
        **_rows(Action.START, (S.CHECKED_IN, S.REOPENED), S.IN_PROGRESS, {P.LEAD_DEPARTMENT}, False),
        **_rows(
            Action.REQUEST_EXTENSION,
            (S.CHECKED_IN, S.IN_PROGRESS, S.REOPENED),
            S.EXTENSION_REQUESTED,
            {P.LEAD_DEPARTMENT},
            True,
        ),
        **_rows(Action.APPROVE_EXTENSION, (S.EXTENSION_REQUESTED,), S.IN_PROGRESS, {P.COORDINATOR}, False),
        **_rows(Action.REFUSE_EXTENSION, (S.EXTENSION_REQUESTED,), S.IN_PROGRESS, {P.COORDINATOR}, True),
        **_rows(Action.RESOLVE, _WORKING, S.RESOLVED, {P.LEAD_DEPARTMENT}, True),
        **_rows(Action.RETURN, _HELD, S.RETURNED, {P.LEAD_DEPARTMENT}, True),
        **_rows(Action.TRANSFER, _HELD, S.ROUTED, {P.LEAD_DEPARTMENT, P.COORDINATOR}, True),
        **_rows(
            Action.ESCALATE,
            (S.ROUTED, S.CHECKED_IN, S.IN_PROGRESS, S.EXTENSION_REQUESTED, S.REOPENED),
            S.ESCALATED,
            {P.SYSTEM, P.COORDINATOR},
            False,
        ),
        **_rows(Action.CONFIRM, (S.RESOLVED,), S.CLOSED, {P.ENTERPRISE}, False),
        **_rows(Action.AUTO_CLOSE, (S.RESOLVED,), S.CLOSED, {P.SYSTEM}, False),
        **_rows(Action.RATE, (S.RESOLVED, S.CLOSED), S.CLOSED, {P.ENTERPRISE}, False),
        **_rows(Action.REOPEN, (S.RESOLVED, S.CLOSED), S.REOPENED, {P.ENTERPRISE, P.COMMISSIONER}, True),
        **_rows(Action.WITHDRAW, tuple(sorted(OPEN_STATES)), S.WITHDRAWN, {P.ENTERPRISE, P.COMMISSIONER}, False),
        **_rows(
            Action.COMMENT,
            tuple(s for s in IssueState if s not in (S.CLOSED, S.WITHDRAWN)),
            None,
            {P.ENTERPRISE, P.COMMISSIONER, P.LEAD_DEPARTMENT, P.CO_DEPARTMENT, P.COORDINATOR},
            True,
        ),
    }
)


@dataclass(frozen=True)
class WorkflowPolicy:
    reopen_window_days: int = 7  # calendar days after resolved_at
    confirm_window_days: int = 7  # auto-close after this many calendar days in resolved
    max_extensions: int = 2  # granted extensions per issue
    max_extension_working_days: int = 10  # per request
    note_max_length: int = 2000
    rating: RatingPolicy = field(default_factory=RatingPolicy)


@dataclass(frozen=True)
class WorkflowContext:
    reference: Reference
    calendar: WorkingCalendar = DEFAULT_CALENDAR
    policy: WorkflowPolicy = field(default_factory=WorkflowPolicy)


# -- parties ------------------------------------------------------------------------------


def parties_of(actor: Actor, issue: Issue) -> frozenset[Party]:
    """The parties ``actor`` holds for ``issue``.

    An operator is the coordinator when their region covers (GB/T 2260) the issue's district or
    the current lead department's region: the city operator (500000) for every Chongqing issue,
    a district operator for its district's issues, and for an issue transferred into its district.
    """
    held: set[Party] = set()
    if actor.role is Role.SYSTEM:
        held.add(Party.SYSTEM)
    elif actor.role is Role.ENTERPRISE:
        if actor.uscc is not None and actor.uscc == issue.enterprise_uscc:
            held.add(Party.ENTERPRISE)
    elif actor.role is Role.COMMISSIONER:
        if issue.enterprise_uscc in actor.enterprises:
            held.add(Party.COMMISSIONER)
    elif actor.role is Role.DEPARTMENT:
        if actor.dept is not None and actor.dept == issue.lead_department:
            held.add(Party.LEAD_DEPARTMENT)
        if actor.dept is not None and actor.dept in issue.co_departments:
            held.add(Party.CO_DEPARTMENT)
    elif actor.role is Role.ADMIN:
        held.add(Party.COORDINATOR)
    elif actor.role is Role.OPERATOR and actor.district is not None:
        lead_region = issue.lead_department.region if issue.lead_department else None
        if region_covers(actor.district, issue.district) or (
            lead_region is not None and region_covers(actor.district, lead_region)
        ):
            held.add(Party.COORDINATOR)
    return frozenset(held)


def rule_for(state: IssueState, action: Action) -> Rule:
    rule = TRANSITIONS.get((state, action))
    if rule is None:
        raise DomainError(
            ErrorCode.ILLEGAL_TRANSITION,
            f"cannot {action} an issue that is {state}",
            state=str(state),
            action=str(action),
        )
    return rule


def check_actor(rule: Rule, actor: Actor, issue: Issue, action: Action) -> None:
    if not rule.parties & ROLE_PARTIES[actor.role]:
        raise DomainError(
            ErrorCode.ACTOR_NOT_PERMITTED,
            f"a {actor.role} may not {action} an issue that is {issue.state}",
            role=str(actor.role),
            action=str(action),
            allowed=sorted(str(p) for p in rule.parties),
        )
    if not rule.parties & parties_of(actor, issue):
        raise DomainError(
            ErrorCode.ACTOR_OUT_OF_SCOPE,
            f"this {actor.role} is not a party that may {action} this issue",
            role=str(actor.role),
            action=str(action),
            allowed=sorted(str(p) for p in rule.parties),
        )


def permitted_actions(issue: Issue, actor: Actor) -> tuple[Action, ...]:
    """Actions the table lets this actor try now (the action's own guards may still refuse)."""
    held = parties_of(actor, issue)
    return tuple(
        action
        for action in Action
        if (rule := TRANSITIONS.get((issue.state, action))) is not None and rule.parties & held
    )


# -- apply --------------------------------------------------------------------------------


def apply(
    issue: Issue,
    command: Command,
    *,
    actor: Actor,
    at: datetime,
    ctx: WorkflowContext,
    expected_version: int | None,
) -> Outcome:
    """Check and perform ``command``; see the module docstring for the order of checks."""
    at = to_shanghai(at)
    if expected_version is not None and expected_version != issue.version:
        raise DomainError(
            ErrorCode.VERSION_CONFLICT,
            f"the issue is at version {issue.version}, not {expected_version}",
            expected=expected_version,
            actual=issue.version,
        )
    rule = rule_for(issue.state, command.action)
    check_actor(rule, actor, issue, command.action)
    note = _note(command, rule, ctx.policy)
    handler = _HANDLERS[command.action]
    return handler(issue, command, rule, actor, at, ctx, note)


def _note(command: Command, rule: Rule, policy: WorkflowPolicy) -> str | None:
    note = (command.note or "").strip() or None
    if rule.note_required and note is None:
        raise DomainError(
            ErrorCode.REASON_REQUIRED, f"{command.action} needs a reason or note", action=str(command.action)
        )
    limit = policy.rating.comment_max_length if command.action is Action.RATE else policy.note_max_length
    if note is not None and len(note) > limit:
        raise DomainError(ErrorCode.NOTE_TOO_LONG, f"the note is longer than {limit} characters", limit=limit)
    return note


def _entry(
    before: Issue,
    after: Issue,
    action: Action,
    actor: Actor,
    at: datetime,
    note: str | None,
    *,
    working_days: int | None = None,
    rating: int | None = None,
) -> TimelineEntry:
    return TimelineEntry(
        issue_id=before.id,
        seq=after.version,
        action=action,
        from_state=before.state,
        to_state=after.state,
        at=at,
        actor_role=actor.role,
        actor_id=actor.subject,
        actor_department=actor.dept if actor.role is Role.DEPARTMENT else None,
        note=note,
        previous_lead=before.lead_department,
        lead_department=after.lead_department,
        co_departments=after.co_departments,
        deadlines=after.deadlines,
        working_days=working_days,
        rating=rating,
        flagged_for_review=after.flagged_for_review,
    )


def _step(
    issue: Issue,
    action: Action,
    rule: Rule,
    actor: Actor,
    at: datetime,
    note: str | None,
    *,
    log_days: int | None = None,
    log_rating: int | None = None,
    **changes: object,
) -> Outcome:
    """Apply ``changes`` to the issue; ``log_*`` go to the timeline entry only."""
    after = replace(issue, state=rule.target, version=issue.version + 1, updated_at=at, **changes)
    entry = _entry(issue, after, action, actor, at, note, working_days=log_days, rating=log_rating)
    return Outcome(after, (entry,))


def _target_departments(
    command: Command, ctx: WorkflowContext, keep_co: tuple[DepartmentCode, ...]
) -> tuple[DepartmentCode, tuple[DepartmentCode, ...]]:
    if command.department is None:
        raise DomainError(
            ErrorCode.DEPARTMENT_REQUIRED, f"{command.action} needs a target department", action=str(command.action)
        )
    lead = ctx.reference.department(command.department)
    raw_co = keep_co if command.co_departments is None else command.co_departments
    co: list[DepartmentCode] = []
    for item in raw_co:
        dept = ctx.reference.department(item)
        if dept != lead and dept not in co:
            co.append(dept)
    return lead, tuple(co)


def _terms(issue: Issue, ctx: WorkflowContext) -> sla.SlaTerms:
    return sla.terms_for(issue.category, ctx.reference)


def _within(issue: Issue, at: datetime, days: int) -> bool:
    return issue.resolved_at is not None and at <= issue.resolved_at + timedelta(days=days)


def _route(
    issue: Issue, cmd: Command, rule: Rule, actor: Actor, at: datetime, ctx: WorkflowContext, note: str | None
) -> Outcome:
    lead, co = _target_departments(cmd, ctx, ())
    return _step(
        issue,
        cmd.action,
        rule,
        actor,
        at,
        note,
        lead_department=lead,
        co_departments=co,
        deadlines=sla.routing_clocks(at, _terms(issue, ctx), ctx.calendar),
    )


def _send_to_triage(
    issue: Issue, cmd: Command, rule: Rule, actor: Actor, at: datetime, ctx: WorkflowContext, note: str | None
) -> Outcome:
    return _step(
        issue,
        cmd.action,
        rule,
        actor,
        at,
        note,
        lead_department=None,
        co_departments=(),
        deadlines=sla.dispatch_clock(at, _terms(issue, ctx), ctx.calendar),
    )


def _plain(
    issue: Issue, cmd: Command, rule: Rule, actor: Actor, at: datetime, ctx: WorkflowContext, note: str | None
) -> Outcome:
    return _step(issue, cmd.action, rule, actor, at, note)


def _request_extension(
    issue: Issue, cmd: Command, rule: Rule, actor: Actor, at: datetime, ctx: WorkflowContext, note: str | None
) -> Outcome:
    limit = ctx.policy.max_extension_working_days
    days = cmd.working_days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= limit:
        raise DomainError(
            ErrorCode.INVALID_WORKING_DAYS, f"ask for 1 to {limit} working days", working_days=days, limit=limit
        )
    if issue.extensions_granted >= ctx.policy.max_extensions:
        raise DomainError(
            ErrorCode.EXTENSION_LIMIT_REACHED,
            f"{issue.extensions_granted} extensions were already granted",
            limit=ctx.policy.max_extensions,
        )
    return _step(issue, cmd.action, rule, actor, at, note, log_days=days, pending_extension_days=days)


def _approve_extension(
    issue: Issue, cmd: Command, rule: Rule, actor: Actor, at: datetime, ctx: WorkflowContext, note: str | None
) -> Outcome:
    asked = issue.pending_extension_days or 0
    days = asked if cmd.working_days is None else cmd.working_days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= max(asked, 1):
        raise DomainError(
            ErrorCode.INVALID_WORKING_DAYS, f"grant 1 to {asked} working days", working_days=days, asked=asked
        )
    return _step(
        issue,
        cmd.action,
        rule,
        actor,
        at,
        note,
        log_days=days,
        deadlines=sla.extended(issue.deadlines, days, ctx.calendar),
        pending_extension_days=None,
        extensions_granted=issue.extensions_granted + 1,
    )


def _refuse_extension(
    issue: Issue, cmd: Command, rule: Rule, actor: Actor, at: datetime, ctx: WorkflowContext, note: str | None
) -> Outcome:
    return _step(issue, cmd.action, rule, actor, at, note, pending_extension_days=None)


def _resolve(
    issue: Issue, cmd: Command, rule: Rule, actor: Actor, at: datetime, ctx: WorkflowContext, note: str | None
) -> Outcome:
    return _step(issue, cmd.action, rule, actor, at, note, resolved_at=at, pending_extension_days=None, rating=None)


def _return(
    issue: Issue, cmd: Command, rule: Rule, actor: Actor, at: datetime, ctx: WorkflowContext, note: str | None
) -> Outcome:
    return _step(
        issue,
        cmd.action,
        rule,
        actor,
        at,
        note,
        lead_department=None,
        co_departments=(),
        pending_extension_days=None,
        deadlines=sla.dispatch_clock(at, _terms(issue, ctx), ctx.calendar),
    )


def _transfer(
    issue: Issue, cmd: Command, rule: Rule, actor: Actor, at: datetime, ctx: WorkflowContext, note: str | None
) -> Outcome:
    lead, co = _target_departments(cmd, ctx, issue.co_departments)
    if lead == issue.lead_department:
        raise DomainError(ErrorCode.SAME_DEPARTMENT, f"the issue is already with {lead}", department=str(lead))
    return _step(
        issue,
        cmd.action,
        rule,
        actor,
        at,
        note,
        lead_department=lead,
        co_departments=co,
        pending_extension_days=None,
        deadlines=sla.routing_clocks(at, _terms(issue, ctx), ctx.calendar),
    )


def _escalate(
    issue: Issue, cmd: Command, rule: Rule, actor: Actor, at: datetime, ctx: WorkflowContext, note: str | None
) -> Outcome:
    target = sla.escalation_target(issue.lead_department, ctx.reference)
    if target is None:
        raise DomainError(
            ErrorCode.ESCALATION_UNAVAILABLE,
            f"{issue.lead_department} has no higher level to escalate to",
            department=str(issue.lead_department),
        )
    co = tuple(d for d in issue.co_departments if d != target)
    return _step(
        issue,
        cmd.action,
        rule,
        actor,
        at,
        note,
        lead_department=target,
        co_departments=co,
        pending_extension_days=None,
        escalation_level=issue.escalation_level + 1,
        deadlines=sla.routing_clocks(at, _terms(issue, ctx), ctx.calendar),
    )


def _close(
    issue: Issue, cmd: Command, rule: Rule, actor: Actor, at: datetime, ctx: WorkflowContext, note: str | None
) -> Outcome:
    if cmd.action is Action.AUTO_CLOSE and _within(issue, at, ctx.policy.confirm_window_days):
        raise DomainError(
            ErrorCode.CONFIRM_WINDOW_OPEN,
            f"the enterprise has {ctx.policy.confirm_window_days} days to confirm",
            days=ctx.policy.confirm_window_days,
        )
    return _step(issue, cmd.action, rule, actor, at, note, closed_at=at)


def _reopen(
    issue: Issue, cmd: Command, rule: Rule, actor: Actor, at: datetime, ctx: WorkflowContext, note: str | None
) -> Outcome:
    if not _within(issue, at, ctx.policy.reopen_window_days):
        raise DomainError(
            ErrorCode.REOPEN_WINDOW_EXPIRED,
            f"an issue can be reopened within {ctx.policy.reopen_window_days} days of its resolution",
            days=ctx.policy.reopen_window_days,
        )
    return _step(
        issue,
        cmd.action,
        rule,
        actor,
        at,
        note,
        closed_at=None,
        rating=None,
        reopen_count=issue.reopen_count + 1,
        deadlines=sla.reopen_clocks(at, _terms(issue, ctx), ctx.calendar),
    )


def _rate(
    issue: Issue, cmd: Command, rule: Rule, actor: Actor, at: datetime, ctx: WorkflowContext, note: str | None
) -> Outcome:
    score = validate_score(cmd.rating)
    if issue.rating is not None:
        raise DomainError(ErrorCode.ALREADY_RATED, "this resolution was already rated", rating=issue.rating)
    decision = decide(score, ctx.policy.rating, reopen_allowed=_within(issue, at, ctx.policy.reopen_window_days))
    rated = _step(
        issue,
        cmd.action,
        rule,
        actor,
        at,
        note,
        log_rating=score,
        rating=score,
        closed_at=issue.closed_at or at,
        flagged_for_review=issue.flagged_for_review or decision is RatingDecision.FLAG,
    )
    if decision is not RatingDecision.REOPEN:
        return rated
    reason = f"低评分（{score} 分）重新打开 / reopened by a low rating ({score})"
    if note:
        reason = f"{reason}: {note}"
    reopened = _reopen(
        rated.issue,
        Command(Action.REOPEN, note=reason),
        rule_for(rated.issue.state, Action.REOPEN),
        actor,
        at,
        ctx,
        reason,
    )
    return Outcome(reopened.issue, rated.entries + reopened.entries)


def _withdraw(
    issue: Issue, cmd: Command, rule: Rule, actor: Actor, at: datetime, ctx: WorkflowContext, note: str | None
) -> Outcome:
    return _step(issue, cmd.action, rule, actor, at, note, pending_extension_days=None)


def _comment(
    issue: Issue, cmd: Command, rule: Rule, actor: Actor, at: datetime, ctx: WorkflowContext, note: str | None
) -> Outcome:
    return _step(issue, cmd.action, rule, actor, at, note)


_Handler = Callable[[Issue, Command, Rule, Actor, datetime, WorkflowContext, str | None], Outcome]

_HANDLERS: Mapping[Action, _Handler] = {
    Action.ROUTE: _route,
    Action.SEND_TO_TRIAGE: _send_to_triage,
    Action.CHECK_IN: _plain,
    Action.START: _plain,
    Action.REQUEST_EXTENSION: _request_extension,
    Action.APPROVE_EXTENSION: _approve_extension,
    Action.REFUSE_EXTENSION: _refuse_extension,
    Action.RESOLVE: _resolve,
    Action.RETURN: _return,
    Action.TRANSFER: _transfer,
    Action.ESCALATE: _escalate,
    Action.CONFIRM: _close,
    Action.AUTO_CLOSE: _close,
    Action.RATE: _rate,
    Action.REOPEN: _reopen,
    Action.WITHDRAW: _withdraw,
    Action.COMMENT: _comment,
}
