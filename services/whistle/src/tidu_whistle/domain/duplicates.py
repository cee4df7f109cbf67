"""Possible duplicates: pointed out when an issue is raised, never blocking.

An existing issue is a possible duplicate of a new one when it has the same enterprise and the
same category, is still open — any state but ``closed`` and ``withdrawn`` (a ``resolved`` issue
awaiting confirmation counts: reopening it may be the better answer) — and was submitted within
the last ``window_days`` (30) calendar days before the new one. Newest first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tidu_whistle.domain.model import Issue, IssueState
from tidu_whistle.domain.working_days import to_shanghai

DEFAULT_WINDOW_DAYS = 30
_NOT_OPEN = frozenset({IssueState.CLOSED, IssueState.WITHDRAWN})


@dataclass(frozen=True)
class DuplicateHint:
    issue_id: str
    title: str
    state: IssueState
    submitted_at: datetime


def possible_duplicates(
    enterprise_uscc: str,
    category: str,
    at: datetime,
    existing: Iterable[Issue],
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    exclude_id: str | None = None,
) -> tuple[DuplicateHint, ...]:
    at = to_shanghai(at)
    since = at - timedelta(days=window_days)
    hits = [
        DuplicateHint(i.id, i.title, i.state, i.submitted_at)
        for i in existing
        if i.id != exclude_id
        and i.enterprise_uscc == enterprise_uscc
        and i.category == category
        and i.state not in _NOT_OPEN
        and since <= i.submitted_at <= at
    ]
    return tuple(sorted(hits, key=lambda h: (h.submitted_at, h.issue_id), reverse=True))
