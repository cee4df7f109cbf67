"""The enterprise as the matcher sees it: a snapshot of the service's projections.

finance-match keeps projections of the registry (profile, yearly indicators,
qualifications) and of eligibility (latest assessments), and learns credit
grades from credit look-ups. The use case assembles them into an
:class:`EnterpriseSnapshot`; :func:`enterprise_facts` turns a snapshot into the
precomputed :class:`EnterpriseFacts` that every gate reads, once per
enterprise and date, so that each gate is a cheap function call.

Field names follow domain-rules §3. Money in 万元 as ``Decimal``.

Decisions where the brief was silent:

- ``indicators`` is the latest data year the projection holds (one row); the
  gates read that year and name it in their messages.
- The size class comes from the latest size assessment (``tier == "size"`` or a
  rule set id starting with ``size-``, i.e. ``size-2011``); an undetermined or
  missing size assessment leaves the size class unknown.
- A revoked qualification (``revoked_on``) stops being valid on that day.
- "Latest" assessment per rule set = greatest ``assessed_at``.
- A qualification is valid on ``as_of`` from ``granted_on`` through
  ``expires_on`` inclusive; ``expires_on=None`` means no expiry recorded.
- Ratios whose denominator is missing or zero are unknown (``None``), never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from tidu_finance_match.domain.credit_grades import grade_rank, normalize_grade

_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Qualification:
    kind: str
    granted_on: date
    expires_on: date | None = None
    level: str | None = None
    document_no: str | None = None
    revoked_on: date | None = None
    """A revoked qualification is valid only before the day it was revoked."""

    def valid_on(self, day: date) -> bool:
        return (
            self.granted_on <= day
            and (self.expires_on is None or day <= self.expires_on)
            and (self.revoked_on is None or day < self.revoked_on)
        )


class AssessmentResult(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    UNDETERMINED = "undetermined"


@dataclass(frozen=True, slots=True)
class AssessmentSummary:
    """The latest result of one rule set for the enterprise (from eligibility events)."""

    rule_set_id: str
    result: AssessmentResult
    assessed_at: datetime
    rule_set_version: str | None = None
    size_class: str | None = None
    """Set by size rule sets (``size-2011``): ``large``, ``medium``, ``small`` or ``micro``."""
    data_year: int | None = None
    tier: str | None = None
    """As in the ``assessment.completed`` contract: size | innovative | srdi | little_giant | pool."""


@dataclass(frozen=True, slots=True)
class YearlyIndicators:
    """One data year of indicators; ``None`` = not reported."""

    year: int
    employees: int | None = None
    rd_staff: int | None = None
    operating_revenue: Decimal | None = None
    main_business_revenue: Decimal | None = None
    net_profit: Decimal | None = None
    total_assets: Decimal | None = None
    total_liabilities: Decimal | None = None
    rd_expense: Decimal | None = None
    ip_class_i: int | None = None
    ip_class_i_self_developed: int | None = None
    ip_class_i_high_value: int | None = None
    ip_class_ii: int | None = None


@dataclass(frozen=True, slots=True)
class CreditStanding:
    """The enterprise's latest credit grade on record (from a consented look-up)."""

    grade: str
    score: int | None = None
    report_time: datetime | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class EnterpriseSnapshot:
    uscc: str
    name: str = ""
    district_code: str | None = None
    industry_code: str | None = None
    established_on: date | None = None
    indicators: YearlyIndicators | None = None
    qualifications: tuple[Qualification, ...] = ()
    assessments: tuple[AssessmentSummary, ...] = ()
    credit: CreditStanding | None = None
    tier: str | None = None
    """The enterprise's current tier on the ladder (for statistics only; gates read qualifications)."""


@dataclass(frozen=True, slots=True)
class EnterpriseFacts:
    """Everything the gates read, derived once from a snapshot for one date."""

    uscc: str
    as_of: date
    district_code: str | None
    industry_code: str | None
    years_established: int | None
    valid_qualifications: Mapping[str, Qualification]
    """Kind → the valid qualification of that kind expiring last."""
    lapsed_qualifications: Mapping[str, Qualification]
    """Kind → the most recently expired one, for kinds not currently valid (to explain a failure)."""
    size_class: str | None
    latest_assessments: Mapping[str, AssessmentSummary]
    data_year: int | None
    operating_revenue: Decimal | None
    debt_ratio_pct: Decimal | None
    rd_ratio_pct: Decimal | None
    ip_class_i: int | None
    ip_class_ii: int | None
    credit_grade: str | None
    credit_rank: int | None
    missing_for_debt_ratio: tuple[str, ...] = ()
    missing_for_rd_ratio: tuple[str, ...] = ()


def whole_years_between(start: date, end: date) -> int:
    """Whole years from ``start`` to ``end`` (0 when ``end`` precedes the first anniversary)."""
    years = end.year - start.year - ((end.month, end.day) < (start.month, start.day))
    return max(years, 0)


def _ratio_pct(
    numerator: Decimal | None, denominator: Decimal | None, names: tuple[str, str]
) -> tuple[Decimal | None, tuple[str, ...]]:
    missing = tuple(name for name, value in zip(names, (numerator, denominator), strict=True) if value is None)
    if missing:
        return None, missing
    assert numerator is not None and denominator is not None
    if denominator == 0:
        return None, (names[1],)
    return numerator * _HUNDRED / denominator, ()


def enterprise_facts(snapshot: EnterpriseSnapshot, as_of: date) -> EnterpriseFacts:
    """Precompute what the gates read. Pure; O(qualifications + assessments)."""
    valid: dict[str, Qualification] = {}
    lapsed: dict[str, Qualification] = {}
    for q in snapshot.qualifications:
        if q.valid_on(as_of):
            best = valid.get(q.kind)
            if best is None or (
                best.expires_on is not None and (q.expires_on is None or q.expires_on > best.expires_on)
            ):
                valid[q.kind] = q
        elif q.expires_on is not None and q.expires_on < as_of and q.revoked_on is None:
            prev = lapsed.get(q.kind)
            if prev is None or (prev.expires_on is not None and q.expires_on > prev.expires_on):
                lapsed[q.kind] = q
    for kind in valid:
        lapsed.pop(kind, None)

    latest: dict[str, AssessmentSummary] = {}
    for a in snapshot.assessments:
        prev_a = latest.get(a.rule_set_id)
        if prev_a is None or a.assessed_at > prev_a.assessed_at:
            latest[a.rule_set_id] = a
    size_class: str | None = None
    size_at: datetime | None = None
    for rule_set_id, a in latest.items():
        is_size = a.tier == "size" or rule_set_id.startswith("size-")
        if is_size and (size_at is None or a.assessed_at > size_at):
            size_at = a.assessed_at
            size_class = a.size_class if a.result is not AssessmentResult.UNDETERMINED else None

    ind = snapshot.indicators
    if ind is None:
        revenue = None
        debt, missing_debt = None, ("total_liabilities", "total_assets")
        rd, missing_rd = None, ("rd_expense", "operating_revenue")
        ip_i = ip_ii = None
    else:
        revenue = ind.operating_revenue
        debt, missing_debt = _ratio_pct(ind.total_liabilities, ind.total_assets, ("total_liabilities", "total_assets"))
        rd, missing_rd = _ratio_pct(ind.rd_expense, ind.operating_revenue, ("rd_expense", "operating_revenue"))
        ip_i, ip_ii = ind.ip_class_i, ind.ip_class_ii

    grade = normalize_grade(snapshot.credit.grade) if snapshot.credit is not None else None
    return EnterpriseFacts(
        uscc=snapshot.uscc,
        as_of=as_of,
        district_code=snapshot.district_code or None,
        industry_code=snapshot.industry_code or None,
        years_established=(
            whole_years_between(snapshot.established_on, as_of) if snapshot.established_on is not None else None
        ),
        valid_qualifications=MappingProxyType(valid),
        lapsed_qualifications=MappingProxyType(lapsed),
        size_class=size_class,
        latest_assessments=MappingProxyType(latest),
        data_year=ind.year if ind is not None else None,
        operating_revenue=revenue,
        debt_ratio_pct=debt,
        rd_ratio_pct=rd,
        ip_class_i=ip_i,
        ip_class_ii=ip_ii,
        credit_grade=grade,
        credit_rank=grade_rank(grade) if grade is not None else None,
        missing_for_debt_ratio=missing_debt,
        missing_for_rd_ratio=missing_rd,
    )
