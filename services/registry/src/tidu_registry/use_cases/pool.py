"""The cultivation pool (培育库): operators' moves, entries recommended by assessments, the white
list (白名单)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_registry import access
from tidu_registry.clock import today_cn, utcnow
from tidu_registry.domain.errors import DomainError, Violation
from tidu_registry.domain.pool import (
    PoolMove,
    Reason,
    ReasonKind,
    Stage,
    WhiteListEntry,
    end_white_list_entry,
    new_white_list_entry,
    plan_move,
)
from tidu_registry.domain.qualifications import TIER_RANK, Tier, tier_on
from tidu_registry.events import flush_changes, pool_changed, publish, transaction
from tidu_registry.models import Enterprise, pool_moves, white_list_entries
from tidu_registry.problems import from_domain, not_found, validation_problem
from tidu_registry.queries import enterprise_or_404, pool_move_rows, qualifications_of, scope_of
from tidu_registry.records import pool_move_from_row, pool_move_values
from tidu_shared.auth import Principal
from tidu_shared.consumer import PoisonEvent
from tidu_shared.contracts.eligibility import CandidateRecommended
from tidu_shared.contracts.registry import POOL_CHANGED
from tidu_shared.db import Database

log = logging.getLogger(__name__)

# The tiers an assessment names (contracts/eligibility.py) → the ladder (domain §10).
RECOMMENDED_TIERS: dict[str, Tier] = {
    "pool": Tier.SEED,
    "seed": Tier.SEED,
    "tech_sme": Tier.TECH_SME,
    "innovative": Tier.INNOVATIVE_SME,
    "innovative_sme": Tier.INNOVATIVE_SME,
    "srdi": Tier.SRDI_SME,
    "srdi_sme": Tier.SRDI_SME,
    "little_giant": Tier.LITTLE_GIANT,
    "single_champion": Tier.SINGLE_CHAMPION,
    "listed": Tier.LISTED,
}


async def _record_move(
    s: AsyncSession, ent: Enterprise, move: PoolMove, *, recommended_tier: str | None = None
) -> None:
    now = utcnow()
    await s.execute(
        pool_moves.insert().values(
            uscc=ent.uscc, recorded_at=now, recommended_tier=recommended_tier, **pool_move_values(move)
        )
    )
    ent.pool_stage = move.to_stage.value if move.to_stage else None
    publish(
        s,
        type=POOL_CHANGED,
        uscc=ent.uscc,
        district_code=ent.district_code,
        data=pool_changed(ent.uscc, ent.district_code, move, at=now, recommended_tier=recommended_tier),
    )


async def move(
    db: Database,
    principal: Principal,
    uscc: str,
    *,
    to_stage: str | None,
    reason: str,
    effective_on: dt.date | None = None,
) -> PoolMove:
    """An operator's decision: enter (reserve), step up or down, or leave (``to_stage`` None)."""
    today = today_cn()
    on = effective_on or today
    if on > today:
        raise validation_problem(
            [Violation("effective_on", "date_in_future", "调整日期不能晚于今天", "effective_on is in the future")]
        )
    async with transaction(db) as s:
        ent = await enterprise_or_404(s, uscc)
        access.ensure_may_manage(principal, scope_of(ent))
        moves = [pool_move_from_row(r) for r in await pool_move_rows(s, uscc)]
        try:
            planned = plan_move(
                moves,
                Stage(to_stage) if to_stage else None,
                on=on,
                reason=Reason(ReasonKind.OPERATOR, reason),
                who=principal.sub,
            )
        except DomainError as exc:
            raise from_domain(exc) from None
        await _record_move(s, ent, planned)
    return planned


async def enter_on_recommendation(s: AsyncSession, data: CandidateRecommended) -> bool:
    """推荐入库 (consumer, inside its transaction): the enterprise enters the pool as ``reserve`` with
    the assessment as its reason — unless it is in the pool already, or already holds the
    recommended tier (or a higher one). True when it entered."""
    ent = await s.get(Enterprise, data.uscc)
    if ent is None:
        raise PoisonEvent(f"enterprise {data.uscc} is not registered")
    if ent.pool_stage is not None:
        return False
    today = today_cn()
    tier = RECOMMENDED_TIERS.get(data.tier)
    held = tier_on(await qualifications_of(s, ent.uscc), today)
    if held is not None and tier is not None and TIER_RANK[held] >= TIER_RANK[tier]:
        return False
    moves = [pool_move_from_row(r) for r in await pool_move_rows(s, ent.uscc)]
    reason = Reason(ReasonKind.ASSESSMENT, data.reason, data.assessment_id)
    try:
        planned = plan_move(
            moves,
            Stage.RESERVE,
            on=max(today, moves[-1].on) if moves else today,
            reason=reason,
            who=f"eligibility:{data.ruleset_id}@{data.ruleset_version}",
        )
    except DomainError as exc:
        log.warning("recommendation for %s not applied: %s", data.uscc, exc)
        return False
    await _record_move(s, ent, planned, recommended_tier=data.tier)
    await flush_changes(s)
    return True


# --- white list ----------------------------------------------------------------------------------


def _entry(row: Any) -> WhiteListEntry:
    return WhiteListEntry(row.list_code, row.effective_from, row.effective_to, row.reason, row.decided_by)


async def add_to_white_list(
    db: Database,
    principal: Principal,
    uscc: str,
    *,
    list_code: str,
    effective_from: dt.date,
    effective_to: dt.date | None,
    reason: str,
) -> str:
    async with transaction(db) as s:
        ent = await enterprise_or_404(s, uscc)
        access.ensure_may_manage(principal, scope_of(ent))
        existing = (await s.execute(select(white_list_entries).where(white_list_entries.c.uscc == uscc))).all()
        try:
            entry = new_white_list_entry(
                [_entry(r) for r in existing],
                list_code=list_code,
                effective_from=effective_from,
                effective_to=effective_to,
                reason=reason,
                who=principal.sub,
            )
        except DomainError as exc:
            raise from_domain(exc) from None
        entry_id = str(uuid.uuid4())
        now = utcnow()
        await s.execute(
            white_list_entries.insert().values(
                id=entry_id,
                uscc=uscc,
                list_code=entry.list_code,
                effective_from=entry.effective_from,
                effective_to=entry.effective_to,
                reason=entry.reason,
                decided_by=entry.who,
                recorded_at=now,
                updated_at=now,
            )
        )
    return entry_id


async def end_white_list(db: Database, principal: Principal, entry_id: str, *, effective_to: dt.date) -> None:
    w = white_list_entries.c
    async with transaction(db) as s:
        row = (await s.execute(select(white_list_entries).where(w.id == entry_id))).first()
        if row is None:
            raise not_found("white_list_entry_not_found", "白名单记录", "white-list entry")
        ent = await enterprise_or_404(s, row.uscc)
        access.ensure_may_manage(principal, scope_of(ent))
        try:
            ended = end_white_list_entry(_entry(row), effective_to=effective_to)
        except DomainError as exc:
            raise from_domain(exc) from None
        await s.execute(
            update(white_list_entries)
            .where(w.id == entry_id)
            .values(effective_to=ended.effective_to, updated_at=utcnow())
        )
