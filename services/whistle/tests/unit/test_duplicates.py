"""Possible duplicates: same enterprise and category, still open, raised in the last 30 days."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from tidu_whistle.domain.duplicates import possible_duplicates
from tidu_whistle.domain.model import IssueState


def test_possible_duplicates(world: Any) -> None:
    now = world.t0 + timedelta(days=30)
    base = world.issue_in(IssueState.IN_PROGRESS)
    existing = [
        replace(base, id="hit-old", submitted_at=now - timedelta(days=30)),  # exactly 30 days: counts
        replace(base, id="hit-new", submitted_at=now - timedelta(days=1)),
        replace(base, id="resolved", state=IssueState.RESOLVED, submitted_at=now - timedelta(days=2)),
        replace(base, id="too-old", submitted_at=now - timedelta(days=30, seconds=1)),
        replace(base, id="closed", state=IssueState.CLOSED),
        replace(base, id="withdrawn", state=IssueState.WITHDRAWN),
        replace(base, id="other-category", category="energy"),
        replace(base, id="other-enterprise", enterprise_uscc="91500114MA5U8XYZ2L"),
        replace(base, id="self", submitted_at=now - timedelta(days=1)),
    ]
    hints = possible_duplicates(world.uscc, "land", now, existing, exclude_id="self")
    assert [h.issue_id for h in hints] == ["hit-new", "resolved", "hit-old"]
    assert hints[0].state is IssueState.IN_PROGRESS
    assert possible_duplicates(world.uscc, "land", now, existing, window_days=1, exclude_id="self") == hints[:1]
    assert possible_duplicates(world.uscc, "tax", now, existing) == ()
