"""Rating rules (the pure parts; the state machine tests cover rating an issue)."""

from __future__ import annotations

import pytest

from tidu_whistle.domain.errors import DomainError, ErrorCode
from tidu_whistle.domain.rating import (
    LowRatingAction,
    RatingDecision,
    RatingPolicy,
    decide,
    is_low,
    satisfied,
    validate_score,
)


@pytest.mark.parametrize("score", [1, 2, 3, 4, 5])
def test_valid_scores(score: int) -> None:
    assert validate_score(score) == score


@pytest.mark.parametrize("score", [0, 6, -3, 2.0, "3", None, True, False])
def test_invalid_scores(score: object) -> None:
    with pytest.raises(DomainError) as err:
        validate_score(score)
    assert err.value.code is ErrorCode.INVALID_RATING


@pytest.mark.parametrize(
    ("score", "policy", "reopen_allowed", "decision"),
    [
        (5, RatingPolicy(), True, RatingDecision.ACCEPT),
        (3, RatingPolicy(), True, RatingDecision.ACCEPT),
        (2, RatingPolicy(), True, RatingDecision.REOPEN),
        (1, RatingPolicy(), True, RatingDecision.REOPEN),
        (2, RatingPolicy(), False, RatingDecision.FLAG),
        (1, RatingPolicy(on_low=LowRatingAction.FLAG), True, RatingDecision.FLAG),
        (3, RatingPolicy(low_threshold=3), True, RatingDecision.REOPEN),
        (2, RatingPolicy(low_threshold=1), True, RatingDecision.ACCEPT),
    ],
)
def test_decide(score: int, policy: RatingPolicy, reopen_allowed: bool, decision: RatingDecision) -> None:
    assert decide(score, policy, reopen_allowed=reopen_allowed) is decision


def test_low_and_satisfied_boundaries() -> None:
    assert [is_low(s) for s in range(1, 6)] == [True, True, False, False, False]
    assert [satisfied(s) for s in range(1, 6)] == [False, False, False, True, True]
