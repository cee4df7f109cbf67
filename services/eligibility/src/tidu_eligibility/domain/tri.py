"""Three-valued (Kleene) logic: True, False, or None for "depends on a missing input"."""

from __future__ import annotations

from collections.abc import Iterable

Tri = bool | None


def and_(values: Iterable[Tri]) -> Tri:
    """False if any is False, else None if any is None, else True (an empty conjunction holds)."""
    unknown = False
    for value in values:
        if value is False:
            return False
        if value is None:
            unknown = True
    return None if unknown else True


def or_(values: Iterable[Tri]) -> Tri:
    """True if any is True, else None if any is None, else False (an empty disjunction fails)."""
    unknown = False
    for value in values:
        if value is True:
            return True
        if value is None:
            unknown = True
    return None if unknown else False


def at_least(count: int, values: Iterable[Tri]) -> Tri:
    """At least ``count`` of the values hold: decided from the known and the possible counts."""
    known = possible = 0
    for value in values:
        if value is True:
            known += 1
            possible += 1
        elif value is None:
            possible += 1
    if known >= count:
        return True
    if possible < count:
        return False
    return None


def not_(value: Tri) -> Tri:
    return None if value is None else not value
