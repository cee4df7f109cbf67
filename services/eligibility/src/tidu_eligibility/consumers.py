"""Event handlers of the eligibility service: each runs inside the consumer's transaction (which
also records the event id in the inbox) and never commits.

From ``tidu.registry.enterprises``: the registration, profile changes, yearly indicators and the
qualification lifecycle (granted, renewed, expired, revoked) update the projections; then the
enterprise is re-assessed under every rule set in force, in the same transaction
(:mod:`tidu_eligibility.use_cases.reassess`). Guards besides the inbox: a profile change or an
indicator statement older than the one applied changes nothing (and re-assesses nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_eligibility.context import EligibilityContext
from tidu_eligibility.models import EnterpriseProfile, indicator_years, qualifications
from tidu_eligibility.settings import Settings
from tidu_eligibility.snapshots import plain_indicators
from tidu_eligibility.use_cases.reassess import reassess
from tidu_shared.consumer import Handler, Subscription
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
    MainProduct,
    ProfileChanged,
    Qualification,
    QualificationRevoked,
)
from tidu_shared.events import Envelope
from tidu_shared.outbox import utcnow
from tidu_shared.topics import REGISTRY_ENTERPRISES

_PRODUCT_FLAGS = ("strategic_emerging", "six_foundations", "key_chain_link", "supplies_chain_leader")
QUALIFICATION_STATUS = {
    QUALIFICATION_GRANTED: "active",
    QUALIFICATION_RENEWED: "active",
    QUALIFICATION_EXPIRED: "expired",
    QUALIFICATION_REVOKED: "revoked",
}


def _apply_profile(row: EnterpriseProfile, data: EnterpriseRegistered | ProfileChanged) -> None:
    row.name = data.name
    row.district_code = data.district_code
    row.industry_code = data.industry_code
    row.established_on = data.established_on
    row.independent_legal_person = data.independent_legal_person
    row.niche_market_since = data.niche_market_since
    row.own_brand = data.own_brand
    product = data.main_product or MainProduct()
    row.main_product_text = product.text
    for flag in _PRODUCT_FLAGS:
        setattr(row, flag, getattr(product, flag))
    row.time_honoured_brand = product.time_honoured_brand


class Handlers:
    """The registry handlers; they need the context (rule book, clock) to re-assess."""

    def __init__(self, ctx: EligibilityContext) -> None:
        self.ctx = ctx

    async def on_enterprise_registered(self, session: AsyncSession, env: Envelope, data: BaseModel) -> None:
        assert isinstance(data, EnterpriseRegistered)
        row = await session.get(EnterpriseProfile, data.uscc)
        if row is None:
            row = EnterpriseProfile(uscc=data.uscc)
            session.add(row)
        elif row.profile_changed_at is not None:
            # a later profile change was applied already; only the registration time is new
            row.registered_at = data.registered_at
            return
        _apply_profile(row, data)
        row.registered_at = data.registered_at
        row.stated_at = data.registered_at
        row.updated_at = utcnow()
        row.last_event_id = env.id
        await session.flush()
        await reassess(session, self.ctx, data.uscc, event_id=env.id)

    async def on_profile_changed(self, session: AsyncSession, env: Envelope, data: BaseModel) -> None:
        assert isinstance(data, ProfileChanged)
        row = await session.get(EnterpriseProfile, data.uscc)
        if row is None:
            # the registration was not projected (a replayed or reordered stream): the change
            # carries the whole public profile
            row = EnterpriseProfile(uscc=data.uscc, registered_at=data.changed_at)
            session.add(row)
        elif row.profile_changed_at is not None and data.changed_at < row.profile_changed_at:
            return
        _apply_profile(row, data)
        row.profile_changed_at = data.changed_at
        row.profile_version = data.version
        row.stated_at = data.changed_at
        row.updated_at = utcnow()
        row.last_event_id = env.id
        await session.flush()
        await reassess(session, self.ctx, data.uscc, event_id=env.id)

    async def on_indicators_reported(self, session: AsyncSession, env: Envelope, data: BaseModel) -> None:
        assert isinstance(data, IndicatorsReported)
        t = indicator_years.c
        key = (t.uscc == data.uscc, t.year == data.year)
        applied = (await session.execute(select(t.reported_at).where(*key))).first()
        if applied is not None and data.reported_at < applied.reported_at:
            return  # an older statement of the year arrived late
        values = {
            "indicator_values": plain_indicators(data.indicators),
            "event_id": env.id,
            "reported_at": data.reported_at,
            "source": data.source[:40],
            "restated": data.restated,
            "updated_at": utcnow(),
        }
        if applied is None:
            await session.execute(indicator_years.insert().values(uscc=data.uscc, year=data.year, **values))
        else:
            await session.execute(update(indicator_years).where(*key).values(**values))
        await reassess(session, self.ctx, data.uscc, event_id=env.id)

    async def on_qualification(self, session: AsyncSession, env: Envelope, data: BaseModel) -> None:
        assert isinstance(data, Qualification)
        q = qualifications.c
        values = {
            "uscc": data.uscc,
            "kind": data.kind,
            "level": data.level,
            "document_no": data.document_no,
            "granted_on": data.granted_on,
            "expires_on": data.expires_on,
            "status": QUALIFICATION_STATUS[env.type],
            "revoked_on": data.revoked_on if isinstance(data, QualificationRevoked) else None,
            "event_id": env.id,
            "event_type": env.type,
            "updated_at": utcnow(),
        }
        known = (await session.execute(select(q.status).where(q.qualification_id == data.qualification_id))).first()
        if known is None:
            await session.execute(qualifications.insert().values(qualification_id=data.qualification_id, **values))
        elif known.status == "revoked" and values["status"] != "revoked":
            return  # a revocation is final: a late grant or expiry of the same record changes nothing
        else:
            await session.execute(
                update(qualifications).where(q.qualification_id == data.qualification_id).values(**values)
            )
        await reassess(session, self.ctx, data.uscc, event_id=env.id)


def subscriptions(ctx: EligibilityContext) -> list[Subscription]:
    """The app's subscriptions: the handlers bound to the app's context."""
    h = Handlers(ctx)
    return _subscriptions(lambda name: getattr(h, name))


def _subscriptions(handler: Callable[[str], Handler]) -> list[Subscription]:
    return [
        Subscription(
            topic=REGISTRY_ENTERPRISES,
            handlers={
                ENTERPRISE_REGISTERED: handler("on_enterprise_registered"),
                PROFILE_CHANGED: handler("on_profile_changed"),
                INDICATORS_REPORTED: handler("on_indicators_reported"),
                QUALIFICATION_GRANTED: handler("on_qualification"),
                QUALIFICATION_RENEWED: handler("on_qualification"),
                QUALIFICATION_EXPIRED: handler("on_qualification"),
                QUALIFICATION_REVOKED: handler("on_qualification"),
            },
        )
    ]


@cache
def _environment_handlers() -> Handlers:
    return Handlers(EligibilityContext(Settings()))


def _from_environment(name: str) -> Handler:
    """A handler with a context built from the environment on first use (a stand-alone consumer
    process); the app uses :func:`subscriptions` instead."""

    async def handle(session: AsyncSession, env: Envelope, data: BaseModel) -> None:
        await getattr(_environment_handlers(), name)(session, env, data)

    return handle


SUBSCRIPTIONS = _subscriptions(_from_environment)
"""What this service consumes (discovery, contract tests); the app binds its own context."""
