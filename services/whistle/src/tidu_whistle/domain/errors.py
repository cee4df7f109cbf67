"""The one exception the whistle domain raises, with a stable machine code.

The domain knows nothing of HTTP. Each code belongs to an :class:`ErrorKind`, which the HTTP
layer maps to a status without a per-code table:

=====================  ======  ===========================================================
kind                   status  meaning
=====================  ======  ===========================================================
``invalid``            422     the request's content is wrong (missing reason, bad score …)
``forbidden``          403     the actor's role may never do this, or not to this issue
``conflict``           409     the issue's state does not allow it now
``precondition``       412     the If-Match version is stale
``not_found``          404     a referenced category / district / department is unknown
=====================  ======  ===========================================================

``DomainError.details`` is JSON-able (strings, numbers, lists, dicts) so that it can go into a
problem+json body as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class ErrorKind(StrEnum):
    INVALID = "invalid"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    PRECONDITION = "precondition"
    NOT_FOUND = "not_found"


class ErrorCode(StrEnum):
    # state machine
    ILLEGAL_TRANSITION = "illegal_transition"
    ACTOR_NOT_PERMITTED = "actor_not_permitted"
    ACTOR_OUT_OF_SCOPE = "actor_out_of_scope"
    VERSION_CONFLICT = "version_conflict"
    REASON_REQUIRED = "reason_required"
    NOTE_TOO_LONG = "note_too_long"
    DEPARTMENT_REQUIRED = "department_required"
    SAME_DEPARTMENT = "same_department"
    INVALID_WORKING_DAYS = "invalid_working_days"
    EXTENSION_LIMIT_REACHED = "extension_limit_reached"
    ESCALATION_UNAVAILABLE = "escalation_unavailable"
    REOPEN_WINDOW_EXPIRED = "reopen_window_expired"
    CONFIRM_WINDOW_OPEN = "confirm_window_open"
    ALREADY_RATED = "already_rated"
    INVALID_RATING = "invalid_rating"
    # issues
    INVALID_ISSUE = "invalid_issue"
    # reference data, routing, calendar
    UNKNOWN_CATEGORY = "unknown_category"
    UNKNOWN_DISTRICT = "unknown_district"
    UNKNOWN_DEPARTMENT = "unknown_department"
    INVALID_DEPARTMENT_CODE = "invalid_department_code"
    INVALID_ROUTING_RULE = "invalid_routing_rule"
    INVALID_CALENDAR = "invalid_calendar"
    # statistics / open311 queries
    INVALID_QUERY = "invalid_query"


ERROR_KINDS: Mapping[ErrorCode, ErrorKind] = MappingProxyType(
    {
        ErrorCode.ILLEGAL_TRANSITION: ErrorKind.CONFLICT,
        ErrorCode.ACTOR_NOT_PERMITTED: ErrorKind.FORBIDDEN,
        ErrorCode.ACTOR_OUT_OF_SCOPE: ErrorKind.FORBIDDEN,
        ErrorCode.VERSION_CONFLICT: ErrorKind.PRECONDITION,
        ErrorCode.REASON_REQUIRED: ErrorKind.INVALID,
        ErrorCode.NOTE_TOO_LONG: ErrorKind.INVALID,
        ErrorCode.DEPARTMENT_REQUIRED: ErrorKind.INVALID,
        ErrorCode.SAME_DEPARTMENT: ErrorKind.INVALID,
        ErrorCode.INVALID_WORKING_DAYS: ErrorKind.INVALID,
        ErrorCode.EXTENSION_LIMIT_REACHED: ErrorKind.CONFLICT,
        ErrorCode.ESCALATION_UNAVAILABLE: ErrorKind.CONFLICT,
        ErrorCode.REOPEN_WINDOW_EXPIRED: ErrorKind.CONFLICT,
        ErrorCode.CONFIRM_WINDOW_OPEN: ErrorKind.CONFLICT,
        ErrorCode.ALREADY_RATED: ErrorKind.CONFLICT,
        ErrorCode.INVALID_RATING: ErrorKind.INVALID,
        ErrorCode.INVALID_ISSUE: ErrorKind.INVALID,
        ErrorCode.UNKNOWN_CATEGORY: ErrorKind.NOT_FOUND,
        ErrorCode.UNKNOWN_DISTRICT: ErrorKind.NOT_FOUND,
        ErrorCode.UNKNOWN_DEPARTMENT: ErrorKind.NOT_FOUND,
        ErrorCode.INVALID_DEPARTMENT_CODE: ErrorKind.INVALID,
        ErrorCode.INVALID_ROUTING_RULE: ErrorKind.INVALID,
        ErrorCode.INVALID_CALENDAR: ErrorKind.INVALID,
        ErrorCode.INVALID_QUERY: ErrorKind.INVALID,
    }
)


class DomainError(Exception):
    """A rule of the whistle domain said no. ``code`` is stable; ``message`` is for people."""

    def __init__(self, code: ErrorCode, message: str, /, **details: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details: Mapping[str, Any] = MappingProxyType(dict(details))

    @property
    def kind(self) -> ErrorKind:
        return ERROR_KINDS[self.code]

    def __repr__(self) -> str:
        return f"DomainError({self.code!s}, {self.message!r}, {dict(self.details)!r})"
