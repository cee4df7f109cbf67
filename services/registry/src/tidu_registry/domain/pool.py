"""The cultivation pool (培育库) and the white list (白名单).

An enterprise moves through the pool's stages reserve (储备) → cultivating (培育) → promoting (提升).
Every move — entry, step, exit — carries a reason: an assessment's recommendation (naming the
assessment) or an operator's decision (in words). The moves are the record; the stage on any date is
derived from them.

Decisions where the issue is silent:

- entry is into ``reserve``; steps go one stage up or one stage down (a re-assessment can send a firm
  back); skipping a stage, "moving" to the stage one is in, exiting when outside and entering when inside
  are refused (``pool_transition_illegal``); an enterprise may leave from any stage and re-enter later;
- a move takes effect on its date; moves are recorded in date order (a move dated before the latest
  recorded one is refused: ``pool_move_backdated``); several moves on one day apply in order;
- an assessment's reason needs the assessment id, an operator's reason needs its text;
- the white list: entries with ``effective_from`` and an optional ``effective_to`` (inclusive); an
  enterprise's entries on one list may not overlap; ending an entry sets its ``effective_to``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from tidu_registry.domain.errors import DomainValidationError, TransitionError, Violation
from tidu_registry.domain.qualifications import Period


class Stage(StrEnum):
    RESERVE = "reserve"
    CULTIVATING = "cultivating"
    PROMOTING = "promoting"


STAGE_NAMES_ZH: Mapping[Stage, str] = {Stage.RESERVE: "储备", Stage.CULTIVATING: "培育", Stage.PROMOTING: "提升"}

# From a stage (None: outside the pool) to the stages one may move to (None: exit).
ALLOWED_MOVES: Mapping[Stage | None, frozenset[Stage | None]] = {
    None: frozenset({Stage.RESERVE}),
    Stage.RESERVE: frozenset({Stage.CULTIVATING, None}),
    Stage.CULTIVATING: frozenset({Stage.PROMOTING, Stage.RESERVE, None}),
    Stage.PROMOTING: frozenset({Stage.CULTIVATING, None}),
}


class ReasonKind(StrEnum):
    ASSESSMENT = "assessment"  # an assessment's recommendation
    OPERATOR = "operator"  # an operator's decision


@dataclass(frozen=True, slots=True)
class Reason:
    kind: ReasonKind
    text: str = ""
    assessment_id: str | None = None


@dataclass(frozen=True, slots=True)
class PoolMove:
    from_stage: Stage | None
    to_stage: Stage | None
    on: date
    reason: Reason
    who: str

    @property
    def is_entry(self) -> bool:
        return self.from_stage is None

    @property
    def is_exit(self) -> bool:
        return self.to_stage is None


def _stage_zh(stage: Stage | None) -> str:
    return "库外" if stage is None else STAGE_NAMES_ZH[stage]


def _stage_en(stage: Stage | None) -> str:
    return "outside the pool" if stage is None else stage.value


def check_reason(reason: Reason) -> list[Violation]:
    if reason.kind is ReasonKind.ASSESSMENT and not (reason.assessment_id or "").strip():
        return [
            Violation(
                "reason.assessment_id",
                "required",
                "依据评估结果调整时须注明评估编号",
                "a move on an assessment's recommendation names the assessment",
            )
        ]
    if reason.kind is ReasonKind.OPERATOR and not reason.text.strip():
        return [Violation("reason.text", "required", "请填写调整理由", "an operator's decision needs its reason")]
    return []


def current_stage(moves: Sequence[PoolMove]) -> Stage | None:
    return moves[-1].to_stage if moves else None


def stage_on(moves: Iterable[PoolMove], day: date) -> Stage | None:
    """The stage on ``day`` (moves dated ``day`` included)."""
    stage: Stage | None = None
    for move in moves:
        if move.on > day:
            break
        stage = move.to_stage
    return stage


def plan_move(moves: Sequence[PoolMove], to_stage: Stage | None, *, on: date, reason: Reason, who: str) -> PoolMove:
    """The next move of an enterprise whose recorded moves are ``moves`` (oldest first), or an error."""
    from_stage = current_stage(moves)
    if to_stage not in ALLOWED_MOVES[from_stage]:
        raise TransitionError(
            "pool_transition_illegal",
            f"不能从“{_stage_zh(from_stage)}”调整到“{_stage_zh(to_stage)}”",
            f"cannot move from {_stage_en(from_stage)} to {_stage_en(to_stage)}",
        )
    if moves and on < moves[-1].on:
        raise TransitionError(
            "pool_move_backdated",
            f"调整日期不能早于上一次调整（{moves[-1].on.isoformat()}）",
            f"a move cannot be dated before the previous one ({moves[-1].on.isoformat()})",
        )
    violations = check_reason(reason)
    if violations:
        raise DomainValidationError(violations)
    return PoolMove(from_stage, to_stage, on, reason, who)


def enter(moves: Sequence[PoolMove], *, on: date, reason: Reason, who: str) -> PoolMove:
    return plan_move(moves, Stage.RESERVE, on=on, reason=reason, who=who)


def leave(moves: Sequence[PoolMove], *, on: date, reason: Reason, who: str) -> PoolMove:
    return plan_move(moves, None, on=on, reason=reason, who=who)


def membership_periods(moves: Iterable[PoolMove]) -> list[Period]:
    """The spans the enterprise was in the pool (any stage): the seed tier of the ladder."""
    periods: list[Period] = []
    start: date | None = None
    for move in moves:
        if move.is_entry:
            start = move.on
        elif move.is_exit and start is not None:
            periods.append(Period(start, move.on - timedelta(days=1)))
            start = None
    if start is not None:
        periods.append(Period(start, None))
    return [p for p in periods if p.end is None or p.end >= p.start]


# --- white list ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WhiteListEntry:
    list_code: str
    effective_from: date
    effective_to: date | None
    reason: str
    who: str

    def is_effective_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def overlaps(self, other: WhiteListEntry) -> bool:
        if self.list_code != other.list_code:
            return False
        a_end, b_end = self.effective_to or date.max, other.effective_to or date.max
        return self.effective_from <= b_end and other.effective_from <= a_end


def on_white_list(entries: Iterable[WhiteListEntry], day: date, list_code: str | None = None) -> bool:
    return any(e.is_effective_on(day) and (list_code is None or e.list_code == list_code) for e in entries)


def new_white_list_entry(
    existing: Iterable[WhiteListEntry],
    *,
    list_code: str,
    effective_from: date,
    effective_to: date | None = None,
    reason: str,
    who: str,
) -> WhiteListEntry:
    """An entry for one enterprise, checked against its ``existing`` entries."""
    entry = WhiteListEntry(list_code.strip(), effective_from, effective_to, reason.strip(), who)
    violations: list[Violation] = []
    if not entry.list_code:
        violations.append(Violation("list_code", "required", "请指定白名单", "list_code is required"))
    if not entry.reason:
        violations.append(Violation("reason", "required", "请填写列入理由", "a reason is required"))
    if effective_to is not None and effective_to < effective_from:
        violations.append(
            Violation(
                "effective_to", "ends_before_start", "失效日期不能早于生效日期", "effective_to is before effective_from"
            )
        )
    if violations:
        raise DomainValidationError(violations)
    if any(entry.overlaps(e) for e in existing):
        raise TransitionError(
            "white_list_overlap",
            "该企业在此期间已列入该白名单",
            "the enterprise is already on this white list for part of that period",
        )
    return entry


def end_white_list_entry(entry: WhiteListEntry, *, effective_to: date) -> WhiteListEntry:
    """The entry ending on ``effective_to`` (its last effective day)."""
    if effective_to < entry.effective_from:
        raise DomainValidationError(
            [
                Violation(
                    "effective_to",
                    "ends_before_start",
                    "失效日期不能早于生效日期",
                    "effective_to is before effective_from",
                )
            ]
        )
    return replace(entry, effective_to=effective_to)
