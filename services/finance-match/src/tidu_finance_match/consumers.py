"""Event handlers of the finance-match service: each runs inside the consumer's transaction (which
also records the event id in the inbox) and never commits."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_finance_match.models import EnterpriseProfile
from tidu_shared.consumer import Subscription
from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED, EnterpriseRegistered
from tidu_shared.events import Envelope
from tidu_shared.outbox import utcnow
from tidu_shared.topics import REGISTRY_ENTERPRISES


async def on_enterprise_registered(session: AsyncSession, env: Envelope, data: BaseModel) -> None:
    assert isinstance(data, EnterpriseRegistered)
    row = await session.get(EnterpriseProfile, data.uscc)
    if row is None:
        row = EnterpriseProfile(uscc=data.uscc)
        session.add(row)
    row.name = data.name
    row.district_code = data.district_code
    row.industry_code = data.industry_code
    row.established_on = data.established_on
    row.registered_at = data.registered_at
    row.updated_at = utcnow()
    row.last_event_id = env.id


SUBSCRIPTIONS = [
    Subscription(topic=REGISTRY_ENTERPRISES, handlers={ENTERPRISE_REGISTERED: on_enterprise_registered}),
]
