"""Event handlers of the whistle service: each runs inside the consumer's transaction (which
also records the event id in the inbox) and never commits.

- registry (``tidu.registry.enterprises``): ENTERPRISE_REGISTERED and PROFILE_CHANGED keep the
  enterprise projection (district, name …); COMMISSIONER_ASSIGNED stores the enterprise's service
  commissioner (who then sees its issues and is notified of them). Guards besides the inbox: a
  fact older than the one already applied (``changed_at`` / ``assigned_at``) changes nothing.
- finance-match (``tidu.finance.demands``): FINANCING_FAILED raises a ``financing`` issue for the
  enterprise as the system (``tidu-finance-match``), once per ``demand_id`` (``issues.source_ref``
  is unique).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_shared.consumer import Handler, PoisonEvent, Subscription
from tidu_shared.contracts.finance import FINANCING_FAILED, FinancingFailed
from tidu_shared.contracts.registry import (
    COMMISSIONER_ASSIGNED,
    ENTERPRISE_REGISTERED,
    PROFILE_CHANGED,
    CommissionerAssigned,
    EnterpriseRegistered,
    ProfileChanged,
)
from tidu_shared.events import Envelope
from tidu_shared.outbox import utcnow
from tidu_shared.topics import FINANCE_DEMANDS, REGISTRY_ENTERPRISES
from tidu_whistle.context import WhistleContext
from tidu_whistle.domain.errors import DomainError
from tidu_whistle.domain.issues import DESCRIPTION_MAX, TITLE_MAX, IssueDraft
from tidu_whistle.domain.model import Actor, Role, Urgency
from tidu_whistle.models import EnterpriseProfile, IssueRow
from tidu_whistle.settings import Settings
from tidu_whistle.use_cases.raising import raise_in

FINANCE_SYSTEM = "tidu-finance-match"
FINANCING_SOURCE = "financing_failed"


def _older(incoming: datetime, applied: datetime | None) -> bool:
    return applied is not None and incoming < applied


async def on_enterprise_registered(session: AsyncSession, env: Envelope, data: BaseModel) -> None:
    assert isinstance(data, EnterpriseRegistered)
    row = await session.get(EnterpriseProfile, data.uscc)
    if row is None:
        row = EnterpriseProfile(uscc=data.uscc)
        session.add(row)
    elif row.profile_changed_at is not None:
        # a later profile change was already applied; only the registration time is new
        row.registered_at = data.registered_at
        row.last_event_id = env.id
        return
    row.name = data.name
    row.district_code = data.district_code
    row.industry_code = data.industry_code
    row.established_on = data.established_on
    row.registered_at = data.registered_at
    row.updated_at = utcnow()
    row.last_event_id = env.id


async def on_profile_changed(session: AsyncSession, env: Envelope, data: BaseModel) -> None:
    assert isinstance(data, ProfileChanged)
    row = await session.get(EnterpriseProfile, data.uscc)
    if row is None:
        # the registration has not been projected (a replayed or reordered stream): the change
        # carries the whole profile
        row = EnterpriseProfile(uscc=data.uscc, registered_at=data.changed_at)
        session.add(row)
    elif _older(data.changed_at, row.profile_changed_at):
        return
    row.name = data.name
    row.district_code = data.district_code
    row.industry_code = data.industry_code
    row.established_on = data.established_on
    row.profile_changed_at = data.changed_at
    row.updated_at = utcnow()
    row.last_event_id = env.id


async def on_commissioner_assigned(session: AsyncSession, env: Envelope, data: BaseModel) -> None:
    assert isinstance(data, CommissionerAssigned)
    row = await session.get(EnterpriseProfile, data.uscc)
    if row is None:
        # registration comes first on the same partition; replay this from the dead letters once it has
        raise PoisonEvent(f"commissioner assigned to {data.uscc}, which is not in the projection")
    if _older(data.assigned_at, row.commissioner_assigned_at):
        return
    row.commissioner_id = data.commissioner_id
    row.commissioner_name = data.commissioner_name
    row.commissioner_assigned_at = data.assigned_at
    row.updated_at = utcnow()
    row.last_event_id = env.id


def financing_source_ref(demand_id: str) -> str:
    return f"finance-demand:{demand_id}"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_REASONS_ZH = {
    "all_declined": "所有匹配的金融产品均已拒绝",
    "none_matched": "没有匹配的金融产品",
    "deadline_lapsed": "金融机构逾期未响应",
}


def financing_draft(data: FinancingFailed) -> IssueDraft:
    reason = _REASONS_ZH.get(data.reason, data.reason)
    lines = [
        data.summary,
        "",
        f"融资需求编号：{data.demand_id}",
        f"申请金额：{data.amount} 万元" + (f"，期限 {data.term_months} 个月" if data.term_months else ""),
        f"用途：{data.purpose}" if data.purpose else "",
        f"未获满足原因：{reason}",
        *(f"- {d}" for d in data.details),
    ]
    return IssueDraft(
        enterprise_uscc=data.uscc,
        category="financing",
        district=data.district_code,
        title=_clip(f"融资需求未获满足：{data.amount} 万元（{reason}）", TITLE_MAX),
        description=_clip("\n".join(line for line in lines if line is not None).strip(), DESCRIPTION_MAX),
        urgency=Urgency.HIGH if data.reason == "deadline_lapsed" else Urgency.NORMAL,
    )


class FinanceHandlers:
    """Handlers that need the service context (reference data, policies, clock)."""

    def __init__(self, ctx: WhistleContext) -> None:
        self.ctx = ctx

    async def on_financing_failed(self, session: AsyncSession, env: Envelope, data: BaseModel) -> None:
        assert isinstance(data, FinancingFailed)
        ref = financing_source_ref(data.demand_id)
        if await session.scalar(select(IssueRow.id).where(IssueRow.source_ref == ref)) is not None:
            return  # already raised for this demand (another event id for the same fact)
        profile = await session.get(EnterpriseProfile, data.uscc)
        # the domain lets an enterprise raise its issue; the timeline records the system instead
        stand_in = Actor(Role.ENTERPRISE, FINANCE_SYSTEM, uscc=data.uscc)
        try:
            await raise_in(
                session,
                self.ctx,
                draft=financing_draft(data),
                actor=stand_in,
                at=self.ctx.now(),
                source=FINANCING_SOURCE,
                source_ref=ref,
                raised_by=FINANCE_SYSTEM,
                attachments=[],
                profile=profile,
                recorded_actor=Actor(Role.SYSTEM, FINANCE_SYSTEM),
            )
        except DomainError as exc:  # an unknown district: can never be applied as it is
            raise PoisonEvent(f"financing issue for demand {data.demand_id}: {exc}") from exc


def subscriptions(ctx: WhistleContext) -> list[Subscription]:
    """The app's subscriptions: the financing handler bound to the app's context."""
    return _subscriptions(FinanceHandlers(ctx).on_financing_failed)


def _subscriptions(on_financing_failed: Handler) -> list[Subscription]:
    return [
        Subscription(
            topic=REGISTRY_ENTERPRISES,
            handlers={
                ENTERPRISE_REGISTERED: on_enterprise_registered,
                PROFILE_CHANGED: on_profile_changed,
                COMMISSIONER_ASSIGNED: on_commissioner_assigned,
            },
        ),
        Subscription(topic=FINANCE_DEMANDS, handlers={FINANCING_FAILED: on_financing_failed}),
    ]


@cache
def _environment_context() -> WhistleContext:
    return WhistleContext(Settings())


async def on_financing_failed(session: AsyncSession, env: Envelope, data: BaseModel) -> None:
    """The financing handler with a context built from the environment on first use (for a
    stand-alone ``tidu consume``-style runner); the app uses :func:`subscriptions` instead."""
    await FinanceHandlers(_environment_context()).on_financing_failed(session, env, data)


SUBSCRIPTIONS = _subscriptions(on_financing_failed)
"""What this service consumes (discovery, contract tests); the app binds its own context."""
