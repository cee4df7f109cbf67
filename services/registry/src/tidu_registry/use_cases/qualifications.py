"""Qualifications (认定): recording a grant, renewal after 复核, revocation, and the daily expiry
notices (qualification.expiring 90 days ahead, qualification.expired)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_registry import access
from tidu_registry.clock import today_cn, utcnow
from tidu_registry.domain.errors import DomainError, Violation
from tidu_registry.domain.qualifications import (
    EXPIRY_HORIZON_DAYS,
    NoticeKind,
    Qualification,
    notice_due,
    parse_qualification,
    renew,
    revoke,
)
from tidu_registry.events import publish, transaction
from tidu_registry.events import qualification as qualification_data
from tidu_registry.models import Enterprise, qualification_notices, qualification_periods, qualifications
from tidu_registry.problems import from_domain, not_found, validation_problem
from tidu_registry.queries import enterprise_or_404, scope_of
from tidu_registry.records import period_rows, qualification_from_row, qualification_values
from tidu_shared.auth import Principal
from tidu_shared.contracts.registry import (
    QUALIFICATION_EXPIRED,
    QUALIFICATION_EXPIRING,
    QUALIFICATION_GRANTED,
    QUALIFICATION_RENEWED,
    QUALIFICATION_REVOKED,
)
from tidu_shared.db import Database
from tidu_shared.errors import conflict

Q = qualifications.c
LATEST_EXPIRY = dt.date(2199, 12, 31)


async def _write_periods(s: AsyncSession, qualification_id: str, uscc: str, q: Qualification) -> None:
    await s.execute(delete(qualification_periods).where(qualification_periods.c.qualification_id == qualification_id))
    rows = period_rows(qualification_id, uscc, q)
    if rows:
        await s.execute(qualification_periods.insert(), rows)


async def grant(db: Database, principal: Principal, uscc: str, data: Mapping[str, Any]) -> str:
    """认定: record a recognition an authority granted. The same kind and document number twice is a
    conflict."""
    async with transaction(db) as s:
        ent = await enterprise_or_404(s, uscc)
        access.ensure_may_manage(principal, scope_of(ent))
        try:
            q = parse_qualification(data, today=today_cn())
        except DomainError as exc:
            raise from_domain(exc) from None
        if q.expires_on is not None and q.expires_on > LATEST_EXPIRY:
            raise validation_problem(
                [Violation("expires_on", "out_of_range", "有效期至不合理（晚于2199年）", "expires_on beyond 2199")]
            )
        duplicate = await s.execute(
            select(Q.id).where(Q.uscc == uscc, Q.kind == q.kind.value, Q.document_no == q.document_no)
        )
        if duplicate.first() is not None:
            raise conflict(
                "qualification_exists",
                f"该企业已登记文号为 {q.document_no} 的同类认定",
                "this recognition (kind and document number) is already recorded",
            )
        qid = str(uuid.uuid4())
        now = utcnow()
        await s.execute(
            qualifications.insert().values(
                id=qid,
                uscc=uscc,
                recorded_by=principal.sub,
                created_at=now,
                updated_at=now,
                version=1,
                **qualification_values(q),
            )
        )
        await _write_periods(s, qid, uscc, q)
        publish(
            s,
            type=QUALIFICATION_GRANTED,
            uscc=uscc,
            district_code=ent.district_code,
            data=qualification_data(qid, uscc, ent.district_code, q),
        )
    return qid


async def _load(s: AsyncSession, principal: Principal, qualification_id: str) -> tuple[Any, Enterprise, Qualification]:
    row = (await s.execute(select(qualifications).where(Q.id == qualification_id))).first()
    if row is None:
        raise not_found("qualification_not_found", "认定记录", "qualification")
    ent = await enterprise_or_404(s, row.uscc)
    access.ensure_may_manage(principal, scope_of(ent))
    return row, ent, qualification_from_row(row)


async def _save(s: AsyncSession, row: Any, q: Qualification) -> None:
    await s.execute(
        update(qualifications)
        .where(Q.id == row.id)
        .values(updated_at=utcnow(), version=row.version + 1, **qualification_values(q))
    )
    await _write_periods(s, row.id, row.uscc, q)


async def renew_qualification(
    db: Database,
    principal: Principal,
    qualification_id: str,
    *,
    reviewed_on: dt.date,
    expires_on: dt.date | None,
    document_no: str | None,
) -> str:
    """复核通过: the validity extended (see the domain for the default term and lapses)."""
    async with transaction(db) as s:
        row, ent, q = await _load(s, principal, qualification_id)
        try:
            renewed = renew(q, reviewed_on=reviewed_on, expires_on=expires_on, document_no=document_no)
        except DomainError as exc:
            raise from_domain(exc) from None
        await _save(s, row, renewed)
        publish(
            s,
            type=QUALIFICATION_RENEWED,
            uscc=row.uscc,
            district_code=ent.district_code,
            data={
                **qualification_data(row.id, row.uscc, ent.district_code, renewed),
                "previous_expires_on": q.current_expires_on,
            },
        )
    return str(row.id)


async def revoke_qualification(
    db: Database, principal: Principal, qualification_id: str, *, revoked_on: dt.date, reason: str
) -> str:
    """撤销: not valid from ``revoked_on`` on."""
    async with transaction(db) as s:
        row, ent, q = await _load(s, principal, qualification_id)
        try:
            revoked = revoke(q, revoked_on=revoked_on, reason=reason, who=principal.sub)
        except DomainError as exc:
            raise from_domain(exc) from None
        await _save(s, row, revoked)
        assert revoked.revocation is not None
        publish(
            s,
            type=QUALIFICATION_REVOKED,
            uscc=row.uscc,
            district_code=ent.district_code,
            data={
                **qualification_data(row.id, row.uscc, ent.district_code, revoked),
                "revoked_on": revoked.revocation.revoked_on,
                "reason": revoked.revocation.reason,
            },
        )
    return str(row.id)


# --- the daily notices ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoticeRun:
    today: dt.date
    expiring: int
    expired: int


async def publish_notices(db: Database, *, today: dt.date | None = None) -> NoticeRun:
    """Publish the expiry notices due on ``today`` (China date by default) that were not published
    before (per qualification and the domain's ``dedup_key``): running it twice publishes nothing new."""
    day = today or today_cn()
    n = qualification_notices.c
    horizon = day + dt.timedelta(days=EXPIRY_HORIZON_DAYS)
    already_expired = exists().where(
        n.qualification_id == Q.id, n.notice_kind == NoticeKind.EXPIRED.value, n.expires_on == Q.current_expires_on
    )
    candidates = (
        select(qualifications, Enterprise.district_code)
        .join(Enterprise, Enterprise.uscc == Q.uscc)
        .where(
            Q.current_expires_on.is_not(None),
            Q.current_expires_on <= horizon,
            or_(Q.revoked_on.is_(None), Q.revoked_on > day),
            ~already_expired,
        )
        .order_by(Q.current_expires_on, Q.id)
    )
    counts = {NoticeKind.EXPIRING: 0, NoticeKind.EXPIRED: 0}
    async with transaction(db) as s:
        rows = (await s.execute(candidates)).all()
        sent = {
            (r.qualification_id, r.dedup_key)
            for r in (
                await s.execute(
                    select(n.qualification_id, n.dedup_key).where(
                        and_(n.qualification_id.in_(select(Q.id).where(Q.current_expires_on <= horizon)))
                    )
                )
            ).all()
        }
        now = utcnow()
        for row in rows:
            q = qualification_from_row(row)
            notice = notice_due(q, day)
            if notice is None or (row.id, notice.dedup_key) in sent:
                continue
            await s.execute(
                qualification_notices.insert().values(
                    qualification_id=row.id,
                    dedup_key=notice.dedup_key,
                    notice_kind=notice.kind.value,
                    expires_on=notice.expires_on,
                    sent_at=now,
                )
            )
            data = qualification_data(row.id, row.uscc, row.district_code, q)
            if notice.kind is NoticeKind.EXPIRING:
                publish(
                    s,
                    type=QUALIFICATION_EXPIRING,
                    uscc=row.uscc,
                    district_code=row.district_code,
                    data={**data, "days_left": notice.days_left},
                )
            else:
                publish(s, type=QUALIFICATION_EXPIRED, uscc=row.uscc, district_code=row.district_code, data=data)
            counts[notice.kind] += 1
    return NoticeRun(day, counts[NoticeKind.EXPIRING], counts[NoticeKind.EXPIRED])
