"""Events produced by the eligibility service, on ``tidu.eligibility.assessments`` keyed by USCC."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from tidu_shared.contracts.base import Contract
from tidu_shared.events.registry import register
from tidu_shared.topics import ELIGIBILITY_ASSESSMENTS

ASSESSMENT_COMPLETED = "tidu.eligibility.assessment.completed.v1"
CANDIDATE_RECOMMENDED = "tidu.eligibility.candidate.recommended.v1"


class AssessmentCompleted(Contract):
    """An enterprise was assessed under a rule set and the result changed (or it is the first)."""

    assessment_id: str
    uscc: str
    district_code: str | None = None
    ruleset_id: str = Field(description="e.g. srdi-2026")
    ruleset_version: str
    tier: str = Field(description="size | innovative | srdi | little_giant | pool")
    as_of: dt.date
    data_year: int
    result: str = Field(description="eligible | not_eligible | undetermined")
    previous_result: str | None = None
    score: Decimal | None = None
    size_class: str | None = Field(default=None, description="micro | small | medium | large (size-2011 only)")
    missing: list[str] = Field(default_factory=list)
    next_tier: str | None = None
    assessed_at: dt.datetime
    trigger: str | None = Field(
        default=None, description="event (a registry event re-assessed the enterprise) | batch (a batch run)"
    )
    batch_run_id: str | None = Field(default=None, description="the batch run, when trigger is batch")


class CandidateRecommended(Contract):
    """The enterprise newly qualifies for a tier it does not hold: the registry puts it in the
    cultivation pool as ``reserve`` (an assessment recommends, never grants)."""

    uscc: str
    district_code: str | None = None
    tier: str
    ruleset_id: str
    ruleset_version: str
    assessment_id: str
    as_of: dt.date
    reason: str
    recommended_at: dt.datetime
    score: Decimal | None = Field(default=None, description="the score, where the rule set scores")


register(
    ASSESSMENT_COMPLETED,
    topic=ELIGIBILITY_ASSESSMENTS,
    model=AssessmentCompleted,
    producer="eligibility",
    description="An assessment's result changed (评估结果变化).",
)
register(
    CANDIDATE_RECOMMENDED,
    topic=ELIGIBILITY_ASSESSMENTS,
    model=CandidateRecommended,
    producer="eligibility",
    description="An enterprise newly qualifies for a tier it does not hold (推荐入库).",
)
