"""Consents and credit look-ups.

- :func:`consent_checker` and :func:`audit_sink` are the two ports the consent-guarded credit
  client needs (``credit.guard.GuardedCreditClient``), over this service's database. The audit
  sink writes one ``credit_lookups`` row per look-up in its own transaction (refused, cached,
  answered or failed), before any credit data is returned (fail closed).
- :func:`record_consent` (its own transaction, idempotent by id) records what the enterprise allowed.
- :func:`refresh_credit` looks the enterprise up through the guard and, in one transaction, stores
  the grade (``credit_standings``) and re-matches the enterprise's open demands. A look-up is a
  network call: it never runs inside a database transaction.
- :func:`revoke_consent` revokes, and re-matches (the stored grade is no longer used; nothing new
  is pushed); cases already open stay with their institutions, which no longer see the
  enterprise's data.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_finance_match.context import FinanceContext
from tidu_finance_match.credit.errors import (
    CircuitOpen,
    ConsentMissing,
    CreditError,
    CreditPlatformTimeout,
    CreditPlatformUnavailable,
    CreditReportNotFound,
    InvalidUscc,
)
from tidu_finance_match.credit.guard import (
    CREDIT_LOOKUP_SCOPE,
    AuditSink,
    ConsentChecker,
    ConsentRecord,
    CreditLookupAudit,
    LookupRequester,
)
from tidu_finance_match.credit.models import CreditReport
from tidu_finance_match.models import (
    CaseRow,
    ConsentRow,
    CreditLookupRow,
    CreditStandingRow,
    DemandRow,
    EnterpriseProfile,
)
from tidu_finance_match.use_cases.engine import rematch_enterprise
from tidu_shared.audit import hides_existence
from tidu_shared.auth import Principal, Role
from tidu_shared.db import Database
from tidu_shared.errors import ProblemError, not_found
from tidu_shared.outbox import utcnow

log = logging.getLogger(__name__)

SHARE_SCOPE = "share_with_institutions"


def consent_record(row: ConsentRow) -> ConsentRecord:
    scopes = {
        s for s, on in ((SHARE_SCOPE, row.share_with_institutions), (CREDIT_LOOKUP_SCOPE, row.credit_lookup)) if on
    }
    return ConsentRecord(
        consent_id=row.id,
        uscc=row.uscc,
        scopes=frozenset(scopes),
        granted_at=row.granted_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


async def consent_in_force(session: AsyncSession, uscc: str, scope: str, now: datetime) -> ConsentRow | None:
    """The latest consent of the enterprise that covers ``scope`` and is in force."""
    column = ConsentRow.credit_lookup if scope == CREDIT_LOOKUP_SCOPE else ConsentRow.share_with_institutions
    rows = (
        (
            await session.execute(
                select(ConsentRow)
                .where(ConsentRow.uscc == uscc, column.is_(True), ConsentRow.revoked_at.is_(None))
                .order_by(ConsentRow.granted_at.desc())
            )
        )
        .scalars()
        .all()
    )
    return next((r for r in rows if r.in_force(now)), None)


async def institution_consent_in_force(
    session: AsyncSession, uscc: str, institution: str, scope: str, now: datetime
) -> ConsentRow | None:
    """The latest consent in force covering ``scope`` that came with a demand of the enterprise
    pushed to ``institution`` (a case of it): what an institution may act under."""
    column = ConsentRow.credit_lookup if scope == CREDIT_LOOKUP_SCOPE else ConsentRow.share_with_institutions
    pushed = (
        select(DemandRow.consent_id)
        .join(CaseRow, CaseRow.demand_id == DemandRow.id)
        .where(CaseRow.uscc == uscc, CaseRow.institution_code == institution, DemandRow.consent_id.is_not(None))
    )
    rows = (
        (
            await session.execute(
                select(ConsentRow)
                .where(
                    ConsentRow.uscc == uscc,
                    column.is_(True),
                    ConsentRow.revoked_at.is_(None),
                    ConsentRow.id.in_(pushed),
                )
                .order_by(ConsentRow.granted_at.desc())
            )
        )
        .scalars()
        .all()
    )
    return next((r for r in rows if r.in_force(now)), None)


def institution_consent_checker(db: Database, institution: str) -> ConsentChecker:
    async def check(uscc: str, scope: str) -> ConsentRecord | None:
        async with db.read() as s:
            row = await institution_consent_in_force(s, uscc, institution, scope, utcnow())
        return consent_record(row) if row is not None else None

    return check


def consent_checker(db: Database) -> ConsentChecker:
    async def check(uscc: str, scope: str) -> ConsentRecord | None:
        async with db.read() as s:
            row = await consent_in_force(s, uscc, scope, utcnow())
        return consent_record(row) if row is not None else None

    return check


def audit_sink(db: Database) -> AuditSink:
    async def sink(audit: CreditLookupAudit) -> None:
        async with db.transaction() as s:
            s.add(
                CreditLookupRow(
                    at=audit.at,
                    uscc=audit.uscc[:40],
                    actor_id=audit.actor_id,
                    role=audit.role,
                    purpose=audit.purpose,
                    demand_id=audit.demand_id,
                    consent_id=audit.consent_id,
                    outcome=audit.outcome.value,
                    cache_hit=audit.cache_hit,
                    grade=audit.grade,
                    error_code=audit.error_code,
                    duration_ms=audit.duration_ms,
                )
            )

    return sink


def new_consent(
    *, consent_id: str, uscc: str, share: bool, credit: bool, by: str, now: datetime, validity_days: int
) -> ConsentRow:
    return ConsentRow(
        id=consent_id,
        uscc=uscc,
        share_with_institutions=share,
        credit_lookup=credit,
        granted_at=now,
        granted_by=by,
        expires_at=now + timedelta(days=validity_days),
    )


async def ensure_consent(session: AsyncSession, row: ConsentRow) -> ConsentRow:
    """Insert the consent unless a consent with its id is on record (a retried request)."""
    existing = await session.get(ConsentRow, row.id)
    if existing is not None:
        return existing
    session.add(row)
    return row


async def record_consent(db: Database, row: ConsentRow) -> None:
    async with db.transaction() as s:
        await ensure_consent(s, row)


async def refresh_credit(
    ctx: FinanceContext,
    db: Database,
    *,
    uscc: str,
    requester: LookupRequester,
    consent_checker: ConsentChecker | None = None,
) -> CreditReport:
    """Look up (consent check, cache, audit), then store the grade and re-match. Raises CreditError."""
    report = await ctx.credit_client().lookup(uscc, requester=requester, consent_checker=consent_checker)
    now = utcnow()
    oldest = now - timedelta(days=ctx.settings.credit_grade_max_age_days)
    async with db.transaction() as s:
        consent = await consent_in_force(s, report.uscc, CREDIT_LOOKUP_SCOPE, now)
        standing = await s.get(CreditStandingRow, report.uscc)
        stale = standing is None or standing.grade != report.grade or standing.looked_up_at < oldest
        if standing is None:
            standing = CreditStandingRow(uscc=report.uscc)
            s.add(standing)
        standing.grade = report.grade
        standing.score = report.score
        standing.report_time = report.report_time
        standing.source = report.source[:40] or "credit-platform"
        standing.consent_id = consent.id if consent is not None else None
        standing.looked_up_at = now
        if stale:
            await rematch_enterprise(s, ctx, report.uscc, now)
    return report


async def try_refresh_credit(
    ctx: FinanceContext, db: Database, *, uscc: str, requester: LookupRequester
) -> CreditReport | None:
    """A look-up at match time: a failure (no consent, platform down …) leaves the grade unknown."""
    try:
        return await refresh_credit(ctx, db, uscc=uscc, requester=requester)
    except CreditError as exc:
        log.info("credit look-up of %s at match time failed: %s", uscc, exc.code)
        return None


def credit_problem(exc: CreditError) -> ProblemError:
    if isinstance(exc, ConsentMissing):
        return ProblemError(
            403,
            "credit_consent_missing",
            "缺少授权",
            "企业未授权信用查询（或授权已撤回、已过期），不能查询其信用报告",
            "no consent to a credit look-up is in force for this enterprise",
        )
    if isinstance(exc, CreditReportNotFound):
        return ProblemError(404, "credit_report_not_found", "未找到", "信用平台没有该企业的报告", "no credit report")
    if isinstance(exc, InvalidUscc):
        return ProblemError(422, "invalid_uscc", "请求数据有误", "统一社会信用代码不正确", "invalid USCC")
    if isinstance(exc, CreditPlatformTimeout | CreditPlatformUnavailable | CircuitOpen):
        return ProblemError(
            503,
            "credit_platform_unavailable",
            "信用平台暂不可用",
            "信用平台暂时无法访问，请稍后重试",
            f"credit platform unavailable ({exc.code})",
            headers={"Retry-After": "30"},
        )
    return ProblemError(
        502, "credit_platform_error", "信用平台返回错误", "信用平台拒绝了请求或返回了无效数据", exc.code
    )


async def credit_report_for(ctx: FinanceContext, db: Database, principal: Principal, uscc: str) -> CreditReport:
    """``GET /v1/enterprises/{uscc}/credit``: who may ask, then a guarded look-up."""
    async with db.read() as s:
        profile = await s.get(EnterpriseProfile, uscc)
        if principal.role == Role.institution:
            has_case = (
                await s.execute(
                    select(CaseRow.id).where(CaseRow.uscc == uscc, CaseRow.institution_code == principal.inst).limit(1)
                )
            ).first() is not None
        else:
            has_case = False
    if principal.role == Role.enterprise:
        if principal.uscc != uscc:
            raise hides_existence(not_found("enterprise_not_found", "企业", "enterprise"))
        purpose = "enterprise_self"
    elif principal.role == Role.institution:
        if not has_case:
            # An institution sees only enterprises whose demands were matched to its products.
            raise hides_existence(not_found("enterprise_not_found", "企业", "enterprise"))
        purpose = "institution_review"
    elif principal.role == Role.operator:
        if profile is None:
            raise not_found("enterprise_not_found", "企业", "enterprise")
        if not principal.sees_district(profile.district_code):
            raise ProblemError(
                403, "other_district", "无权访问", "只能查看本区县的企业", "operators see their own district only"
            )
        purpose = "operator_review"
    elif principal.role == Role.admin:
        purpose = "admin_review"
    else:
        raise ProblemError(
            403, "role_not_allowed", "无权访问", f"当前角色（{principal.role}）无权查询信用报告", "role not allowed"
        )
    requester = LookupRequester(actor_id=principal.sub, role=str(principal.role), purpose=purpose)
    # An institution looks up only under a consent that came with a demand pushed to it.
    checker = institution_consent_checker(db, principal.inst or "") if principal.role == Role.institution else None
    try:
        return await refresh_credit(ctx, db, uscc=uscc, requester=requester, consent_checker=checker)
    except CreditError as exc:
        raise credit_problem(exc) from exc


async def revoke_consent(ctx: FinanceContext, db: Database, principal: Principal, consent_id: str) -> ConsentRow:
    now = utcnow()
    async with db.transaction() as s:
        row = await s.get(ConsentRow, consent_id)
        if row is None or (principal.role == Role.enterprise and principal.uscc != row.uscc):
            raise not_found("consent_not_found", "授权记录", "consent")
        if principal.role not in (Role.enterprise, Role.admin):
            raise ProblemError(
                403,
                "role_not_allowed",
                "无权访问",
                "只有企业本身（或管理员）可以撤回授权",
                "only the enterprise revokes",
            )
        if row.revoked_at is None:
            row.revoked_at = now
            row.revoked_by = principal.sub
            await rematch_enterprise(s, ctx, row.uscc, now)
    return row
