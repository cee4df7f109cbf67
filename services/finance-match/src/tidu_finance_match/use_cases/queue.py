"""An institution's work queue: the cases pushed to its products, oldest deadline first, each with
the demand and — only while the enterprise's consent to share is in force — the enterprise's data
(profile, tier, latest indicators, valid qualifications). A read: no transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select

from tidu_finance_match.context import FinanceContext
from tidu_finance_match.domain.tier import ladder_tier
from tidu_finance_match.models import (
    CaseRow,
    ConsentRow,
    DemandRow,
    EnterpriseIndicators,
    EnterpriseProfile,
    EnterpriseQualification,
)
from tidu_finance_match.snapshots import qualification_of
from tidu_finance_match.use_cases.common import china_date
from tidu_finance_match.views import case_json, demand_brief, enterprise_json
from tidu_shared.auth import Principal, Role
from tidu_shared.db import Database
from tidu_shared.errors import ProblemError
from tidu_shared.outbox import utcnow

CASE_STATES = ("pushed", "viewed", "accepted", "declined", "credit_granted", "disbursed", "withdrawn")


@dataclass(frozen=True)
class QueueQuery:
    states: Sequence[str] = ("pushed", "viewed", "accepted", "credit_granted")
    limit: int = 50
    offset: int = 0


def _ensure_may_read_queue(principal: Principal, institution_code: str) -> None:
    if principal.role == Role.institution and principal.inst == institution_code:
        return
    if principal.role in (Role.admin, Role.operator):
        return
    if principal.role == Role.institution:
        raise ProblemError(
            403, "other_institution", "无权访问", "只能查看本机构的待办", "an institution sees its own queue only"
        )
    raise ProblemError(
        403, "role_not_allowed", "无权访问", f"当前角色（{principal.role}）无权查看机构待办", "role not allowed"
    )


async def institution_queue(
    ctx: FinanceContext, db: Database, principal: Principal, institution_code: str, q: QueueQuery
) -> dict[str, Any]:
    _ensure_may_read_queue(principal, institution_code)
    now = utcnow()
    stmt = (
        select(CaseRow, DemandRow)
        .join(DemandRow, DemandRow.id == CaseRow.demand_id)
        .where(CaseRow.institution_code == institution_code, CaseRow.state.in_(list(q.states)))
    )
    if principal.role == Role.operator and not principal.is_city:
        stmt = stmt.where(DemandRow.district_code == principal.district)
    awaiting_first = case((CaseRow.state.in_(("pushed", "viewed")), 0), else_=1)
    async with db.read() as s:
        total = int((await s.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one())
        pairs = (
            await s.execute(stmt.order_by(awaiting_first, CaseRow.due_at, CaseRow.id).limit(q.limit).offset(q.offset))
        ).all()
        usccs = sorted({c.uscc for c, _ in pairs})
        consent_ids = sorted({d.consent_id for _, d in pairs if d.consent_id})
        consents = {
            c.id: c for c in (await s.execute(select(ConsentRow).where(ConsentRow.id.in_(consent_ids)))).scalars()
        }
        profiles = {
            p.uscc: p
            for p in (await s.execute(select(EnterpriseProfile).where(EnterpriseProfile.uscc.in_(usccs)))).scalars()
        }
        latest: dict[str, EnterpriseIndicators] = {}
        for ind in (
            await s.execute(select(EnterpriseIndicators).where(EnterpriseIndicators.uscc.in_(usccs)))
        ).scalars():
            if ind.uscc not in latest or ind.year > latest[ind.uscc].year:
                latest[ind.uscc] = ind
        quals: dict[str, list[EnterpriseQualification]] = {}
        for qrow in (
            await s.execute(select(EnterpriseQualification).where(EnterpriseQualification.uscc.in_(usccs)))
        ).scalars():
            quals.setdefault(qrow.uscc, []).append(qrow)
        catalogue = await ctx.catalogue.get(s)
    items = []
    today = china_date(now)
    for c, d in pairs:
        consent = consents.get(d.consent_id or "")
        shared = consent is not None and consent.share_with_institutions and consent.in_force(now)
        product = catalogue.product(c.product_code)
        item = case_json(c, product.name if product is not None else None, now)
        own_quals = quals.get(c.uscc, [])
        item["demand"] = demand_brief(d)
        item["enterprise"] = (
            enterprise_json(
                profiles.get(c.uscc),
                latest.get(c.uscc),
                own_quals,
                ladder_tier([qualification_of(x) for x in own_quals], today),
            )
            if shared
            else None
        )
        item["consent_in_force"] = shared
        item["consent_id"] = consent.id if shared and consent is not None else None
        items.append(item)
    return {"institution_code": institution_code, "items": items, "total": total}
