"""Event handlers of the finance-match service: each runs inside the consumer's transaction (which
also records the event id in the inbox) and never commits.

Projections: the enterprise profile (registered, profile changed), yearly indicators (the latest
report per year), qualifications (granted, renewed, expired, revoked) and the latest assessment
per rule set (with its size class). Re-matching: after updating a projection, the handler
re-matches the enterprise's open demands **in the same transaction** (``engine.rematch_enterprise``:
newly matching products are pushed, the 融资难 decision is re-assessed). A crash between the two
is impossible; the price is that a handler's transaction includes the (in-memory, milliseconds)
matching of that enterprise's few open demands. Credit grades are never looked up here (a network
call inside a transaction): the grade stored by the latest consented look-up is used.

Out-of-order safety: events of one enterprise come in order on one partition, and redeliveries
are dropped by the inbox; the handlers still keep the newest report (by its own timestamp).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_finance_match.catalogue_store import jsonable
from tidu_finance_match.context import FinanceContext
from tidu_finance_match.models import (
    EnterpriseAssessment,
    EnterpriseIndicators,
    EnterpriseProfile,
    EnterpriseQualification,
)
from tidu_finance_match.use_cases.common import china_date
from tidu_finance_match.use_cases.engine import rematch_enterprise
from tidu_shared.consumer import Subscription
from tidu_shared.contracts.eligibility import ASSESSMENT_COMPLETED, AssessmentCompleted
from tidu_shared.contracts.registry import (
    ENTERPRISE_REGISTERED,
    INDICATORS_REPORTED,
    PROFILE_CHANGED,
    QUALIFICATION_EXPIRED,
    QUALIFICATION_GRANTED,
    QUALIFICATION_RENEWED,
    QUALIFICATION_REVOKED,
    EnterpriseRegistered,
    IndicatorsReported,
    ProfileChanged,
    Qualification,
    QualificationExpired,
    QualificationRevoked,
)
from tidu_shared.events import Envelope
from tidu_shared.outbox import utcnow
from tidu_shared.topics import ELIGIBILITY_ASSESSMENTS, REGISTRY_ENTERPRISES

Handler = Callable[[AsyncSession, Envelope, BaseModel], Awaitable[None]]


# --- projections (no re-matching) ---------------------------------------------------------------


async def project_registered(session: AsyncSession, env: Envelope, data: EnterpriseRegistered) -> None:
    row = await session.get(EnterpriseProfile, data.uscc)
    if row is None:
        row = EnterpriseProfile(uscc=data.uscc)
        session.add(row)
    row.name = data.name
    row.district_code = data.district_code
    row.industry_code = data.industry_code
    row.established_on = data.established_on
    row.registered_at = data.registered_at
    row.source_time = data.registered_at
    row.updated_at = utcnow()
    row.last_event_id = env.id


async def project_profile_changed(session: AsyncSession, env: Envelope, data: ProfileChanged) -> None:
    row = await session.get(EnterpriseProfile, data.uscc)
    if row is None:
        # The registration was never seen (e.g. a projection rebuilt from a later offset).
        row = EnterpriseProfile(uscc=data.uscc, registered_at=data.changed_at)
        session.add(row)
    elif row.source_time is not None and data.changed_at < row.source_time:
        return  # an older change than the one applied
    row.name = data.name
    row.district_code = data.district_code
    row.industry_code = data.industry_code
    row.established_on = data.established_on
    row.source_time = data.changed_at
    row.updated_at = utcnow()
    row.last_event_id = env.id


async def project_indicators(session: AsyncSession, env: Envelope, data: IndicatorsReported) -> None:
    row = await session.get(EnterpriseIndicators, (data.uscc, data.year))
    if row is not None and data.reported_at < row.reported_at:
        return
    if row is None:
        row = EnterpriseIndicators(uscc=data.uscc, year=data.year)
        session.add(row)
    row.values = jsonable(dict(data.indicators))
    row.restated = data.restated
    row.reported_at = data.reported_at
    row.updated_at = utcnow()


async def project_qualification(session: AsyncSession, env: Envelope, data: Qualification) -> None:
    row = await session.get(EnterpriseQualification, data.qualification_id)
    if row is None:
        row = EnterpriseQualification(qualification_id=data.qualification_id)
        session.add(row)
    row.uscc = data.uscc
    row.kind = data.kind
    row.level = data.level
    row.document_no = data.document_no
    row.granted_on = data.granted_on
    row.expires_on = data.expires_on
    row.revoked_on = None
    row.status = "valid"
    if isinstance(data, QualificationExpired):
        row.status = "expired"
        if data.expires_on is None:
            # Expired without a recorded date: it ended the day before the registry said so.
            day = china_date(_event_time(env))
            row.expires_on = day - timedelta(days=1)
    elif isinstance(data, QualificationRevoked):
        row.status = "revoked"
        row.revoked_on = data.revoked_on
    row.updated_at = utcnow()


def _event_time(env: Envelope) -> datetime:
    try:
        at = datetime.fromisoformat(env.time)
    except ValueError:
        return utcnow()
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


async def project_assessment(session: AsyncSession, env: Envelope, data: AssessmentCompleted) -> None:
    row = await session.get(EnterpriseAssessment, (data.uscc, data.ruleset_id))
    if row is not None and data.assessed_at < row.assessed_at:
        return
    if row is None:
        row = EnterpriseAssessment(uscc=data.uscc, ruleset_id=data.ruleset_id)
        session.add(row)
    row.assessment_id = data.assessment_id
    row.ruleset_version = data.ruleset_version
    row.tier = data.tier
    row.result = data.result
    row.size_class = data.size_class
    row.data_year = data.data_year
    row.score = data.score
    row.as_of = data.as_of
    row.assessed_at = data.assessed_at
    row.updated_at = utcnow()


# --- handlers: projection, then re-match ---------------------------------------------------------

Projector = Callable[[AsyncSession, Envelope, Any], Awaitable[None]]


def _handler(ctx: FinanceContext, projector: Projector) -> Handler:
    async def handle(session: AsyncSession, env: Envelope, data: BaseModel) -> None:
        await projector(session, env, data)
        await session.flush()
        uscc = getattr(data, "uscc", None)
        if isinstance(uscc, str):
            await rematch_enterprise(session, ctx, uscc, ctx.clock())

    handle.__name__ = f"on_{projector.__name__.removeprefix('project_')}"
    return handle


def handlers(ctx: FinanceContext) -> dict[str, Handler]:
    """Event type → handler (what the consumers run; tests call them directly too)."""
    return {
        ENTERPRISE_REGISTERED: _handler(ctx, project_registered),
        PROFILE_CHANGED: _handler(ctx, project_profile_changed),
        INDICATORS_REPORTED: _handler(ctx, project_indicators),
        QUALIFICATION_GRANTED: _handler(ctx, project_qualification),
        QUALIFICATION_RENEWED: _handler(ctx, project_qualification),
        QUALIFICATION_EXPIRED: _handler(ctx, project_qualification),
        QUALIFICATION_REVOKED: _handler(ctx, project_qualification),
        ASSESSMENT_COMPLETED: _handler(ctx, project_assessment),
    }


def subscriptions(ctx: FinanceContext) -> list[Subscription]:
    h = handlers(ctx)
    return [
        Subscription(topic=REGISTRY_ENTERPRISES, handlers={t: f for t, f in h.items() if t != ASSESSMENT_COMPLETED}),
        Subscription(topic=ELIGIBILITY_ASSESSMENTS, handlers={ASSESSMENT_COMPLETED: h[ASSESSMENT_COMPLETED]}),
    ]
