"""Tables of the eligibility service.

Projections of the registry's events (this service never reads the registry's tables):
``enterprise_profiles``, ``indicator_years`` (one row per enterprise and year, the reported values
as exact JSON), ``qualifications``. Each row keeps the id and time of the registry event it came
from: that is the *input statement* an assessment names.

Assessments: ``assessments`` (history: a row only when the result, score, size class or data year
changes for a rule set), ``latest_assessments`` (one row per enterprise and rule set: the candidate
lists and the change detection read it), ``assessment_inputs`` (the input snapshots assessments
used, stored once per distinct content). Rule sets uploaded by admins: ``rulesets``. Batch
re-assessment runs: ``batch_runs``.

Core tables (not ORM classes) except the profile: the batch path reads and writes them with plain
SQL in chunks.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Column, Date, Float, Index, Integer, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tidu_shared.audit import audit_table
from tidu_shared.consumer import dead_letter_table, inbox_table
from tidu_shared.db import UtcDateTime, new_metadata
from tidu_shared.outbox import outbox_table


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
    # 0002: the optional profile fields the rules read (domain-rules §3); None = not known
    independent_legal_person: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    niche_market_since: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    own_brand: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    main_product_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    strategic_emerging: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    six_foundations: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    key_chain_link: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    supplies_chain_leader: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    time_honoured_brand: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # when the fact was stated in the registry (registered_at or the profile change's changed_at)
    stated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    profile_changed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    profile_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


profiles = EnterpriseProfile.__table__

indicator_years = Table(
    "indicator_years",
    metadata,
    Column("uscc", String(18), primary_key=True),
    Column("year", Integer, primary_key=True),
    # the reported values as JSON: decimals as exact strings, None values left out
    Column("indicator_values", Text, nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("reported_at", UtcDateTime(), nullable=False),
    Column("source", String(40), nullable=True),
    Column("restated", Boolean, nullable=False, default=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

qualifications = Table(
    "qualifications",
    metadata,
    Column("qualification_id", String(64), primary_key=True),
    Column("uscc", String(18), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("level", String(20), nullable=True),
    Column("document_no", String(200), nullable=True),
    Column("granted_on", Date, nullable=False),
    Column("expires_on", Date, nullable=True),
    Column("status", String(10), nullable=False),  # active | expired | revoked
    Column("revoked_on", Date, nullable=True),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_qualifications_uscc_kind", "uscc", "kind"),
)

assessments = Table(
    "assessments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("uscc", String(18), nullable=False),
    Column("district_code", String(6), nullable=True),
    Column("ruleset_id", String(64), nullable=False),
    Column("ruleset_version", Integer, nullable=False),
    Column("tier", String(20), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("data_year", Integer, nullable=False),
    Column("result", String(14), nullable=False),
    Column("previous_result", String(14), nullable=True),
    Column("score", Integer, nullable=True),
    Column("size_class", String(10), nullable=True),
    Column("missing", Text, nullable=False),  # JSON list, e.g. ["rd_expense@2024"]
    Column("inputs_hash", String(64), nullable=True),  # → assessment_inputs.hash
    Column("trigger", String(10), nullable=False),  # event | batch
    Column("trigger_ref", String(64), nullable=True),  # the registry event id or the batch run id
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_assessments_uscc_ruleset_created", "uscc", "ruleset_id", "created_at"),
    Index("ix_assessments_ruleset_result_district", "ruleset_id", "result", "district_code"),
    Index("ix_assessments_trigger_ref", "trigger_ref"),
)

latest_assessments = Table(
    "latest_assessments",
    metadata,
    Column("uscc", String(18), primary_key=True),
    Column("ruleset_id", String(64), primary_key=True),
    Column("assessment_id", String(36), nullable=False),
    Column("ruleset_version", Integer, nullable=False),
    Column("tier", String(20), nullable=False),
    Column("district_code", String(6), nullable=True),
    Column("as_of", Date, nullable=False),
    Column("data_year", Integer, nullable=False),
    Column("result", String(14), nullable=False),
    Column("score", Integer, nullable=True),
    Column("size_class", String(10), nullable=True),
    Column("assessed_at", UtcDateTime(), nullable=False),
    # last time this enterprise was re-assessed from events, changed or not (a batch chunk that read
    # the projection before this time leaves the row alone: the event saw newer data)
    Column("checked_at", UtcDateTime(), nullable=False),
    Index("ix_latest_assessments_candidates", "ruleset_id", "result", "district_code", "uscc"),
)

assessment_inputs = Table(
    "assessment_inputs",
    metadata,
    Column("hash", String(64), primary_key=True),  # sha256 of the canonical JSON
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

rulesets = Table(
    "rulesets",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("body", Text, nullable=False),  # the uploaded YAML or JSON, as sent
    Column("body_format", String(8), nullable=False),  # yaml | json
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date, nullable=True),
    Column("uploaded_by", String(200), nullable=False),
    Column("uploaded_at", UtcDateTime(), nullable=False),
)

batch_runs = Table(
    "batch_runs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("target_kind", String(8), nullable=False),  # ruleset | tier | all
    Column("target", String(64), nullable=True),
    Column("district_code", String(6), nullable=True),
    Column("industry_prefix", String(5), nullable=True),
    Column("as_of", Date, nullable=False),
    Column("data_year", Integer, nullable=False),
    Column("publish", Boolean, nullable=False),
    Column("status", String(12), nullable=False),  # queued | running | completed | failed | interrupted
    Column("total", Integer, nullable=False),
    Column("done", Integer, nullable=False),
    Column("cursor", String(18), nullable=True),  # last USCC whose results are committed
    Column("rulesets", Text, nullable=False),  # JSON: ["srdi-2026@1", …] resolved at start
    Column("counts", Text, nullable=False),  # JSON: running counts per rule set
    Column("summary", Text, nullable=True),  # JSON: the final summary
    Column("rate", Float, nullable=True),  # enterprises per second
    Column("eta_s", Float, nullable=True),
    Column("elapsed_s", Float, nullable=False),  # seconds spent assessing, over every resume
    Column("worker", String(64), nullable=True),
    Column("error", Text, nullable=True),
    Column("requested_by", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("started_at", UtcDateTime(), nullable=True),
    Column("heartbeat_at", UtcDateTime(), nullable=True),
    Column("finished_at", UtcDateTime(), nullable=True),
    Index("ix_batch_runs_status", "status", "created_at"),
)
