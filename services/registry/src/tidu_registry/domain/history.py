"""Statements: every change to an enterprise's record kept as field, old value, new value, who, when and
source, so that the registry can answer "as the record stood on DATE".

A statement's values are plain (JSON-safe: see ``values.to_plain``), as ``EnterpriseProfile.to_record``
and ``YearlyIndicators.to_record`` produce them, so that they can be stored as JSON and compared exactly.
The profile's statements have ``year = None``; a yearly indicator's carry the fiscal year, so that
restating a year adds statements and keeps the earlier ones.

Decisions:

- ``when`` is the time the registry recorded the change (transaction time, timezone-aware). ``as_of`` a
  *date* means the end of that day in China Standard Time (UTC+8, no daylight saving): statements
  recorded before the next midnight there count; ``as_of`` a datetime includes statements recorded at
  exactly that instant;
- statements recorded at the same instant apply in the order given (the store's insertion order);
- a registration is a diff against nothing: one statement per field that has a value;
- an unchanged value produces no statement, so re-submitting the same record (or re-importing the same
  file) leaves the history as it was;
- statements keep sensitive values in full (the store needs them); :func:`masked_statement` is what a
  response shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import Any

from tidu_registry.domain.enterprise import mask_value
from tidu_registry.domain.errors import DomainValidationError, Violation

CHINA_TZ = timezone(timedelta(hours=8), "CST")


class Source(StrEnum):
    SELF_DECLARED = "self_declared"  # 企业自报
    OPERATOR = "operator"  # 经信委录入
    IMPORT = "import"  # 批量导入
    EXTERNAL = "external"  # 外部系统（信用平台等）


@dataclass(frozen=True, slots=True)
class Statement:
    field: str
    old: Any
    new: Any
    who: str
    when: datetime
    source: Source
    year: int | None = None


def parse_source(raw: object) -> Source:
    try:
        return Source(str(raw).strip().lower())
    except ValueError:
        choices = ", ".join(s.value for s in Source)
        raise DomainValidationError(
            [Violation("source", "invalid_choice", f"来源应为以下之一：{choices}", f"source must be one of: {choices}")]
        ) from None


def diff(
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any],
    *,
    who: str,
    when: datetime,
    source: Source,
    year: int | None = None,
    fields: Sequence[str] | None = None,
) -> list[Statement]:
    """One statement per field whose plain value differs between ``old`` (``None``: nothing yet) and
    ``new``, in the order of ``fields`` (default: ``new``'s keys)."""
    if when.tzinfo is None:
        raise ValueError("statement times must be timezone-aware")
    if not who.strip():
        raise ValueError("a statement needs its author (who)")
    before = old or {}
    return [
        Statement(name, before.get(name), new.get(name), who, when, source, year)
        for name in (fields if fields is not None else list(new))
        if before.get(name) != new.get(name)
    ]


def cutoff(as_of: date | datetime) -> datetime:
    """The first instant *not* included in ``as_of``."""
    if isinstance(as_of, datetime):
        if as_of.tzinfo is None:
            raise ValueError("as_of datetimes must be timezone-aware")
        return as_of + timedelta(microseconds=1)
    return datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=CHINA_TZ)


def statements_until(statements: Iterable[Statement], as_of: date | datetime | None) -> list[Statement]:
    """The statements recorded by ``as_of`` (all when ``None``), ordered by time (stable)."""
    ordered = sorted(statements, key=lambda s: s.when)
    if as_of is None:
        return ordered
    end = cutoff(as_of)
    return [s for s in ordered if s.when < end]


def _replay(statements: Iterable[Statement]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for statement in statements:
        record[statement.field] = statement.new
    return record


def record_as_of(
    statements: Iterable[Statement], as_of: date | datetime | None = None, *, year: int | None = None
) -> dict[str, Any] | None:
    """The record as it stood at ``as_of`` (now when ``None``), or ``None`` if nothing was stated by then.

    ``year`` selects a yearly-indicator record; ``None`` the profile.
    """
    selected = [s for s in statements_until(statements, as_of) if s.year == year]
    return _replay(selected) if selected else None


def years_as_of(statements: Iterable[Statement], as_of: date | datetime | None = None) -> dict[int, dict[str, Any]]:
    """Every yearly-indicator record as it stood at ``as_of``, by year."""
    by_year: dict[int, list[Statement]] = {}
    for statement in statements_until(statements, as_of):
        if statement.year is not None:
            by_year.setdefault(statement.year, []).append(statement)
    return {year: _replay(group) for year, group in sorted(by_year.items())}


def field_history(statements: Iterable[Statement], field: str, *, year: int | None = None) -> list[Statement]:
    return [s for s in statements_until(statements, None) if s.field == field and s.year == year]


def masked_statement(statement: Statement) -> Statement:
    """The statement as a response shows it: sensitive old and new values masked."""
    return replace(
        statement,
        old=mask_value(statement.field, statement.old),
        new=mask_value(statement.field, statement.new),
    )
