"""Rating of a resolution by the enterprise: a score 1–5 and a comment.

Rules:

* Only the issue's enterprise rates (not its commissioner: the rating is the enterprise's own
  judgement of the government's service), once per resolution, in ``resolved`` (the rating also
  confirms and closes) or ``closed`` (a late rating after confirmation or auto-close).
* A score ``<= RatingPolicy.low_threshold`` (2) is low. With ``on_low = reopen`` the issue is
  reopened (timeline: ``rate`` then ``reopen``, both by the enterprise) provided the reopen window
  is still open; otherwise — or with ``on_low = flag`` — it is closed and flagged for review.
* The state machine applies these rules (``Action.RATE``); this module holds the pure parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tidu_whistle.domain.errors import DomainError, ErrorCode

MIN_SCORE = 1
MAX_SCORE = 5


class LowRatingAction(StrEnum):
    REOPEN = "reopen"
    FLAG = "flag"


class RatingDecision(StrEnum):
    ACCEPT = "accept"  # closed (or stays closed)
    REOPEN = "reopen"  # closed, then reopened
    FLAG = "flag"  # closed and flagged for review


@dataclass(frozen=True)
class RatingPolicy:
    low_threshold: int = 2
    on_low: LowRatingAction = LowRatingAction.REOPEN
    comment_max_length: int = 500


def validate_score(score: object) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or not MIN_SCORE <= score <= MAX_SCORE:
        raise DomainError(
            ErrorCode.INVALID_RATING,
            f"a rating is a whole number from {MIN_SCORE} to {MAX_SCORE}",
            rating=repr(score),
        )
    return score


def is_low(score: int, policy: RatingPolicy = RatingPolicy()) -> bool:
    return score <= policy.low_threshold


def decide(score: int, policy: RatingPolicy = RatingPolicy(), *, reopen_allowed: bool) -> RatingDecision:
    """What a rating does; ``reopen_allowed`` is whether the reopen window is still open."""
    validate_score(score)
    if not is_low(score, policy):
        return RatingDecision.ACCEPT
    if policy.on_low is LowRatingAction.REOPEN and reopen_allowed:
        return RatingDecision.REOPEN
    return RatingDecision.FLAG


def satisfied(score: int) -> bool:
    """A rating of 4 or 5 counts as satisfied (statistics' satisfaction rate)."""
    return score >= 4
