"""The matching engine every use case shares. These functions run inside the caller's transaction
and never commit.

- :func:`match_demand` runs the domain matcher for one demand on the current projections.
- :func:`apply_outcome` keeps the demand's matches (``demand_matches``: matched and needs-data
  products; a product without a row does not match), pushes every matched product that has no case
  yet to its institution (only with the enterprise's consent to share: the domain refuses
  otherwise), updates the demand's summary and raises the 融资难 issue when due.
- :func:`rematch_enterprise` re-matches the open demands of one enterprise (its profile,
  indicators, qualifications, an assessment or its credit grade changed).
- :func:`rematch_product_change` re-matches every open demand against one new, changed or withdrawn
  product (``domain.matching.rematch_product``: enterprise facts once per enterprise, one product's
  gates per demand), touching only the demands whose status for that product changed.

Once a product is pushed, its case follows the workflow whatever later re-matches say: a product
that stops matching (changed gates, withdrawn, the enterprise's data changed) loses its match row,
and a case already open stays open for its institution to decide.

The 融资难 decision (``domain.financing_failure``) is raised once per demand: the first reason wins
(``demands.failure_reason`` set by a guarded UPDATE, so concurrent transactions cannot both raise
it). Once anything was pushed the cases decide (``all_declined``, ``deadline_lapsed``); only a
demand that never had a case can fail with ``none_matched``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_finance_match.catalogue_store import LoadedCatalogue
from tidu_finance_match.context import FinanceContext
from tidu_finance_match.domain.catalogue import Product
from tidu_finance_match.domain.deadlines import first_response_deadline
from tidu_finance_match.domain.demands import Demand
from tidu_finance_match.domain.enterprise import EnterpriseFacts, EnterpriseSnapshot, enterprise_facts
from tidu_finance_match.domain.financing_failure import FinancingFailure, assess_financing_failure
from tidu_finance_match.domain.matching import (
    MatchOutcome,
    MatchStatus,
    ProductMatch,
    match_facts,
    rematch_product,
    score_components,
)
from tidu_finance_match.domain.workflow import push
from tidu_finance_match.models import CaseRow, CaseTimelineRow, ConsentRow, DemandMatchRow, DemandRow
from tidu_finance_match.snapshots import load_snapshots
from tidu_finance_match.use_cases.common import (
    SYSTEM_ACTOR,
    case_deadline,
    china_date,
    domain_case,
    domain_demand,
)
from tidu_shared.contracts.finance import DEMAND_PUSHED, FINANCING_FAILED
from tidu_shared.outbox import emit

OPEN = "open"
_CHUNK = 500


@dataclass
class MatchRun:
    demand: Demand
    outcome: MatchOutcome
    snapshot: EnterpriseSnapshot | None


@dataclass
class ApplyReport:
    pushed: list[CaseRow]
    failure: FinancingFailure | None


def _chunks(items: Sequence[Any], n: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


async def consents_of(session: AsyncSession, demands: Iterable[DemandRow]) -> dict[str, ConsentRow]:
    ids = sorted({d.consent_id for d in demands if d.consent_id})
    out: dict[str, ConsentRow] = {}
    for chunk in _chunks(ids):
        for c in (await session.execute(select(ConsentRow).where(ConsentRow.id.in_(chunk)))).scalars():
            out[c.id] = c
    return out


async def matches_of(session: AsyncSession, demand_ids: Sequence[str]) -> dict[str, list[DemandMatchRow]]:
    out: dict[str, list[DemandMatchRow]] = {d: [] for d in demand_ids}
    for chunk in _chunks(demand_ids):
        for m in (await session.execute(select(DemandMatchRow).where(DemandMatchRow.demand_id.in_(chunk)))).scalars():
            out[m.demand_id].append(m)
    return out


async def cases_of(session: AsyncSession, demand_ids: Sequence[str]) -> dict[str, list[CaseRow]]:
    out: dict[str, list[CaseRow]] = {d: [] for d in demand_ids}
    for chunk in _chunks(demand_ids):
        for c in (await session.execute(select(CaseRow).where(CaseRow.demand_id.in_(chunk)))).scalars():
            out[c.demand_id].append(c)
    return out


def facts_for(snapshot: EnterpriseSnapshot | None, demand: Demand, now: datetime) -> EnterpriseFacts:
    """Facts of the enterprise; one that left the projection is matched with no data at all."""
    return enterprise_facts(snapshot or EnterpriseSnapshot(uscc=demand.uscc), china_date(now))


async def match_demand(
    session: AsyncSession,
    ctx: FinanceContext,
    row: DemandRow,
    consent: ConsentRow | None,
    now: datetime,
    *,
    catalogue: LoadedCatalogue | None = None,
    snapshot: EnterpriseSnapshot | None = None,
    products: Sequence[Product] | None = None,
) -> MatchRun:
    catalogue = catalogue or await ctx.catalogue.get(session)
    if snapshot is None:
        snaps = await load_snapshots(
            session,
            [row.uscc],
            now=now,
            as_of=china_date(now),
            grade_max_age_days=ctx.settings.credit_grade_max_age_days,
        )
        snapshot = snaps.get(row.uscc)
    demand = domain_demand(row, consent, now)
    speed = await ctx.speed.get(session)
    outcome = match_facts(
        demand,
        facts_for(snapshot, demand, now),
        catalogue.active if products is None else products,
        weights=ctx.weights,
        decision_speed=speed,
    )
    return MatchRun(demand, outcome, snapshot)


def push_values(
    session: AsyncSession,
    ctx: FinanceContext,
    *,
    row: Any,
    demand: Demand,
    product: Product,
    catalogue: LoadedCatalogue,
    enterprise_name: str,
    score: float | None,
    reasons_zh: list[str],
    now: datetime,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Open a case: the domain checks the consent; the deadline counts the institution's working
    days; the ``demand.pushed`` event is emitted. Returns the case's and its first timeline entry's
    column values (``row``: the demand, ORM object or plain row)."""
    transition = push(demand, product, at=now, actor=SYSTEM_ACTOR)
    institution = catalogue.institution(product.institution_code)
    days = institution.first_response_working_days if institution is not None else 3
    deadline = first_response_deadline(now, days, ctx.calendar)
    case = {
        "id": str(uuid.uuid4()),
        "demand_id": row.id,
        "product_code": product.code,
        "institution_code": product.institution_code,
        "uscc": row.uscc,
        "state": transition.case.state.value,
        "version": 1,
        "requested_amount": row.amount,
        "score": score,
        "pushed_at": now,
        "updated_at": now,
        "working_days": days,
        "due_at": deadline.due_at,
        "remind_at": deadline.remind_at,
        "calendar_fallback": deadline.calendar_fallback,
    }
    entry = {
        "case_id": case["id"],
        "demand_id": row.id,
        "at": now,
        "action": "push",
        "from_state": None,
        "to_state": case["state"],
        "actor_role": SYSTEM_ACTOR.role.value,
        "actor_id": SYSTEM_ACTOR.actor_id,
        "details": {"score": score, "consent_id": demand.consent.consent_id, "due_at": deadline.due_at.isoformat()},
    }
    emit(
        session,
        type=DEMAND_PUSHED,
        subject=row.id,
        data={
            "case_id": case["id"],
            "demand_id": row.id,
            "product_code": product.code,
            "product_name": product.name,
            "institution_code": product.institution_code,
            "uscc": row.uscc,
            "enterprise_name": enterprise_name,
            "district_code": row.district_code,
            "industry_code": row.industry_code,
            "amount": row.amount,
            "term_months": row.term_months,
            "purpose": row.purpose,
            "urgency": row.urgency,
            "collateral_offered": list(row.collateral_offered),
            "score": score if score is not None else 0.0,
            "reasons": reasons_zh,
            "consent_id": demand.consent.consent_id,
            "pushed_at": now,
            "first_response_due_at": deadline.due_at,
            "calendar_fallback": deadline.calendar_fallback,
        },
    )
    return case, entry


def push_case(
    session: AsyncSession,
    ctx: FinanceContext,
    *,
    row: DemandRow,
    demand: Demand,
    product: Product,
    catalogue: LoadedCatalogue,
    enterprise_name: str,
    score: float | None,
    reasons_zh: list[str],
    now: datetime,
) -> CaseRow:
    """:func:`push_values` as ORM objects added to the session."""
    values, entry = push_values(
        session,
        ctx,
        row=row,
        demand=demand,
        product=product,
        catalogue=catalogue,
        enterprise_name=enterprise_name,
        score=score,
        reasons_zh=reasons_zh,
        now=now,
    )
    case = CaseRow(**values)
    session.add(case)
    session.add(CaseTimelineRow(**entry))
    return case


def _summary(row: DemandRow, matched: int, needs_data: int, now: datetime) -> None:
    row.matched_count = matched
    row.needs_data_count = needs_data
    row.match_status = (
        MatchStatus.MATCHED.value if matched else MatchStatus.NEEDS_DATA.value if needs_data else "not_matched"
    )
    row.matched_at = now


async def apply_outcome(
    session: AsyncSession,
    ctx: FinanceContext,
    *,
    row: DemandRow,
    run: MatchRun,
    catalogue: LoadedCatalogue,
    matches: list[DemandMatchRow],
    cases: list[CaseRow],
    now: datetime,
) -> ApplyReport:
    outcome, demand = run.outcome, run.demand
    wanted: dict[str, tuple[str, float | None, bool, list[str]]] = {}
    for m in outcome.matched:
        wanted[m.product.code] = (MatchStatus.MATCHED.value, m.score, m.tier_exclusive, [])
    for miss in outcome.needs_data:
        wanted[miss.product.code] = (
            MatchStatus.NEEDS_DATA.value,
            None,
            bool(miss.product.tier_exclusive),
            list(miss.missing),
        )
    existing = {m.product_code: m for m in matches}
    for code, m in existing.items():
        if code not in wanted:
            await session.delete(m)
    for code, (status, score, exclusive, missing) in wanted.items():
        m = existing.get(code)
        if m is None:
            session.add(
                DemandMatchRow(
                    demand_id=row.id,
                    product_code=code,
                    status=status,
                    score=score,
                    exclusive=exclusive,
                    missing=missing,
                    updated_at=now,
                )
            )
        elif (m.status, m.score, m.exclusive, m.missing) != (status, score, exclusive, missing):
            m.status, m.score, m.exclusive, m.missing, m.updated_at = status, score, exclusive, missing, now
    _summary(row, len(outcome.matched), len(outcome.needs_data), now)
    pushed: list[CaseRow] = []
    if row.status == OPEN and demand.consent.share_with_institutions:
        have = {c.product_code for c in cases}
        name = run.snapshot.name if run.snapshot is not None else ""
        for m in outcome.matched:
            if m.product.code not in have:
                pushed.append(
                    push_case(
                        session,
                        ctx,
                        row=row,
                        demand=demand,
                        product=m.product,
                        catalogue=catalogue,
                        enterprise_name=name,
                        score=m.score,
                        reasons_zh=[r.message_zh for r in m.reasons],
                        now=now,
                    )
                )
    failure = await raise_failure_if_due(
        session, ctx, row=row, demand=demand, outcome=outcome, cases=[*cases, *pushed], catalogue=catalogue, now=now
    )
    return ApplyReport(pushed, failure)


def cases_outcome(demand: Demand, cases: Sequence[CaseRow], catalogue: LoadedCatalogue, now: datetime) -> MatchOutcome:
    """The outcome the 融资难 decision reads once products were pushed: the pushed products."""
    zeros = (0.0, 0.0, 0.0, 0.0)
    matched = []
    for i, c in enumerate(cases, start=1):
        product = catalogue.product(c.product_code)
        if product is not None:
            matched.append(
                ProductMatch(i, product, c.score or 0.0, zeros, zeros, demand.amount, demand.term_months, None, ())
            )
    return MatchOutcome(demand.demand_id, demand.uscc, china_date(now), tuple(matched), (), ())


async def raise_failure_if_due(
    session: AsyncSession,
    ctx: FinanceContext,
    *,
    row: DemandRow,
    demand: Demand,
    outcome: MatchOutcome | None,
    cases: Sequence[CaseRow],
    catalogue: LoadedCatalogue,
    now: datetime,
) -> FinancingFailure | None:
    """Raise FINANCING_FAILED when the domain says so, once per demand."""
    if row.failure_reason is not None or row.status != OPEN:
        return None
    if cases:
        outcome = cases_outcome(demand, cases, catalogue, now)
    elif outcome is None:
        return None
    failure = assess_financing_failure(
        demand=demand,
        outcome=outcome,
        cases=[domain_case(c) for c in cases],
        deadlines={c.product_code: case_deadline(c) for c in cases},
        now=now,
    )
    if failure is None:
        return None
    result = await session.execute(
        update(DemandRow)
        .where(DemandRow.id == row.id, DemandRow.failure_reason.is_(None))
        .values(failure_reason=failure.reason.value, failed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row.failure_reason, row.failed_at = failure.reason.value, now
    term = row.term_months
    emit(
        session,
        type=FINANCING_FAILED,
        subject=row.id,
        data={
            "demand_id": row.id,
            "uscc": row.uscc,
            "district_code": row.district_code,
            "reason": failure.reason.value,
            "amount": row.amount,
            "term_months": int(-(-term // 1)) if term is not None else None,
            "purpose": row.purpose,
            "summary": failure.summary_zh,
            "details": list(failure.details_zh),
            "failed_at": now,
        },
    )
    return failure


async def lock_demands(session: AsyncSession, ids: Sequence[str]) -> None:
    """Serialise writers of these demands' cases (PostgreSQL row locks; SQLite has one writer)."""
    for chunk in _chunks(sorted(ids)):
        await session.execute(select(DemandRow.id).where(DemandRow.id.in_(chunk)).with_for_update())


async def rematch_enterprise(session: AsyncSession, ctx: FinanceContext, uscc: str, now: datetime) -> int:
    """Re-match the enterprise's open demands; returns how many."""
    rows = (
        (
            await session.execute(
                select(DemandRow)
                .where(DemandRow.uscc == uscc, DemandRow.status == OPEN)
                .order_by(DemandRow.id)
                .with_for_update()
            )
        )
        .scalars()
        .all()
    )
    if not rows:
        return 0
    catalogue = await ctx.catalogue.get(session)
    snaps = await load_snapshots(
        session, [uscc], now=now, as_of=china_date(now), grade_max_age_days=ctx.settings.credit_grade_max_age_days
    )
    consents = await consents_of(session, rows)
    ids = [r.id for r in rows]
    matches = await matches_of(session, ids)
    cases = await cases_of(session, ids)
    for row in rows:
        run = await match_demand(
            session,
            ctx,
            row,
            consents.get(row.consent_id or ""),
            now,
            catalogue=catalogue,
            snapshot=snaps.get(uscc),
        )
        await apply_outcome(
            session, ctx, row=row, run=run, catalogue=catalogue, matches=matches[row.id], cases=cases[row.id], now=now
        )
    return len(rows)


@dataclass
class ProductRematch:
    product_code: str
    open_demands: int = 0
    newly_matched: int = 0
    no_longer_matched: int = 0
    needs_data: int = 0
    pushed: int = 0
    failures: int = 0


async def rematch_product_change(
    session: AsyncSession, ctx: FinanceContext, product: Product, *, active: bool, now: datetime
) -> ProductRematch:
    """Re-match every open demand against one product (new, changed, or withdrawn: ``active=False``).

    Built for tens of thousands of open demands: plain rows instead of ORM objects, the enterprise
    facts once per enterprise, and bulk statements for what changed (match rows, cases, timeline,
    the demands' summaries); one ``demand.pushed`` event per newly matched demand."""
    report = ProductRematch(product.code)
    table, consent_table = DemandRow.__table__, ConsentRow.__table__
    open_usccs = select(table.c.uscc).where(table.c.status == OPEN)
    # A lock on every open demand (PostgreSQL) so that no case action decides a demand meanwhile.
    await session.flush()
    locked = select(table).where(table.c.status == OPEN).order_by(table.c.id).with_for_update()
    rows = (await session.execute(locked)).all()
    report.open_demands = len(rows)
    if not rows:
        return report
    consents = {
        c.id: c
        for c in (
            await session.execute(
                select(consent_table).where(
                    consent_table.c.id.in_(select(table.c.consent_id).where(table.c.status == OPEN))
                )
            )
        ).all()
    }
    matches = DemandMatchRow.__table__
    existing: dict[str, str] = {
        m.demand_id: m.status
        for m in (
            await session.execute(
                select(matches.c.demand_id, matches.c.status).where(matches.c.product_code == product.code)
            )
        ).all()
    }
    by_id = {r.id: r for r in rows}
    demands: dict[str, Demand] = {r.id: domain_demand(r, consents.get(r.consent_id or ""), now) for r in rows}
    new_status: dict[str, tuple[str, list[str], Any]] = {}
    snaps: dict[str, EnterpriseSnapshot] = {}
    if active:
        as_of = china_date(now)
        snaps = await load_snapshots(
            session, open_usccs, now=now, as_of=as_of, grade_max_age_days=ctx.settings.credit_grade_max_age_days
        )
        facts: dict[str, EnterpriseFacts] = {}
        pairs = []
        for r in rows:
            f = facts.get(r.uscc)
            if f is None:
                f = facts[r.uscc] = enterprise_facts(snaps.get(r.uscc) or EnterpriseSnapshot(uscc=r.uscc), as_of)
            pairs.append((demands[r.id], f))
        for check in rematch_product(product, pairs):
            if check.status is not MatchStatus.NOT_MATCHED:
                seen: dict[str, None] = {}
                for g in check.unknown:
                    for field in g.missing:
                        seen.setdefault(field, None)
                new_status[check.demand_id] = (check.status.value, list(seen), check)
    changed = [d for d in by_id if existing.get(d) != (new_status[d][0] if d in new_status else None)]
    if not changed:
        return report
    speed = await ctx.speed.get(session)
    catalogue = await ctx.catalogue.get(session)
    cases = CaseRow.__table__
    pushed_before = {
        d for (d,) in (await session.execute(select(cases.c.demand_id).where(cases.c.product_code == product.code)))
    }
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    deletes: list[str] = []
    new_cases: list[dict[str, Any]] = []
    new_entries: list[dict[str, Any]] = []
    summaries: list[dict[str, Any]] = []
    lost_all: list[str] = []
    matched_value, needs_value = MatchStatus.MATCHED.value, MatchStatus.NEEDS_DATA.value
    for demand_id in changed:
        row, demand = by_id[demand_id], demands[demand_id]
        matched, needs = row.matched_count, row.needs_data_count
        before = existing.get(demand_id)
        after = new_status[demand_id][0] if demand_id in new_status else None
        if before == matched_value:
            matched -= 1
            report.no_longer_matched += 1
        elif before == needs_value:
            needs -= 1
        if after is None:
            deletes.append(demand_id)
        else:
            status, missing, check = new_status[demand_id]
            score = None
            if status == matched_value:
                score, _ = score_components(product, demand, ctx.weights, speed.get(product.institution_code))
                matched += 1
                report.newly_matched += 1
            else:
                needs += 1
                report.needs_data += 1
            values = {
                "status": status,
                "score": score,
                "exclusive": bool(product.tier_exclusive),
                "missing": missing,
                "updated_at": now,
            }
            if before is None:
                inserts.append({"demand_id": demand_id, "product_code": product.code, **values})
            else:
                updates.append({"b_demand_id": demand_id, **values})
            if status == matched_value and demand_id not in pushed_before and demand.consent.share_with_institutions:
                snap = snaps.get(row.uscc)
                case, entry = push_values(
                    session,
                    ctx,
                    row=row,
                    demand=demand,
                    product=product,
                    catalogue=catalogue,
                    enterprise_name=snap.name if snap is not None else "",
                    score=score,
                    reasons_zh=[r.message_zh for r in check.passed],
                    now=now,
                )
                new_cases.append(case)
                new_entries.append(entry)
                report.pushed += 1
        summaries.append(
            {
                "b_id": demand_id,
                "matched_count": matched,
                "needs_data_count": needs,
                "match_status": matched_value if matched else needs_value if needs else "not_matched",
                "matched_at": now,
            }
        )
        if before == matched_value and matched == 0:
            lost_all.append(demand_id)
    for chunk in _chunks(deletes):
        await session.execute(
            delete(matches).where(matches.c.product_code == product.code, matches.c.demand_id.in_(chunk))
        )
    if inserts:
        await session.execute(insert(matches), inserts)
    if updates:
        await session.execute(
            update(matches)
            .where(matches.c.demand_id == bindparam("b_demand_id"), matches.c.product_code == product.code)
            .values(
                status=bindparam("status"),
                score=bindparam("score"),
                exclusive=bindparam("exclusive"),
                missing=bindparam("missing"),
                updated_at=bindparam("updated_at"),
            ),
            updates,
        )
    if new_cases:
        await session.execute(insert(cases), new_cases)
        await session.execute(insert(CaseTimelineRow.__table__), new_entries)
    await session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            matched_count=bindparam("matched_count"),
            needs_data_count=bindparam("needs_data_count"),
            match_status=bindparam("match_status"),
            matched_at=bindparam("matched_at"),
        ),
        summaries,
    )
    with_cases: set[str] = set()
    for chunk in _chunks(lost_all):
        found = await session.execute(select(cases.c.demand_id).where(cases.c.demand_id.in_(chunk)).distinct())
        with_cases.update(d for (d,) in found)
    for demand_id in lost_all:
        # The product was the demand's last match: unless something was pushed, it failed.
        if demand_id in with_cases:
            continue
        row = await session.get(DemandRow, demand_id)
        assert row is not None
        consent = await session.get(ConsentRow, row.consent_id) if row.consent_id else None
        run = await match_demand(session, ctx, row, consent, now, catalogue=catalogue)
        failure = await raise_failure_if_due(
            session, ctx, row=row, demand=run.demand, outcome=run.outcome, cases=[], catalogue=catalogue, now=now
        )
        report.failures += failure is not None
    return report
