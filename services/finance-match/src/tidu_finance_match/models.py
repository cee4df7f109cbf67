"""ORM models of the finance-match service.

Projections (of registry and eligibility events; this service never reads their tables):
``enterprise_profiles``, ``enterprise_indicators``, ``enterprise_qualifications``,
``enterprise_assessments``; and ``credit_standings`` (the latest grade from a consented look-up).

Catalogue: ``institutions``, ``products`` (each product's data as the products.yaml entry it was
validated from, in ``spec``), ``catalogue_state`` (one row: a token that changes with every
catalogue change, so every replica reloads its in-memory catalogue).

Demands: ``demands``, ``consents``, ``demand_matches`` (per demand, the products that match or
need data; a product without a row does not match), ``match_cases`` (demand × pushed product:
the institution workflow) with ``case_timeline``, ``idempotency_keys``, ``credit_lookups`` (the
audit of every credit look-up) and ``scheduler_leases``.

Money: ``Numeric(18, 4)`` in 万元.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tidu_shared.audit import audit_table
from tidu_shared.consumer import dead_letter_table, inbox_table
from tidu_shared.db import UtcDateTime, new_metadata
from tidu_shared.outbox import BigId, outbox_table

Money = Numeric(18, 4)


class Base(DeclarativeBase):
    metadata = new_metadata()


metadata = Base.metadata
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
dead_letters = dead_letter_table(metadata)
audit = audit_table(metadata)


# --- projections ----------------------------------------------------------------------------------


class EnterpriseProfile(Base):
    """Projection of the registry's enterprise events (this service never reads the registry's tables)."""

    __tablename__ = "enterprise_profiles"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    industry_code: Mapped[str] = mapped_column(String(5))
    established_on: Mapped[dt.date] = mapped_column(Date)
    registered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    last_event_id: Mapped[str] = mapped_column(String(36))
    # When the registry changed the profile last (registered_at or changed_at of the event applied).
    source_time: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class EnterpriseIndicators(Base):
    """The latest report of one enterprise's indicators for one year (restatements replace it)."""

    __tablename__ = "enterprise_indicators"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    restated: Mapped[bool] = mapped_column(Boolean, default=False)
    reported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class EnterpriseQualification(Base):
    __tablename__ = "enterprise_qualifications"

    qualification_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    level: Mapped[str | None] = mapped_column(String(20), nullable=True)
    document_no: Mapped[str | None] = mapped_column(String(120), nullable=True)
    granted_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    revoked_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(12))  # valid | expired | revoked
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class EnterpriseAssessment(Base):
    """The latest assessment of one enterprise under one rule set (eligibility events)."""

    __tablename__ = "enterprise_assessments"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    ruleset_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    assessment_id: Mapped[str] = mapped_column(String(64))
    ruleset_version: Mapped[str] = mapped_column(String(40))
    tier: Mapped[str] = mapped_column(String(20))
    result: Mapped[str] = mapped_column(String(20))
    size_class: Mapped[str | None] = mapped_column(String(10), nullable=True)
    data_year: Mapped[int] = mapped_column(Integer)
    score: Mapped[Decimal | None] = mapped_column(Numeric(10, 4), nullable=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    assessed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class CreditStandingRow(Base):
    """The latest grade a consented credit look-up returned."""

    __tablename__ = "credit_standings"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    grade: Mapped[str] = mapped_column(String(6))
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    report_time: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    source: Mapped[str] = mapped_column(String(40))
    consent_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    looked_up_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


# --- catalogue ------------------------------------------------------------------------------------


class InstitutionRow(Base):
    __tablename__ = "institutions"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class ProductRow(Base):
    __tablename__ = "products"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    institution_code: Mapped[str] = mapped_column(ForeignKey("institutions.code"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(200))


class CatalogueState(Base):
    __tablename__ = "catalogue_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(36))
    seeded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


# --- demands and the workflow ---------------------------------------------------------------------


class ConsentRow(Base):
    """What the enterprise allowed, given with a demand; revocable."""

    __tablename__ = "consents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    share_with_institutions: Mapped[bool] = mapped_column(Boolean)
    credit_lookup: Mapped[bool] = mapped_column(Boolean)
    granted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    granted_by: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(200), nullable=True)

    def in_force(self, at: dt.datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or at < self.expires_at)


class DemandRow(Base):
    __tablename__ = "demands"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    industry_code: Mapped[str | None] = mapped_column(String(5), nullable=True)
    tier: Mapped[str | None] = mapped_column(String(30), nullable=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    term_months: Mapped[Decimal | None] = mapped_column(Numeric(10, 4), nullable=True)
    purpose: Mapped[str] = mapped_column(String(40))
    collateral_offered: Mapped[list[str]] = mapped_column(JSON)
    urgency: Mapped[str] = mapped_column(String(10))
    product_kinds: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    has_existing_loan: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    consent_id: Mapped[str | None] = mapped_column(ForeignKey("consents.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(12), index=True)  # open | financed | withdrawn
    match_status: Mapped[str] = mapped_column(String(12))  # matched | needs_data | not_matched
    matched_count: Mapped[int] = mapped_column(Integer, default=0)
    needs_data_count: Mapped[int] = mapped_column(Integer, default=0)
    failure_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    failed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    matched_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    close_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class DemandMatchRow(Base):
    """A product that matches a demand (``matched``) or would if data were completed (``needs_data``)."""

    __tablename__ = "demand_matches"

    demand_id: Mapped[str] = mapped_column(ForeignKey("demands.id"), primary_key=True)
    product_code: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(12))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    missing: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class CaseRow(Base):
    """One demand at one pushed product: the institution workflow (domain.workflow.MatchCase)."""

    __tablename__ = "match_cases"
    __table_args__ = (
        UniqueConstraint("demand_id", "product_code"),
        Index("ix_match_cases_state_due", "state", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    demand_id: Mapped[str] = mapped_column(ForeignKey("demands.id"), index=True)
    product_code: Mapped[str] = mapped_column(String(60))
    institution_code: Mapped[str] = mapped_column(String(40), index=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    requested_amount: Mapped[Decimal] = mapped_column(Money)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    pushed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    viewed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    declined_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    decline_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decline_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    granted_amount: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    granted_rate_pct: Mapped[Decimal | None] = mapped_column(Numeric(9, 4), nullable=True)
    granted_term_months: Mapped[Decimal | None] = mapped_column(Numeric(10, 4), nullable=True)
    granted_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    disbursed_amount: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    disbursed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    withdraw_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    working_days: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    remind_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    calendar_fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class CaseTimelineRow(Base):
    __tablename__ = "case_timeline"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("match_cases.id"), index=True)
    demand_id: Mapped[str] = mapped_column(String(36), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str] = mapped_column(String(16))
    actor_role: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class IdempotencyKey(Base):
    """``Idempotency-Key`` of ``POST /v1/demands``, per caller (token subject)."""

    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    demand_id: Mapped[str] = mapped_column(String(36))
    status_code: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class CreditLookupRow(Base):
    """Audit: every credit look-up, refused, cached, answered or failed."""

    __tablename__ = "credit_lookups"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
    uscc: Mapped[str] = mapped_column(String(40), index=True)
    actor_id: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(40))
    demand_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    consent_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    outcome: Mapped[str] = mapped_column(String(24))
    cache_hit: Mapped[bool] = mapped_column(Boolean)
    grade: Mapped[str | None] = mapped_column(String(6), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    duration_ms: Mapped[float] = mapped_column(Float)


class SchedulerLease(Base):
    """One row per scheduled job: the replica holding it runs it until ``expires_at``."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(120), nullable=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
