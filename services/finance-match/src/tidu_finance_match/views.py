"""Rows as JSON-ready dicts (the shapes documented in ``schemas``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tidu_finance_match.domain.deadlines import deadline_state
from tidu_finance_match.domain.vocabulary import PURPOSE_ZH, Purpose
from tidu_finance_match.domain.workflow import allowed_actions
from tidu_finance_match.models import (
    CaseRow,
    ConsentRow,
    DemandMatchRow,
    DemandRow,
    EnterpriseIndicators,
    EnterpriseProfile,
    EnterpriseQualification,
)
from tidu_finance_match.serialize import iso, money
from tidu_finance_match.use_cases.common import case_deadline, domain_case

# Domain action → the API's verb (POST /v1/cases/{id}/<verb>).
API_VERB = {"view": "view", "accept": "accept", "decline": "decline", "grant_credit": "grant", "disburse": "disburse"}


def case_json(row: CaseRow, product_name: str | None, now: datetime) -> dict[str, Any]:
    case = domain_case(row)
    return {
        "id": row.id,
        "demand_id": row.demand_id,
        "product_code": row.product_code,
        "product_name": product_name,
        "institution_code": row.institution_code,
        "state": row.state,
        "version": row.version,
        "requested_amount": money(row.requested_amount),
        "score": row.score,
        "pushed_at": iso(row.pushed_at),
        "viewed_at": iso(row.viewed_at),
        "decided_at": iso(row.decided_at),
        "decline_reason": row.decline_reason,
        "decline_note": row.decline_note,
        "grant": (
            {
                "amount": money(row.granted_amount),
                "rate_pct": money(row.granted_rate_pct),
                "term_months": money(row.granted_term_months),
                "granted_on": iso(row.granted_on),
            }
            if row.granted_amount is not None
            else None
        ),
        "disbursement": (
            {"amount": money(row.disbursed_amount), "disbursed_on": iso(row.disbursed_on)}
            if row.disbursed_amount is not None
            else None
        ),
        "withdrawn_at": iso(row.withdrawn_at),
        "deadline": {
            "working_days": row.working_days,
            "due_at": iso(row.due_at),
            "remind_at": iso(row.remind_at),
            "calendar_fallback": row.calendar_fallback,
            "reminded_at": iso(row.reminded_at),
            "escalated_at": iso(row.escalated_at),
            "state": deadline_state(case_deadline(row), now, row.decided_at).value,
        },
        "allowed_actions": sorted(API_VERB[a.value] for a in allowed_actions(case) if a.value in API_VERB),
    }


def case_brief(row: CaseRow) -> dict[str, Any]:
    """What a match outcome says of a pushed product's case (``GET /v1/cases/{id}`` has the rest)."""
    return {
        "id": row.id,
        "state": row.state,
        "version": row.version,
        "pushed_at": iso(row.pushed_at),
        "first_response_due_at": iso(row.due_at),
        "decided_at": iso(row.decided_at),
        "decline_reason": row.decline_reason,
    }


def consent_json(row: ConsentRow | None, now: datetime) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "id": row.id,
        "uscc": row.uscc,
        "share_with_institutions": row.share_with_institutions,
        "credit_lookup": row.credit_lookup,
        "granted_at": iso(row.granted_at),
        "granted_by": row.granted_by,
        "expires_at": iso(row.expires_at),
        "revoked_at": iso(row.revoked_at),
        "in_force": row.in_force(now),
    }


def demand_json(
    row: DemandRow,
    *,
    enterprise_name: str | None,
    consent: ConsentRow | None,
    matches: Iterable[DemandMatchRow],
    cases: list[dict[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    ordered = sorted(matches, key=lambda m: (m.status != "matched", not m.exclusive, -(m.score or 0.0), m.product_code))
    return {
        "id": row.id,
        "uscc": row.uscc,
        "enterprise_name": enterprise_name,
        "district_code": row.district_code,
        "industry_code": row.industry_code,
        "tier": row.tier,
        "amount": money(row.amount),
        "term_months": money(row.term_months),
        "purpose": row.purpose,
        "purpose_zh": PURPOSE_ZH.get(Purpose(row.purpose), row.purpose),
        "collateral_offered": list(row.collateral_offered),
        "urgency": row.urgency,
        "product_kinds": row.product_kinds,
        "has_existing_loan": row.has_existing_loan,
        "note": row.note,
        "status": row.status,
        "match_status": row.match_status,
        "matched_count": row.matched_count,
        "needs_data_count": row.needs_data_count,
        "matches": [
            {"product_code": m.product_code, "status": m.status, "score": m.score, "missing": m.missing}
            for m in ordered
        ],
        "consent": consent_json(consent, now),
        "failure": {"reason": row.failure_reason, "failed_at": iso(row.failed_at)} if row.failure_reason else None,
        "version": row.version,
        "created_by": row.created_by,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "closed_at": iso(row.closed_at),
        "cases": cases,
    }


def demand_brief(row: DemandRow) -> dict[str, Any]:
    """What an institution's queue shows of the demand."""
    return {
        "id": row.id,
        "amount": money(row.amount),
        "term_months": money(row.term_months),
        "purpose": row.purpose,
        "urgency": row.urgency,
        "collateral_offered": list(row.collateral_offered),
        "has_existing_loan": row.has_existing_loan,
        "status": row.status,
        "created_at": iso(row.created_at),
    }


def enterprise_json(
    profile: EnterpriseProfile | None,
    indicators: EnterpriseIndicators | None,
    qualifications: Iterable[EnterpriseQualification],
    tier: str | None,
) -> dict[str, Any] | None:
    """The enterprise's data as an institution sees it (only while the enterprise consents)."""
    if profile is None:
        return None
    return {
        "uscc": profile.uscc,
        "name": profile.name,
        "district_code": profile.district_code,
        "industry_code": profile.industry_code,
        "established_on": iso(profile.established_on),
        "tier": tier,
        "indicators": {"year": indicators.year, **indicators.values} if indicators is not None else None,
        "qualifications": [
            {"kind": q.kind, "level": q.level, "granted_on": iso(q.granted_on), "expires_on": iso(q.expires_on)}
            for q in qualifications
            if q.status == "valid"
        ],
    }
