"""Event handlers of the registry: each runs inside the consumer's transaction (which also records
the event id in the inbox) and never commits.

From ``tidu.eligibility.assessments``: a ``size-2011`` assessment gives the size class of an
enterprise's data year (the rule lives in the eligibility service only); a recommendation puts the
enterprise in the cultivation pool as ``reserve`` (推荐入库), unless it is in the pool already or
already holds the tier.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_registry.use_cases.pool import enter_on_recommendation
from tidu_registry.use_cases.size_class import record_size_class
from tidu_shared.consumer import Subscription
from tidu_shared.contracts.eligibility import (
    ASSESSMENT_COMPLETED,
    CANDIDATE_RECOMMENDED,
    AssessmentCompleted,
    CandidateRecommended,
)
from tidu_shared.events import Envelope
from tidu_shared.topics import ELIGIBILITY_ASSESSMENTS


async def on_assessment_completed(session: AsyncSession, env: Envelope, data: BaseModel) -> None:
    assert isinstance(data, AssessmentCompleted)
    await record_size_class(session, data)


async def on_candidate_recommended(session: AsyncSession, env: Envelope, data: BaseModel) -> None:
    assert isinstance(data, CandidateRecommended)
    await enter_on_recommendation(session, data)


SUBSCRIPTIONS = [
    Subscription(
        topic=ELIGIBILITY_ASSESSMENTS,
        handlers={ASSESSMENT_COMPLETED: on_assessment_completed, CANDIDATE_RECOMMENDED: on_candidate_recommended},
    ),
]
