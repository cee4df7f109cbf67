"""What an assessment returns (domain-rules §2): the answer, its trace, score, gaps and next tier.

Everything is a frozen dataclass; ``Assessment.to_dict()`` gives JSON-ready data with Decimals as
strings and dates as ISO text.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .quantity import fmt
from .tri import Tri


class Result(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    UNDETERMINED = "undetermined"

    @classmethod
    def of(cls, value: Tri) -> Result:
        if value is None:
            return cls.UNDETERMINED
        return cls.ELIGIBLE if value else cls.NOT_ELIGIBLE


@dataclass(frozen=True, slots=True)
class RuleSetRef:
    id: str
    version: int
    title: str
    tier: str
    effective_from: date
    effective_to: date | None
    citation: str  # the document the rule set implements


@dataclass(frozen=True, slots=True)
class Read:
    """One input read by a trace line: its name, its year (None for enterprise fields) and value."""

    input: str
    year: int | None
    value: Any  # None: missing

    @property
    def ref(self) -> str:
        return self.input if self.year is None else f"{self.input}@{self.year}"


@dataclass(frozen=True, slots=True)
class TraceLine:
    key: str
    kind: str  # prerequisite | condition | check | direct | indicator | group | score | class | info
    label: str
    clause: str
    condition: str | None = None  # key of the top-level condition or block the line belongs to
    reads: tuple[Read, ...] = ()
    value: Any = None
    threshold: str | None = None
    points: int | None = None
    points_range: tuple[int, int] | None = None  # set when missing inputs leave the points open
    passed: bool | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class GroupScore:
    key: str
    label: str
    points: int | None  # None while missing inputs leave it open
    points_min: int
    points_max: int
    maximum: int
    minimum: int | None  # the group's own floor, if the rule set sets one
    passed: bool | None


@dataclass(frozen=True, slots=True)
class Score:
    points: int | None
    points_min: int
    points_max: int
    pass_mark: int
    passed: bool | None  # total and every group floor
    groups: tuple[GroupScore, ...]


@dataclass(frozen=True, slots=True)
class Change:
    """One input changed to a required value (a gap), or the slack it has (a margin)."""

    input: str
    year: int | None
    current: Any
    required: Any
    delta: Decimal | None  # required - current, in ``unit``; None for flags, levels and qualifications
    unit: str
    message_zh: str
    message_en: str


@dataclass(frozen=True, slots=True)
class PlanStep:
    indicator: str
    label: str
    group: str
    points_from: int
    points_to: int
    band_steps: int
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class ScorePlan:
    """The cheapest indicator improvements reaching the pass mark and every group floor.

    Cheapest = fewest band steps in total, then fewest points gained (the least overshoot), then the
    fewest indicators touched, then the indicators listed first in the rule set.
    """

    steps: tuple[PlanStep, ...]
    band_steps: int
    points_gained: int
    score_after: int  # the verified score with all the plan's changes applied
    reaches_pass_mark: bool


@dataclass(frozen=True, slots=True)
class Gap:
    kind: str  # prerequisite | condition | alternative | score | margin
    key: str
    label: str
    clause: str
    message_zh: str
    message_en: str
    options: tuple[Change, ...] = ()  # any ONE of these changes passes the condition
    all_of: tuple[Change, ...] = ()  # when no single change does: these together
    plan: ScorePlan | None = None
    qualifications: tuple[str, ...] = ()  # for a prerequisite: kinds, any of which would do


@dataclass(frozen=True, slots=True)
class NextTier:
    tier: str
    label_zh: str
    label_en: str
    held: str | None  # highest ladder rung held (valid qualification) or reached by this assessment
    ruleset_id: str | None  # the rule set in force for that tier on the assessment date, if any
    reason_zh: str
    reason_en: str


@dataclass(frozen=True, slots=True)
class Assessment:
    ruleset: RuleSetRef
    as_of: date
    year: int
    review: bool
    result: Result
    score: Score | None
    size_class: str | None
    trace: tuple[TraceLine, ...]
    missing: tuple[str, ...]
    gaps: tuple[Gap, ...]
    next_tier: NextTier | None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        result = jsonable(self)
        assert isinstance(result, dict)
        return result


def jsonable(value: Any) -> Any:
    """Dataclasses, enums, tuples, Decimals and dates as JSON-ready data."""
    if value is None or isinstance(value, bool | int | str):
        return value.value if isinstance(value, StrEnum) else value
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")
