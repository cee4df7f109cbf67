"""The registry's events: the data each carries, and how it leaves.

Every event goes to the outbox (``tidu_shared.outbox.emit``: validated against its contract, keyed by
USCC) and, in the same transaction, to the ``changes`` table that serves ``GET /v1/changes`` — the
same event id and bytes, so that the feed serves exactly what the topic carries. Use cases open their
transaction with :func:`transaction` (which writes the pending change rows before commit); consumer
handlers, which run in the consumer's transaction, call :func:`flush_changes` themselves.

No event carries the legal representative's identity number or phone, or the contacts: profile
events carry the whole non-personal profile and name the personal fields that changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tidu_registry.bulk import insert_many
from tidu_registry.domain.enterprise import EnterpriseProfile
from tidu_registry.domain.history import Statement
from tidu_registry.domain.pool import PoolMove
from tidu_registry.domain.qualifications import Qualification
from tidu_registry.models import changes
from tidu_shared.db import Database
from tidu_shared.outbox import emit, utcnow

_PENDING = "registry_changes"

PUBLIC_PROFILE_FIELDS: tuple[str, ...] = (
    "uscc",
    "name",
    "district_code",
    "industry_code",
    "established_on",
    "independent_legal_person",
    "niche_market_since",
    "main_product",
    "strategic_emerging",
    "six_foundations",
    "key_chain_link",
    "supplies_chain_leader",
    "own_brand",
)
PERSONAL_FIELDS = frozenset({"legal_rep_name", "legal_rep_id_number", "legal_rep_phone", "contacts"})
_MAIN_PRODUCT_FLAGS = ("strategic_emerging", "six_foundations", "key_chain_link", "supplies_chain_leader")


def publish(session: AsyncSession, *, type: str, uscc: str, district_code: str | None, data: dict[str, Any]) -> None:
    """Emit an event (outbox) and keep its copy for the change feed, in this transaction."""
    env = emit(session, type=type, subject=uscc, data=data)
    # The outbox row's own bytes when they are at hand (serialised once), else the envelope's.
    queued = session.info.get("outbox_pending") or [{}]
    payload = queued[-1]["payload"] if queued[-1].get("event_id") == env.id else env.to_bytes()
    session.info.setdefault(_PENDING, []).append(
        {
            "event_id": env.id,
            "event_type": env.type,
            "uscc": uscc,
            "district_code": district_code,
            "payload": payload,
            "recorded_at": utcnow(),
        }
    )


async def flush_changes(session: AsyncSession) -> None:
    rows = session.info.pop(_PENDING, None)
    if rows:
        await insert_many(session, changes, rows)


@asynccontextmanager
async def transaction(db: Database) -> AsyncIterator[AsyncSession]:
    """``db.transaction()`` that also writes the change-feed rows of the events it emitted."""
    async with db.transaction() as session:
        yield session
        await flush_changes(session)


# --- event data ----------------------------------------------------------------------------------


def _main_product(profile: EnterpriseProfile) -> dict[str, Any] | None:
    values = {"text": profile.main_product, **{f: getattr(profile, f) for f in _MAIN_PRODUCT_FLAGS}}
    return values if any(v is not None for v in values.values()) else None


def _public_profile(profile: EnterpriseProfile) -> dict[str, Any]:
    return {
        "uscc": profile.uscc,
        "name": profile.name,
        "district_code": profile.district_code,
        "industry_code": profile.industry_code,
        "established_on": profile.established_on,
        "independent_legal_person": profile.independent_legal_person,
        "niche_market_since": profile.niche_market_since,
        "main_product": _main_product(profile),
        "own_brand": profile.own_brand,
    }


def registered(profile: EnterpriseProfile, at: dt.datetime) -> dict[str, Any]:
    return {**_public_profile(profile), "registered_at": at}


def profile_changed(profile: EnterpriseProfile, statements: Sequence[Statement], *, version: int) -> dict[str, Any]:
    first = statements[0]
    return {
        **_public_profile(profile),
        "changes": {s.field: {"old": s.old, "new": s.new} for s in statements if s.field not in PERSONAL_FIELDS},
        "personal_fields_changed": [s.field for s in statements if s.field in PERSONAL_FIELDS],
        "source": first.source.value,
        "changed_by": first.who,
        "changed_at": first.when,
        "version": version,
    }


def indicators_reported(
    uscc: str,
    district_code: str,
    year: int,
    plain: dict[str, Any],
    *,
    restated: bool,
    changed_fields: list[str],
    source: str,
    who: str,
    at: dt.datetime,
) -> dict[str, Any]:
    """``plain``: every §3 field of the year (``indicator_record``)."""
    return {
        "uscc": uscc,
        "year": year,
        "indicators": plain,
        "restated": restated,
        "source": source,
        "reported_by": who,
        "reported_at": at,
        "district_code": district_code,
        "changed_fields": changed_fields,
    }


def qualification(qualification_id: str, uscc: str, district_code: str, q: Qualification) -> dict[str, Any]:
    return {
        "qualification_id": qualification_id,
        "uscc": uscc,
        "kind": q.kind.value,
        "level": q.level.value,
        "document_no": q.document_no,
        "granted_on": q.granted_on,
        "expires_on": q.current_expires_on,
        "district_code": district_code,
    }


def pool_changed(
    uscc: str, district_code: str, move: PoolMove, *, at: dt.datetime, recommended_tier: str | None = None
) -> dict[str, Any]:
    reason = move.reason
    return {
        "uscc": uscc,
        "district_code": district_code,
        "stage": move.to_stage.value if move.to_stage else None,
        "previous_stage": move.from_stage.value if move.from_stage else None,
        "reason": reason.text or (f"评估 {reason.assessment_id}" if reason.assessment_id else ""),
        "reason_source": reason.kind.value,
        "decided_by": move.who,
        "changed_at": at,
        "effective_on": move.on,
        "assessment_id": reason.assessment_id,
        "recommended_tier": recommended_tier,
    }
