"""Typed errors of the finance-match domain.

Every error carries a stable machine ``code`` (snake_case, part of the API
contract), a human message and optional ``details``; the HTTP layer maps them
to the shared error format.  Codes used by this package:

``catalogue_invalid``    the products/institutions data failed validation (``problems`` lists each)
``invalid_demand``       a demand's fields are out of range or of the wrong type
``enterprise_mismatch``  a demand matched against another enterprise's snapshot
``illegal_transition``   a workflow action not allowed from the case's current state
``decline_reason_required`` / ``decline_note_required``
``invalid_grant`` / ``invalid_disbursement``  amounts, rates, terms or dates out of range
``consent_required``     the enterprise has not consented to share its data with institutions
``actor_not_allowed``    the actor's role/scope may not perform the action on this case
``time_order``           an action dated before the case's previous event
``invalid_credit_grade`` a credit grade outside the scale of :mod:`credit_grades`
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """A rule of the domain was broken; ``code`` is machine-readable and stable."""

    code: str
    message: str
    details: Mapping[str, object]

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details


class CatalogueError(DomainError):
    """The catalogue data is invalid. ``problems`` holds one ``path: message`` line per problem."""

    problems: tuple[str, ...]

    def __init__(self, problems: Sequence[str], *, source: str = "<data>") -> None:
        self.problems = tuple(problems)
        listing = "\n  ".join(self.problems)
        super().__init__(
            "catalogue_invalid",
            f"{source}: {len(self.problems)} problem(s):\n  {listing}",
            problems=self.problems,
            source=source,
        )


class IllegalTransition(DomainError):
    """A workflow action is not allowed from the case's current state."""

    def __init__(self, action: str, state: str, allowed_from: Sequence[str]) -> None:
        super().__init__(
            "illegal_transition",
            f"cannot {action} a case that is {state} (allowed from: {', '.join(allowed_from)})",
            action=action,
            state=state,
            allowed_from=tuple(allowed_from),
        )
