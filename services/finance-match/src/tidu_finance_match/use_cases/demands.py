"""Use cases of demands: submit (with its match outcome), read, list, withdraw, the live matches.

Submitting a demand (``POST /v1/demands``) is, in order:

1. Who files for whom: an enterprise for itself; an operator for an enterprise of its district;
   an admin for any. The enterprise must be in the profile projection (registered at the registry).
2. ``Idempotency-Key`` (per caller): a key seen with the same body answers the first request's
   demand again (its current state; 201 → 200 is not used: the status is replayed too); with
   another body, 422 ``idempotency_key_reused``.
3. When the enterprise consents to a credit look-up and an active product has a credit-grade
   gate: the consent is recorded (its own transaction; its id derives from the idempotency key,
   so a retry reuses it), the grade is looked up through the consent-guarded, audited client and
   stored — outside any database transaction (a network call). A failed look-up leaves the gate
   unknown (the product needs data).
4. One transaction: the demand, its consent, the idempotency key, the match against the whole
   catalogue, the match rows, a case per matched product pushed to its institution (with consent
   to share), the events (``demand.submitted``, ``demand.pushed`` …) and, when nothing matched,
   the 融资难 event (``financing.failed``, reason ``none_matched``).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tidu_finance_match.context import FinanceContext
from tidu_finance_match.credit.guard import LookupRequester
from tidu_finance_match.domain.demands import Demand, DemandConsent
from tidu_finance_match.domain.errors import DomainError
from tidu_finance_match.domain.matching import MatchOutcome
from tidu_finance_match.domain.workflow import ALLOWED_FROM, Action, CaseState, withdraw
from tidu_finance_match.models import (
    CaseRow,
    CaseTimelineRow,
    ConsentRow,
    DemandMatchRow,
    DemandRow,
    EnterpriseProfile,
    IdempotencyKey,
)
from tidu_finance_match.schemas import DemandIn
from tidu_finance_match.snapshots import load_snapshots
from tidu_finance_match.use_cases.common import (
    actor_of,
    china_date,
    domain_case,
    precondition_failed,
    problem_from_domain,
    store_case,
)
from tidu_finance_match.use_cases.credit import ensure_consent, new_consent, record_consent, try_refresh_credit
from tidu_finance_match.use_cases.engine import OPEN, apply_outcome, match_demand
from tidu_finance_match.use_cases.workflow import case_event
from tidu_shared.audit import hides_existence
from tidu_shared.auth import Principal, Role
from tidu_shared.contracts.finance import DEMAND_SUBMITTED, DEMAND_WITHDRAWN
from tidu_shared.db import Database
from tidu_shared.errors import ProblemError, not_found
from tidu_shared.outbox import emit, utcnow

WITHDRAWABLE = ALLOWED_FROM[Action.WITHDRAW]
_CONSENT_NS = uuid.UUID("5b1f6c2e-4d1a-4f0e-9a57-3c1d2b6e8f10")


@dataclass
class Submitted:
    demand_id: str
    status_code: int
    outcome: MatchOutcome | None
    """None when the response is a replay (the view recomputes the outcome)."""


def _demand_not_found() -> ProblemError:
    return not_found("demand_not_found", "融资需求", "demand")


def _resolve_uscc(principal: Principal, body: DemandIn) -> str:
    if principal.role == Role.enterprise:
        if body.uscc is not None and body.uscc != principal.uscc:
            raise ProblemError(
                403, "forbidden", "无权访问", "企业只能为本企业提交融资需求", "an enterprise files only for itself"
            )
        assert principal.uscc is not None
        return principal.uscc
    if principal.role in (Role.operator, Role.admin):
        if body.uscc is None:
            raise ProblemError(
                422,
                "validation_failed",
                "请求数据有误",
                "代企业提交时须填写统一社会信用代码",
                "uscc is required when filing on an enterprise's behalf",
            )
        return body.uscc
    raise ProblemError(
        403, "role_not_allowed", "无权访问", f"当前角色（{principal.role}）无权提交融资需求", "role not allowed"
    )


def request_hash(uscc: str, body: DemandIn) -> str:
    payload = {"uscc": uscc, **body.model_dump(mode="json", exclude={"uscc"})}
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _key_reused() -> ProblemError:
    return ProblemError(
        422,
        "idempotency_key_reused",
        "幂等键已被使用",
        "该 Idempotency-Key 已用于另一份不同的请求，请更换新键",
        "this Idempotency-Key was used with a different request body",
    )


async def _replay(db: Database, scope: str, key: str, digest: str) -> Submitted | None:
    async with db.read() as s:
        row = await s.get(IdempotencyKey, (scope, key))
    if row is None:
        return None
    if row.request_hash != digest:
        raise _key_reused()
    return Submitted(row.demand_id, row.status_code, None)


def _check_domain(uscc: str, body: DemandIn) -> None:
    try:
        Demand(
            demand_id="check",
            uscc=uscc,
            amount=body.amount,
            purpose=body.purpose,
            term_months=body.term_months,
            collateral_offered=frozenset(body.collateral_offered),  # type: ignore[arg-type]
            urgency=body.urgency,
            consent=DemandConsent(),
            product_kinds=frozenset(body.product_kinds) if body.product_kinds else None,
            has_existing_loan=body.has_existing_loan,
        )
    except DomainError as exc:
        raise problem_from_domain(exc) from exc


async def submit_demand(
    ctx: FinanceContext, db: Database, principal: Principal, body: DemandIn, idempotency_key: str | None
) -> Submitted:
    uscc = _resolve_uscc(principal, body)
    digest = request_hash(uscc, body)
    scope = principal.sub
    if idempotency_key:
        replay = await _replay(db, scope, idempotency_key, digest)
        if replay is not None:
            return replay
    async with db.read() as s:
        profile = await s.get(EnterpriseProfile, uscc)
        catalogue = await ctx.catalogue.get(s)
    if profile is None:
        raise ProblemError(
            422,
            "enterprise_not_registered",
            "企业未登记",
            "该企业尚未在企业库登记（或登记信息尚未同步），请先登记",
            "the enterprise is not (yet) in the registry's projection",
        )
    if principal.role == Role.operator and not principal.sees_district(profile.district_code):
        raise ProblemError(403, "other_district", "无权访问", "只能为本区县的企业提交需求", "other district")
    _check_domain(uscc, body)

    now = utcnow()
    consent_row: ConsentRow | None = None
    if body.consent.share_with_institutions or body.consent.credit_lookup:
        consent_id = (
            str(uuid.uuid5(_CONSENT_NS, f"{scope}\x1f{idempotency_key}")) if idempotency_key else str(uuid.uuid4())
        )
        consent_row = new_consent(
            consent_id=consent_id,
            uscc=uscc,
            share=body.consent.share_with_institutions,
            credit=body.consent.credit_lookup,
            by=principal.sub,
            now=now,
            validity_days=ctx.settings.consent_validity_days,
        )
    demand_id = str(uuid.uuid4())
    if consent_row is not None and body.consent.credit_lookup and _has_credit_gate(catalogue.active):
        await record_consent(db, consent_row)
        await try_refresh_credit(
            ctx,
            db,
            uscc=uscc,
            requester=LookupRequester(actor_id=principal.sub, role=str(principal.role), purpose="matching"),
        )
    now = utcnow()
    try:
        async with db.transaction() as s:
            if idempotency_key:
                s.add(
                    IdempotencyKey(
                        scope=scope,
                        key=idempotency_key,
                        request_hash=digest,
                        demand_id=demand_id,
                        status_code=201,
                        created_at=now,
                    )
                )
                await s.flush()
            if consent_row is not None:
                consent_row = await ensure_consent(s, consent_row)
            snaps = await load_snapshots(
                s, [uscc], now=now, as_of=china_date(now), grade_max_age_days=ctx.settings.credit_grade_max_age_days
            )
            snapshot = snaps.get(uscc)
            row = DemandRow(
                id=demand_id,
                uscc=uscc,
                district_code=profile.district_code,
                industry_code=profile.industry_code,
                tier=snapshot.tier if snapshot is not None else None,
                amount=body.amount,
                term_months=body.term_months,
                purpose=body.purpose.value,
                collateral_offered=sorted(set(body.collateral_offered)),
                urgency=body.urgency.value,
                product_kinds=sorted({k.value for k in body.product_kinds}) if body.product_kinds else None,
                has_existing_loan=body.has_existing_loan,
                note=body.note,
                consent_id=consent_row.id if consent_row is not None else None,
                status=OPEN,
                match_status="not_matched",
                matched_count=0,
                needs_data_count=0,
                version=1,
                created_by=principal.sub,
                created_at=now,
                updated_at=now,
                matched_at=now,
            )
            s.add(row)
            catalogue = await ctx.catalogue.get(s)
            run = await match_demand(s, ctx, row, consent_row, now, catalogue=catalogue, snapshot=snapshot)
            outcome = run.outcome
            emit(
                s,
                type=DEMAND_SUBMITTED,
                subject=row.id,
                data={
                    "demand_id": row.id,
                    "uscc": uscc,
                    "district_code": row.district_code,
                    "amount": row.amount,
                    "term_months": row.term_months,
                    "purpose": row.purpose,
                    "urgency": row.urgency,
                    "match_status": "matched"
                    if outcome.matched
                    else "needs_data"
                    if outcome.needs_data
                    else "not_matched",
                    "matched_products": list(outcome.matched_codes),
                    "needs_data_products": list(outcome.needs_data_codes),
                    "shared_with_institutions": run.demand.consent.share_with_institutions,
                    "submitted_by": principal.sub,
                    "submitted_at": now,
                },
            )
            await s.flush()
            await apply_outcome(s, ctx, row=row, run=run, catalogue=catalogue, matches=[], cases=[], now=now)
    except IntegrityError:
        if idempotency_key:
            # The same key was used concurrently: answer what the winner answered.
            replay = await _replay(db, scope, idempotency_key, digest)
            if replay is not None:
                return replay
        raise
    return Submitted(demand_id, 201, outcome)


def _has_credit_gate(products: Any) -> bool:
    return any(p.gates.min_credit_grade is not None for p in products)


# --- reading ---------------------------------------------------------------------------------------


@dataclass
class DemandBundle:
    row: DemandRow
    consent: ConsentRow | None
    profile: EnterpriseProfile | None
    matches: list[DemandMatchRow]
    cases: list[CaseRow]


async def load_demand(db: Database, demand_id: str) -> DemandBundle | None:
    async with db.read() as s:
        row = await s.get(DemandRow, demand_id)
        if row is None:
            return None
        consent = await s.get(ConsentRow, row.consent_id) if row.consent_id else None
        profile = await s.get(EnterpriseProfile, row.uscc)
        matches = list((await s.execute(select(DemandMatchRow).where(DemandMatchRow.demand_id == row.id))).scalars())
        cases = list(
            (await s.execute(select(CaseRow).where(CaseRow.demand_id == row.id).order_by(CaseRow.pushed_at))).scalars()
        )
    return DemandBundle(row, consent, profile, matches, cases)


def ensure_may_read_demand(principal: Principal, bundle: DemandBundle) -> None:
    """Enterprise: its own (others' existence does not leak: 404); operator: its district; admin:
    all; institution: demands pushed to its products (404 otherwise); other roles: 403."""
    row = bundle.row
    role = principal.role
    if role == Role.admin:
        return
    if role == Role.enterprise:
        if principal.uscc != row.uscc:
            raise hides_existence(_demand_not_found())
        return
    if role == Role.operator:
        if not principal.sees_district(row.district_code):
            raise ProblemError(
                403, "other_district", "无权访问", "只能查看本区县企业的融资需求", "operators see their own district"
            )
        return
    if role == Role.institution:
        if not any(c.institution_code == principal.inst for c in bundle.cases):
            raise hides_existence(_demand_not_found())
        return
    raise ProblemError(
        403, "role_not_allowed", "无权访问", f"当前角色（{principal.role}）无权查看融资需求", "role not allowed"
    )


async def read_demand(db: Database, principal: Principal, demand_id: str) -> DemandBundle:
    bundle = await load_demand(db, demand_id)
    if bundle is None:
        raise _demand_not_found()
    ensure_may_read_demand(principal, bundle)
    if principal.role == Role.institution:
        # An institution sees its own cases of the demand only.
        bundle.cases = [c for c in bundle.cases if c.institution_code == principal.inst]
        bundle.matches = []
        if bundle.consent is None or not bundle.consent.in_force(utcnow()):
            bundle.profile = None
    return bundle


async def live_outcome(ctx: FinanceContext, db: Database, bundle: DemandBundle, now: datetime) -> MatchOutcome:
    """The demand matched now against the current catalogue and projections (reads only)."""
    async with db.read() as s:
        run = await match_demand(s, ctx, bundle.row, bundle.consent, now)
    return run.outcome


@dataclass
class DemandQuery:
    status: str | None = None
    uscc: str | None = None
    district_code: str | None = None
    limit: int = 50
    offset: int = 0


async def list_demands(db: Database, principal: Principal, q: DemandQuery) -> tuple[list[DemandBundle], int]:
    stmt = select(DemandRow)
    role = principal.role
    if role == Role.enterprise:
        stmt = stmt.where(DemandRow.uscc == principal.uscc)
    elif role == Role.operator:
        if not principal.is_city:
            stmt = stmt.where(DemandRow.district_code == principal.district)
    elif role == Role.institution:
        stmt = stmt.where(DemandRow.id.in_(select(CaseRow.demand_id).where(CaseRow.institution_code == principal.inst)))
    elif role != Role.admin:
        raise ProblemError(
            403, "role_not_allowed", "无权访问", f"当前角色（{principal.role}）无权查看融资需求", "role not allowed"
        )
    if q.status:
        stmt = stmt.where(DemandRow.status == q.status)
    if q.uscc:
        stmt = stmt.where(DemandRow.uscc == q.uscc.strip().upper())
    if q.district_code:
        stmt = stmt.where(DemandRow.district_code == q.district_code)
    async with db.read() as s:
        total = int((await s.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one())
        rows = list(
            (
                await s.execute(
                    stmt.order_by(DemandRow.created_at.desc(), DemandRow.id).limit(q.limit).offset(q.offset)
                )
            ).scalars()
        )
        ids = [r.id for r in rows]
        consents = {
            c.id: c
            for c in (
                await s.execute(
                    select(ConsentRow).where(ConsentRow.id.in_([r.consent_id for r in rows if r.consent_id]))
                )
            ).scalars()
        }
        profiles = {
            p.uscc: p
            for p in (
                await s.execute(select(EnterpriseProfile).where(EnterpriseProfile.uscc.in_({r.uscc for r in rows})))
            ).scalars()
        }
        matches: dict[str, list[DemandMatchRow]] = {i: [] for i in ids}
        for m in (await s.execute(select(DemandMatchRow).where(DemandMatchRow.demand_id.in_(ids)))).scalars():
            matches[m.demand_id].append(m)
        cases: dict[str, list[CaseRow]] = {i: [] for i in ids}
        for c in (
            await s.execute(select(CaseRow).where(CaseRow.demand_id.in_(ids)).order_by(CaseRow.pushed_at))
        ).scalars():
            if role != Role.institution or c.institution_code == principal.inst:
                cases[c.demand_id].append(c)
    now = utcnow()
    out = []
    for r in rows:
        consent = consents.get(r.consent_id or "")
        profile = profiles.get(r.uscc)
        if role == Role.institution and (consent is None or not consent.in_force(now)):
            profile = None
        out.append(DemandBundle(r, consent, profile, [] if role == Role.institution else matches[r.id], cases[r.id]))
    return out, total


# --- withdrawing ------------------------------------------------------------------------------------


async def withdraw_demand(
    ctx: FinanceContext, db: Database, principal: Principal, demand_id: str, *, if_match: int | None, reason: str | None
) -> str:
    """The enterprise withdraws its demand: every live case is withdrawn with it."""
    if principal.role not in (Role.enterprise, Role.admin):
        raise ProblemError(
            403,
            "role_not_allowed",
            "无权访问",
            "只有企业本身（或管理员）可以撤回融资需求",
            "only the enterprise withdraws",
        )
    actor = actor_of(principal)
    now = utcnow()
    async with db.transaction() as s:
        row = (
            await s.execute(select(DemandRow).where(DemandRow.id == demand_id).with_for_update())
        ).scalar_one_or_none()
        if row is None:
            raise _demand_not_found()
        if principal.role == Role.enterprise and principal.uscc != row.uscc:
            raise hides_existence(_demand_not_found())
        if if_match is not None and if_match != row.version:
            raise precondition_failed(row.version)
        if row.status != OPEN:
            raise ProblemError(
                409,
                "demand_closed",
                "状态冲突",
                f"融资需求已关闭（{row.status}），不能撤回",
                f"the demand is {row.status}",
                extra={"demand_status": row.status},  # "status" is the HTTP status (RFC 9457)
            )
        cases = list((await s.execute(select(CaseRow).where(CaseRow.demand_id == row.id))).scalars())
        withdrawn: list[str] = []
        for c in cases:
            if CaseState(c.state) not in (
                CaseState.PUSHED,
                CaseState.VIEWED,
                CaseState.ACCEPTED,
                CaseState.CREDIT_GRANTED,
            ):
                continue
            try:
                transition = withdraw(domain_case(c), at=now, actor=actor, reason=reason)
            except DomainError as exc:
                raise problem_from_domain(exc) from exc
            store_case(c, transition.case)
            c.version += 1
            s.add(
                CaseTimelineRow(
                    case_id=c.id,
                    demand_id=row.id,
                    at=now,
                    action="withdraw",
                    from_state=transition.entry.from_state.value if transition.entry.from_state else None,
                    to_state=c.state,
                    actor_role=actor.role.value,
                    actor_id=actor.actor_id,
                    details={"reason": reason} if reason else {},
                )
            )
            case_event(s, row, c, transition.entry)
            withdrawn.append(c.id)
        row.status = "withdrawn"
        row.closed_at = now
        row.close_reason = reason
        row.updated_at = now
        row.version += 1
        emit(
            s,
            type=DEMAND_WITHDRAWN,
            subject=row.id,
            data={
                "demand_id": row.id,
                "uscc": row.uscc,
                "district_code": row.district_code,
                "status": "withdrawn",
                "reason": reason,
                "cases_withdrawn": withdrawn,
                "at": now,
            },
        )
    return demand_id
