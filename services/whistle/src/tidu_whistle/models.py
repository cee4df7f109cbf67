"""ORM models of the whistle service.

One row per issue (the aggregate as ``domain.model.Issue`` sees it, plus query columns kept in
step on every write: ``due_date``, ``next_wakeup_at``, ``accepted_at``), its timeline, the
departments currently on it (``issue_departments``: what a department sees and whose topics
carry the issue's events), Idempotency-Keys, versioned routing rules, the scheduler's lease and
the timers it has fired, and the projection of the registry's enterprises.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tidu_shared.audit import audit_table
from tidu_shared.consumer import dead_letter_table, inbox_table
from tidu_shared.db import UtcDateTime, new_metadata
from tidu_shared.outbox import BigId, outbox_table


class Base(DeclarativeBase):
    metadata = new_metadata()


metadata = Base.metadata
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
dead_letters = dead_letter_table(metadata)
audit = audit_table(metadata)


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
    # 0002: the registry's later facts
    profile_changed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    commissioner_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    commissioner_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    commissioner_assigned_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class IssueRow(Base):
    """诉求: the issue aggregate (``domain.model.Issue``) and its query columns."""

    __tablename__ = "issues"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    enterprise_uscc: Mapped[str] = mapped_column(String(18), index=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    district: Mapped[str] = mapped_column(String(6), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(10))
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(24), index=True)
    version: Mapped[int] = mapped_column(Integer)
    lead_department: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    co_departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    deadlines: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the earliest running deadline's due date (Shanghai) while open: overdue filters and queues
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True, index=True)
    # when the scheduler must look at the issue next (reminder, breach, auto-close)
    next_wakeup_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True, index=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True, index=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    pending_extension_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    extensions_granted: Mapped[int] = mapped_column(Integer, default=0)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    flagged_for_review: Mapped[bool] = mapped_column(Boolean, default=False)
    # who raised it: enterprise | commissioner | financing_failed; source_ref: a natural key
    # of the fact that raised it automatically ("finance-demand:<demand_id>"), unique
    source: Mapped[str] = mapped_column(String(24))
    source_ref: Mapped[str | None] = mapped_column(String(120), nullable=True, unique=True)
    raised_by: Mapped[str] = mapped_column(String(200))

    # Optimistic concurrency: every UPDATE says ``WHERE version = <the version read>``; the use
    # case sets the new version (the domain's), a concurrent writer gets StaleDataError → 412.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class IssueDepartment(Base):
    """The departments currently on an issue: its lead (牵头) and co-handlers (配合)."""

    __tablename__ = "issue_departments"

    issue_id: Mapped[str] = mapped_column(String(36), ForeignKey("issues.id"), primary_key=True)
    department: Mapped[str] = mapped_column(String(40), primary_key=True)
    role: Mapped[str] = mapped_column(String(4))  # lead | co

    __table_args__ = (Index("ix_issue_departments_department", "department", "issue_id"),)


class TimelineRow(Base):
    """One recorded step of an issue (``domain.model.TimelineEntry``)."""

    __tablename__ = "issue_timeline"

    issue_id: Mapped[str] = mapped_column(String(36), ForeignKey("issues.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_state: Mapped[str] = mapped_column(String(24))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str] = mapped_column(String(200))
    actor_department: Mapped[str | None] = mapped_column(String(40), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    previous_lead: Mapped[str | None] = mapped_column(String(40), nullable=True)
    lead_department: Mapped[str | None] = mapped_column(String(40), nullable=True)
    co_departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    deadlines: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    working_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    flagged_for_review: Mapped[bool] = mapped_column(Boolean, default=False)


class IdempotencyKey(Base):
    """An Idempotency-Key of ``POST /v1/issues``: per principal, with the body's fingerprint and
    the first response (returned again for a retry with the same body)."""

    __tablename__ = "idempotency_keys"

    principal: Mapped[str] = mapped_column(String(250), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    issue_id: Mapped[str] = mapped_column(String(36))
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class RoutingRuleRow(Base):
    """One version of an operator's routing rule (``domain.routing.RoutingRule``); never updated."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    rule_id: Mapped[str] = mapped_column(String(60))  # "<category>/<district or *>"
    category: Mapped[str] = mapped_column(String(32))
    district: Mapped[str] = mapped_column(String(6))  # "*": every district
    lead: Mapped[str | None] = mapped_column(String(40), nullable=True)
    co: Mapped[list[str]] = mapped_column(JSON, default=list)
    to_triage: Mapped[bool] = mapped_column(Boolean, default=False)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    effective_from: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    revision: Mapped[int] = mapped_column(Integer)
    changed_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("category", "district", "revision", name="uq_routing_rules_key_revision"),
        Index("ix_routing_rules_category", "category", "district"),
    )


class SchedulerLease(Base):
    """Who runs the SLA sweep: claimed by an atomic ``UPDATE … WHERE expires_at < now OR holder = me``."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class FiredTimer(Base):
    """A reminder or breach already fired (its deterministic key), so that it fires once."""

    __tablename__ = "fired_timers"

    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    issue_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    clock: Mapped[str] = mapped_column(String(12))
    fired_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
