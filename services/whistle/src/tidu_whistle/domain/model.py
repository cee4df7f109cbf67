"""The whistle domain's vocabulary: states, actions, actors, the issue aggregate, timeline entries.

These are plain frozen values; the rules that change them live in ``state_machine.py``
(transitions), ``sla.py`` (deadlines), ``routing.py``, ``rating.py``. The ORM maps an
:class:`Issue` to a row and :class:`TimelineEntry` to a row of the issue's timeline; the
``to_dict`` methods give JSON-able payloads for events and responses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from tidu_whistle.domain.reference import DepartmentCode
from tidu_whistle.domain.working_days import Deadline


class IssueState(StrEnum):
    SUBMITTED = "submitted"  # raised; routing has not run yet
    TRIAGE = "triage"  # unroutable (or category "other"): with the district coordinator
    ROUTED = "routed"  # assigned to a lead department, waiting for its check-in (报到)
    CHECKED_IN = "checked_in"  # the lead department checked in
    IN_PROGRESS = "in_progress"  # the lead department is handling it
    EXTENSION_REQUESTED = "extension_requested"  # the lead asked for more time; coordinator decides
    RETURNED = "returned"  # 退单: the lead sent it back to the coordinator, with a reason
    ESCALATED = "escalated"  # moved up to the city department of the same kind; waiting for check-in
    REOPENED = "reopened"  # the enterprise reopened it after resolution (or by a low rating)
    RESOLVED = "resolved"  # the lead says it is resolved; waiting for the enterprise to confirm
    CLOSED = "closed"  # confirmed (or auto-closed); may still be reopened within the window
    WITHDRAWN = "withdrawn"  # withdrawn by the enterprise; final


OPEN_STATES: frozenset[IssueState] = frozenset(IssueState) - {
    IssueState.RESOLVED,
    IssueState.CLOSED,
    IssueState.WITHDRAWN,
}
"""States in which the issue still waits for a department or the coordinator to act."""

FINAL_STATES: frozenset[IssueState] = frozenset({IssueState.WITHDRAWN})


class Action(StrEnum):
    SUBMIT = "submit"  # creation only (issues.open_issue); never a transition of an existing issue
    ROUTE = "route"
    SEND_TO_TRIAGE = "send_to_triage"
    CHECK_IN = "check_in"
    START = "start"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REFUSE_EXTENSION = "refuse_extension"
    RESOLVE = "resolve"
    RETURN = "return"
    TRANSFER = "transfer"
    ESCALATE = "escalate"
    CONFIRM = "confirm"
    AUTO_CLOSE = "auto_close"
    RATE = "rate"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    COMMENT = "comment"

    @property
    def past_tense(self) -> str:
        """The fact's name for events: ``tidu.whistle.issue.<past_tense>.v1`` (say)."""
        return _PAST_TENSE[self]


_PAST_TENSE: dict[Action, str] = {
    Action.SUBMIT: "submitted",
    Action.ROUTE: "routed",
    Action.SEND_TO_TRIAGE: "sent_to_triage",
    Action.CHECK_IN: "checked_in",
    Action.START: "started",
    Action.REQUEST_EXTENSION: "extension_requested",
    Action.APPROVE_EXTENSION: "extension_approved",
    Action.REFUSE_EXTENSION: "extension_refused",
    Action.RESOLVE: "resolved",
    Action.RETURN: "returned",
    Action.TRANSFER: "transferred",
    Action.ESCALATE: "escalated",
    Action.CONFIRM: "confirmed",
    Action.AUTO_CLOSE: "auto_closed",
    Action.RATE: "rated",
    Action.REOPEN: "reopened",
    Action.WITHDRAW: "withdrawn",
    Action.COMMENT: "commented",
}


class Role(StrEnum):
    """JWT roles (tidu_shared.auth.Role) plus ``system`` for the router and the scheduler."""

    OPERATOR = "operator"
    ENTERPRISE = "enterprise"
    COMMISSIONER = "commissioner"
    DEPARTMENT = "department"
    INSTITUTION = "institution"
    ADMIN = "admin"
    SYSTEM = "system"


class Party(StrEnum):
    """The part an actor plays for one issue (what the transition table grants rights to)."""

    ENTERPRISE = "enterprise"  # the issue's enterprise
    COMMISSIONER = "commissioner"  # a commissioner serving that enterprise
    LEAD_DEPARTMENT = "lead_department"  # the department the issue is routed to (牵头)
    CO_DEPARTMENT = "co_department"  # a co-handling department (配合)
    COORDINATOR = "coordinator"  # an operator (经信委) whose region covers the issue, or an admin
    SYSTEM = "system"  # automatic routing, the SLA scheduler


ROLE_PARTIES: dict[Role, frozenset[Party]] = {
    Role.ENTERPRISE: frozenset({Party.ENTERPRISE}),
    Role.COMMISSIONER: frozenset({Party.COMMISSIONER}),
    Role.DEPARTMENT: frozenset({Party.LEAD_DEPARTMENT, Party.CO_DEPARTMENT}),
    Role.OPERATOR: frozenset({Party.COORDINATOR}),
    Role.ADMIN: frozenset({Party.COORDINATOR}),
    Role.SYSTEM: frozenset({Party.SYSTEM}),
    Role.INSTITUTION: frozenset(),
}
"""The parties a role can ever hold; used to tell 'never allowed' from 'not for this issue'."""


class Urgency(StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


@dataclass(frozen=True)
class Actor:
    """Who acts. Built by the HTTP layer from the token (or by the scheduler as ``system``).

    ``enterprises`` is for a commissioner: the USCCs they serve (from the registry projection).
    """

    role: Role
    subject: str
    uscc: str | None = None
    dept: DepartmentCode | None = None  # a "500113-ghzy" string is parsed
    district: str | None = None
    enterprises: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # the token carries the department code as a string; accept it as such
        if isinstance(self.dept, str):
            object.__setattr__(self, "dept", DepartmentCode.parse(self.dept))
        if not isinstance(self.enterprises, frozenset):
            object.__setattr__(self, "enterprises", frozenset(self.enterprises))

    @classmethod
    def system(cls, name: str = "whistle-scheduler") -> Actor:
        return cls(Role.SYSTEM, name)


@dataclass(frozen=True)
class Deadlines:
    """The clocks of an issue. ``dispatch``: the coordinator must route a triaged / returned issue;
    ``check_in``: the lead must check in; ``resolution``: the lead must resolve."""

    dispatch: Deadline | None = None
    check_in: Deadline | None = None
    resolution: Deadline | None = None

    @property
    def calendar_fallback(self) -> bool:
        return any(d.calendar_fallback for d in self._all())

    @property
    def fallback_years(self) -> tuple[int, ...]:
        return tuple(sorted({y for d in self._all() for y in d.fallback_years}))

    def _all(self) -> tuple[Deadline, ...]:
        return tuple(d for d in (self.dispatch, self.check_in, self.resolution) if d is not None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dispatch": self.dispatch.to_dict() if self.dispatch else None,
            "check_in": self.check_in.to_dict() if self.check_in else None,
            "resolution": self.resolution.to_dict() if self.resolution else None,
            "calendar_fallback": self.calendar_fallback,
        }


@dataclass(frozen=True)
class Issue:
    """The issue aggregate as the domain sees it (one row; the timeline is separate)."""

    id: str
    enterprise_uscc: str
    category: str
    district: str
    title: str
    description: str
    urgency: Urgency
    state: IssueState
    version: int
    submitted_at: datetime
    updated_at: datetime
    lead_department: DepartmentCode | None = None
    co_departments: tuple[DepartmentCode, ...] = ()
    deadlines: Deadlines = field(default_factory=Deadlines)
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    pending_extension_days: int | None = None
    extensions_granted: int = 0
    escalation_level: int = 0
    reopen_count: int = 0
    rating: int | None = None  # the rating of the current resolution; reset on reopen
    flagged_for_review: bool = False

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


@dataclass(frozen=True)
class Command:
    """What an actor asks for. Fields not used by the action are ignored.

    - ``note``: reason / result / comment (required where the table says so);
    - ``department`` / ``co_departments``: the target of ROUTE and TRANSFER;
    - ``working_days``: REQUEST_EXTENSION (asked), APPROVE_EXTENSION (granted, default = asked);
    - ``rating``: RATE (1–5; ``note`` is the comment).
    """

    action: Action
    note: str | None = None
    department: DepartmentCode | str | None = None
    co_departments: tuple[DepartmentCode | str, ...] | None = None
    working_days: int | None = None
    rating: int | None = None


@dataclass(frozen=True)
class TimelineEntry:
    """One recorded step of an issue: who, when, what, note, and where the issue stands after."""

    issue_id: str
    seq: int  # the issue version this entry produced (1 = submission)
    action: Action
    from_state: IssueState | None
    to_state: IssueState
    at: datetime
    actor_role: Role
    actor_id: str
    actor_department: DepartmentCode | None
    note: str | None
    previous_lead: DepartmentCode | None
    lead_department: DepartmentCode | None
    co_departments: tuple[DepartmentCode, ...]
    deadlines: Deadlines
    working_days: int | None = None
    rating: int | None = None
    flagged_for_review: bool = False

    @property
    def event_name(self) -> str:
        return self.action.past_tense

    def to_dict(self) -> dict[str, Any]:
        return {
            "issue_id": self.issue_id,
            "seq": self.seq,
            "action": str(self.action),
            "event": self.event_name,
            "from_state": str(self.from_state) if self.from_state else None,
            "to_state": str(self.to_state),
            "at": self.at.isoformat(),
            "actor": {
                "role": str(self.actor_role),
                "id": self.actor_id,
                "department": str(self.actor_department) if self.actor_department else None,
            },
            "note": self.note,
            "previous_lead": str(self.previous_lead) if self.previous_lead else None,
            "lead_department": str(self.lead_department) if self.lead_department else None,
            "co_departments": [str(d) for d in self.co_departments],
            "deadlines": self.deadlines.to_dict(),
            "working_days": self.working_days,
            "rating": self.rating,
            "flagged_for_review": self.flagged_for_review,
        }


@dataclass(frozen=True)
class Outcome:
    """The issue after a command, and the timeline entries it produced (usually one)."""

    issue: Issue
    entries: tuple[TimelineEntry, ...]

    @property
    def entry(self) -> TimelineEntry:
        return self.entries[-1]
