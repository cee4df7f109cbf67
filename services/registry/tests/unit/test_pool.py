"""The cultivation pool's stages and the white list."""

from __future__ import annotations

from datetime import date

import pytest

from tidu_registry.domain.errors import DomainValidationError, TransitionError
from tidu_registry.domain.pool import (
    ALLOWED_MOVES,
    PoolMove,
    Reason,
    ReasonKind,
    Stage,
    current_stage,
    end_white_list_entry,
    enter,
    leave,
    membership_periods,
    new_white_list_entry,
    on_white_list,
    plan_move,
    stage_on,
)
from tidu_registry.domain.qualifications import Period

BY_OPERATOR = Reason(ReasonKind.OPERATOR, "区经信委研究决定")
BY_ASSESSMENT = Reason(ReasonKind.ASSESSMENT, "评估建议", assessment_id="as-42")


def walk(*stages: Stage | None, start: date = date(2023, 1, 1)) -> list[PoolMove]:
    """Moves through ``stages`` one month apart."""
    moves: list[PoolMove] = []
    for i, stage in enumerate(stages):
        moves.append(plan_move(moves, stage, on=date(start.year, start.month + i, 1), reason=BY_OPERATOR, who="op"))
    return moves


@pytest.mark.parametrize(
    ("path", "to"),
    [
        ((), Stage.RESERVE),
        ((Stage.RESERVE,), Stage.CULTIVATING),
        ((Stage.RESERVE, Stage.CULTIVATING), Stage.PROMOTING),
        ((Stage.RESERVE, Stage.CULTIVATING), Stage.RESERVE),  # back one stage after a re-assessment
        ((Stage.RESERVE, Stage.CULTIVATING, Stage.PROMOTING), Stage.CULTIVATING),
        ((Stage.RESERVE,), None),
        ((Stage.RESERVE, Stage.CULTIVATING), None),
        ((Stage.RESERVE, Stage.CULTIVATING, Stage.PROMOTING), None),
        ((Stage.RESERVE, None), Stage.RESERVE),  # re-entry
    ],
)
def test_legal_moves(path: tuple[Stage | None, ...], to: Stage | None) -> None:
    moves = walk(*path)
    move = plan_move(moves, to, on=date(2024, 1, 1), reason=BY_ASSESSMENT, who="op")
    assert (move.from_stage, move.to_stage) == (current_stage(moves), to)


@pytest.mark.parametrize(
    ("path", "to"),
    [
        ((), Stage.CULTIVATING),  # entry is into reserve
        ((), Stage.PROMOTING),
        ((), None),  # cannot leave without being in
        ((Stage.RESERVE,), Stage.RESERVE),  # no move to the same stage
        ((Stage.RESERVE,), Stage.PROMOTING),  # no skipping
        ((Stage.RESERVE, Stage.CULTIVATING, Stage.PROMOTING), Stage.RESERVE),
        ((Stage.RESERVE, Stage.CULTIVATING, Stage.PROMOTING), Stage.PROMOTING),
    ],
)
def test_illegal_moves(path: tuple[Stage | None, ...], to: Stage | None) -> None:
    with pytest.raises(TransitionError) as caught:
        plan_move(walk(*path), to, on=date(2024, 1, 1), reason=BY_OPERATOR, who="op")
    assert caught.value.code == "pool_transition_illegal"
    assert caught.value.message_zh and caught.value.message_en


def test_the_transition_table_is_closed() -> None:
    assert set(ALLOWED_MOVES) == {None, *Stage}
    assert all(targets <= {None, *Stage} for targets in ALLOWED_MOVES.values())


def test_moves_are_recorded_in_date_order_but_may_share_a_day() -> None:
    moves = walk(Stage.RESERVE)
    with pytest.raises(TransitionError) as caught:
        plan_move(moves, Stage.CULTIVATING, on=date(2022, 12, 31), reason=BY_OPERATOR, who="op")
    assert caught.value.code == "pool_move_backdated"
    assert plan_move(moves, Stage.CULTIVATING, on=date(2023, 1, 1), reason=BY_OPERATOR, who="op").on == date(2023, 1, 1)


@pytest.mark.parametrize(
    ("reason", "field"),
    [
        (Reason(ReasonKind.OPERATOR, "  "), "reason.text"),
        (Reason(ReasonKind.ASSESSMENT, "评估建议"), "reason.assessment_id"),
    ],
)
def test_every_move_carries_a_reason(reason: Reason, field: str) -> None:
    with pytest.raises(DomainValidationError) as caught:
        enter([], on=date(2024, 1, 1), reason=reason, who="op")
    assert caught.value.fields == (field,)


def test_stage_on_a_date_and_membership_periods() -> None:
    moves = walk(Stage.RESERVE, Stage.CULTIVATING, None, Stage.RESERVE)  # 2023-01-01, 02-01, 03-01, 04-01
    assert stage_on(moves, date(2022, 12, 31)) is None
    assert stage_on(moves, date(2023, 1, 1)) is Stage.RESERVE
    assert stage_on(moves, date(2023, 2, 28)) is Stage.CULTIVATING
    assert stage_on(moves, date(2023, 3, 1)) is None  # left that day
    assert stage_on(moves, date(2024, 1, 1)) is Stage.RESERVE
    assert membership_periods(moves) == [
        Period(date(2023, 1, 1), date(2023, 2, 28)),
        Period(date(2023, 4, 1), None),
    ]
    assert leave(moves, on=date(2024, 5, 1), reason=BY_OPERATOR, who="op").is_exit


def test_entering_and_leaving_the_same_day_leaves_no_membership() -> None:
    moves = [enter([], on=date(2024, 1, 1), reason=BY_OPERATOR, who="op")]
    moves.append(leave(moves, on=date(2024, 1, 1), reason=BY_OPERATOR, who="op"))
    assert membership_periods(moves) == []


# --- white list ----------------------------------------------------------------------------------


def test_white_list_effective_dates_are_inclusive() -> None:
    entry = new_white_list_entry(
        [],
        list_code="finance-2024",
        effective_from=date(2024, 3, 1),
        effective_to=date(2024, 12, 31),
        reason="融资白名单",
        who="op",
    )
    assert not on_white_list([entry], date(2024, 2, 29))
    assert on_white_list([entry], date(2024, 3, 1))
    assert on_white_list([entry], date(2024, 12, 31))
    assert not on_white_list([entry], date(2025, 1, 1))
    assert not on_white_list([entry], date(2024, 6, 1), list_code="other")


def test_an_open_entry_lasts_until_ended() -> None:
    entry = new_white_list_entry([], list_code="wl", effective_from=date(2024, 1, 1), reason="列入", who="op")
    assert on_white_list([entry], date(2030, 1, 1))
    ended = end_white_list_entry(entry, effective_to=date(2024, 6, 30))
    assert on_white_list([ended], date(2024, 6, 30))
    assert not on_white_list([ended], date(2024, 7, 1))
    with pytest.raises(DomainValidationError):
        end_white_list_entry(entry, effective_to=date(2023, 12, 31))


def test_entries_on_one_list_may_not_overlap() -> None:
    first = new_white_list_entry(
        [], list_code="wl", effective_from=date(2024, 1, 1), effective_to=date(2024, 6, 30), reason="列入", who="op"
    )
    with pytest.raises(TransitionError) as caught:
        new_white_list_entry([first], list_code="wl", effective_from=date(2024, 6, 30), reason="再次列入", who="op")
    assert caught.value.code == "white_list_overlap"
    again = new_white_list_entry([first], list_code="wl", effective_from=date(2024, 7, 1), reason="再次列入", who="op")
    assert again.effective_from == date(2024, 7, 1)
    other = new_white_list_entry(
        [first], list_code="other", effective_from=date(2024, 3, 1), reason="另一名单", who="op"
    )
    assert other.list_code == "other"


def test_a_white_list_entry_is_checked_naming_every_problem() -> None:
    with pytest.raises(DomainValidationError) as caught:
        new_white_list_entry(
            [], list_code=" ", effective_from=date(2024, 2, 1), effective_to=date(2024, 1, 1), reason="", who="op"
        )
    assert caught.value.codes == ("required", "required", "ends_before_start")
