"""ORM models and tables of the registry service.

Where rows are written in bulk (the import, the benchmark) or read as plain data, the tables are used
through SQLAlchemy Core; the ORM classes serve the single-record use cases.

Indexes are chosen for search over a million enterprises (see the service README): every filterable
column has a composite index ending in ``uscc`` so that a filter plus keyset pagination on
``(sort key, uscc)`` walks one index range; columns that are mostly empty (size class, pool stage,
commissioner) have partial indexes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from tidu_registry.domain.indicators import INDICATOR_SPECS
from tidu_registry.domain.values import Kind, plain_decimal
from tidu_shared.audit import audit_table
from tidu_shared.consumer import dead_letter_table, inbox_table
from tidu_shared.crypto import EncryptedJson, EncryptedText, decrypt, encrypt, holds_nothing, is_sealed
from tidu_shared.db import UtcDateTime, new_metadata
from tidu_shared.outbox import BigId, outbox_table


class Money(TypeDecorator[Decimal]):
    """An exact decimal (万元, up to 6 places): ``NUMERIC(20, 6)`` on PostgreSQL, text on SQLite (whose
    NUMERIC affinity would turn it into a float)."""

    impl = Numeric(20, 6)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(20, 6, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = value if isinstance(value, Decimal) else Decimal(str(value))
        return plain_decimal(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(plain_decimal(value if isinstance(value, Decimal) else Decimal(str(value))))


class JsonText(TypeDecorator[Any]):
    """JSON kept as text and (de)serialised with orjson: the import writes hundreds of thousands of
    statement rows, and the standard JSON type's ``json.dumps`` is its slowest step. Not queried in SQL."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else orjson.dumps(value).decode()

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else orjson.loads(value)


class Base(DeclarativeBase):
    metadata = new_metadata()


metadata = Base.metadata
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
dead_letters = dead_letter_table(metadata)
audit = audit_table(metadata)


class Enterprise(Base):
    """The current profile (the history is in ``revisions``), plus denormalised search columns:
    the latest year's size class, the pool stage and the current commissioner."""

    __tablename__ = "enterprises"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    district_code: Mapped[str] = mapped_column(String(6))
    industry_code: Mapped[str] = mapped_column(String(5))
    established_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    independent_legal_person: Mapped[bool | None] = mapped_column(Boolean)
    niche_market_since: Mapped[dt.date | None] = mapped_column(Date)
    main_product: Mapped[str | None] = mapped_column(String(500))
    strategic_emerging: Mapped[bool | None] = mapped_column(Boolean)
    six_foundations: Mapped[bool | None] = mapped_column(Boolean)
    key_chain_link: Mapped[bool | None] = mapped_column(Boolean)
    supplies_chain_leader: Mapped[bool | None] = mapped_column(Boolean)
    own_brand: Mapped[bool | None] = mapped_column(Boolean)
    legal_rep_name: Mapped[str | None] = mapped_column(String(100))
    # Personal data, sealed at rest (tidu_shared.crypto; migration 0004), masked in responses.
    legal_rep_id_number: Mapped[str | None] = mapped_column(EncryptedText())
    legal_rep_phone: Mapped[str | None] = mapped_column(EncryptedText())
    contacts: Mapped[list[dict[str, Any]] | None] = mapped_column(EncryptedJson())
    size_class: Mapped[str | None] = mapped_column(String(10))
    size_class_year: Mapped[int | None] = mapped_column(Integer)
    pool_stage: Mapped[str | None] = mapped_column(String(12))
    commissioner_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_enterprises_district_uscc", "district_code", "uscc"),
        Index("ix_enterprises_district_name_uscc", "district_code", "name", "uscc"),
        Index("ix_enterprises_district_established_uscc", "district_code", "established_on", "uscc"),
        Index("ix_enterprises_industry_uscc", "industry_code", "uscc"),
        Index("ix_enterprises_name_uscc", "name", "uscc"),
        Index("ix_enterprises_established_uscc", "established_on", "uscc"),
        Index(
            "ix_enterprises_size_class_uscc",
            "size_class",
            "uscc",
            sqlite_where=text("size_class IS NOT NULL"),
            postgresql_where=text("size_class IS NOT NULL"),
        ),
        Index(
            "ix_enterprises_pool_stage_uscc",
            "pool_stage",
            "uscc",
            sqlite_where=text("pool_stage IS NOT NULL"),
            postgresql_where=text("pool_stage IS NOT NULL"),
        ),
        Index(
            "ix_enterprises_commissioner_uscc",
            "commissioner_id",
            "uscc",
            sqlite_where=text("commissioner_id IS NOT NULL"),
            postgresql_where=text("commissioner_id IS NOT NULL"),
        ),
    )


enterprises = Enterprise.__table__

# Fields whose values the history keeps sealed (identity number, phones, the contacts with theirs).
SEALED_HISTORY_FIELDS = frozenset({"legal_rep_id_number", "legal_rep_phone", "contacts"})


class SealedChanges(JsonText):
    """A revision's statements as JSON text, the old and new values of :data:`SEALED_HISTORY_FIELDS`
    each sealed (``tdk1:…`` over the value's JSON): the history answers "as of" with them, but the
    table holds no identity or phone number in plain text. Unsealed (pre-0004) values read as they are."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return super().process_bind_param([seal_change(c) for c in value], dialect)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        changes = super().process_result_value(value, dialect)
        return None if changes is None else [open_change(c) for c in changes]


def _seal(value: Any) -> Any:
    if value is None or is_sealed(value) or holds_nothing(value):
        return value
    return encrypt(orjson.dumps(value).decode())


def _open(value: Any) -> Any:
    return orjson.loads(decrypt(value)) if is_sealed(value) else value


def seal_change(change: dict[str, Any]) -> dict[str, Any]:
    if change.get("field") not in SEALED_HISTORY_FIELDS:
        return change
    return {**change, "old": _seal(change.get("old")), "new": _seal(change.get("new"))}


def open_change(change: dict[str, Any]) -> dict[str, Any]:
    if change.get("field") not in SEALED_HISTORY_FIELDS:
        return change
    return {**change, "old": _open(change.get("old")), "new": _open(change.get("new"))}


# Statements (field, old, new, who, when, source) recorded together form one revision: a profile
# change (year NULL) or one year's indicators (year set). ``changes`` is a list of
# {"field", "old", "new"} with plain (JSON) values, unmasked, those of SEALED_HISTORY_FIELDS sealed.
revisions = Table(
    "revisions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("uscc", String(18), ForeignKey("enterprises.uscc"), nullable=False),
    Column("year", Integer),
    Column("source", String(20), nullable=False),
    Column("who", String(200), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("changes", SealedChanges, nullable=False),
    Index("ix_revisions_uscc_year_id", "uscc", "year", "id"),
)


def _indicator_column(kind: Kind) -> TypeEngine[Any]:
    if kind is Kind.INT:
        return Integer()
    if kind is Kind.DECIMAL:
        return Money()
    if kind is Kind.BOOL:
        return Boolean()
    return String(20)


# One row per enterprise and fiscal year: the current figures (domain-rules §3; money in 万元).
indicators = Table(
    "indicators",
    metadata,
    Column("uscc", String(18), ForeignKey("enterprises.uscc"), primary_key=True),
    Column("year", Integer, primary_key=True),
    *(Column(spec.name, _indicator_column(spec.kind)) for spec in INDICATOR_SPECS),
    Column("source", String(20), nullable=False),
    Column("reported_by", String(200), nullable=False),
    Column("reported_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
)

qualifications = Table(
    "qualifications",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("uscc", String(18), ForeignKey("enterprises.uscc"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("level", String(20), nullable=False),
    Column("document_no", String(200), nullable=False),
    Column("granted_on", Date, nullable=False),
    Column("expires_on", Date),
    Column("current_expires_on", Date),
    Column("renewals", JSON, nullable=False),
    Column("revoked_on", Date),
    Column("revocation_reason", Text),
    Column("revoked_by", String(200)),
    Column("recorded_by", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_qualifications_uscc", "uscc"),
    Index("ix_qualifications_current_expires_on", "current_expires_on"),
)

# The validity periods of each qualification (renewals joined, revocation cut), derived by the
# domain and rewritten on every change: what "valid on a date" searches and target counts read.
qualification_periods = Table(
    "qualification_periods",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("qualification_id", String(36), ForeignKey("qualifications.id"), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("start_on", Date, nullable=False),
    Column("end_on", Date),
    Index("ix_qualification_periods_kind_start", "kind", "start_on", "end_on", "uscc"),
    Index("ix_qualification_periods_qualification_id", "qualification_id"),
    Index("ix_qualification_periods_uscc", "uscc"),
)

# Expiry notices published (the domain's dedup_key: kind of notice + expiry date).
qualification_notices = Table(
    "qualification_notices",
    metadata,
    Column("qualification_id", String(36), ForeignKey("qualifications.id"), primary_key=True),
    Column("dedup_key", String(40), primary_key=True),
    Column("notice_kind", String(10), nullable=False),
    Column("expires_on", Date, nullable=False),
    Column("sent_at", UtcDateTime(), nullable=False),
)

# Size classes from the eligibility service's size-2011 assessments, per enterprise and data year.
size_classes = Table(
    "size_classes",
    metadata,
    Column("uscc", String(18), primary_key=True),
    Column("data_year", Integer, primary_key=True),
    Column("size_class", String(10)),
    Column("result", String(20), nullable=False),
    Column("assessment_id", String(64), nullable=False),
    Column("ruleset_version", String(40), nullable=False),
    Column("assessed_at", UtcDateTime(), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
)

pool_moves = Table(
    "pool_moves",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("uscc", String(18), ForeignKey("enterprises.uscc"), nullable=False),
    Column("from_stage", String(12)),
    Column("to_stage", String(12)),
    Column("effective_on", Date, nullable=False),
    Column("reason_kind", String(12), nullable=False),
    Column("reason_text", Text, nullable=False),
    Column("assessment_id", String(64)),
    Column("recommended_tier", String(40)),
    Column("decided_by", String(200), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Index("ix_pool_moves_uscc_id", "uscc", "id"),
)

white_list_entries = Table(
    "white_list_entries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("uscc", String(18), ForeignKey("enterprises.uscc"), nullable=False),
    Column("list_code", String(64), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date),
    Column("reason", Text, nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_white_list_entries_uscc", "uscc"),
    Index("ix_white_list_entries_list_from", "list_code", "effective_from"),
)

commissioners = Table(
    "commissioners",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("phone", EncryptedText()),  # sealed at rest (0004)
    Column("email", String(200)),
    Column("organisation", String(200)),
    Column("district_code", String(6), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_commissioners_district_code", "district_code"),
)

commissioner_assignments = Table(
    "commissioner_assignments",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("uscc", String(18), ForeignKey("enterprises.uscc"), nullable=False),
    Column("commissioner_id", String(64), ForeignKey("commissioners.id"), nullable=False),
    Column("assigned_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime()),
    Column("assigned_by", String(200), nullable=False),
    Column("reason", Text),
    Index("ix_commissioner_assignments_uscc_id", "uscc", "id"),
    Index("ix_commissioner_assignments_commissioner_id", "commissioner_id"),
)

# 一企一策: goals, and the actions that serve them.
plan_goals = Table(
    "plan_goals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("uscc", String(18), ForeignKey("enterprises.uscc"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text),
    Column("target_tier", String(40)),
    Column("due_on", Date),
    Column("status", String(20), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_plan_goals_uscc", "uscc"),
)

plan_actions = Table(
    "plan_actions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("goal_id", String(36), ForeignKey("plan_goals.id"), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("title", String(200), nullable=False),
    Column("owner", String(100)),
    Column("due_on", Date),
    Column("status", String(20), nullable=False),
    Column("completed_on", Date),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_plan_actions_goal_id", "goal_id"),
)

# Districts added by operators beyond the shipped GB/T 2260 list.
districts = Table(
    "districts",
    metadata,
    Column("code", String(6), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("province", String(100), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("added_by", String(200), nullable=False),
    Column("added_at", UtcDateTime(), nullable=False),
)

# Bulk imports: the content hash (of the cells) per uploader scope makes a second upload of the same
# file answer with the first report.
imports = Table(
    "imports",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("scope", String(40), nullable=False),
    Column("filename", String(255)),
    Column("uploaded_by", String(200), nullable=False),
    Column("uploaded_at", UtcDateTime(), nullable=False),
    Column("rows_total", Integer, nullable=False),
    Column("accepted_count", Integer, nullable=False),
    Column("rejected_count", Integer, nullable=False),
    Column("outcome", JSON, nullable=False),
    Column("report", JSON, nullable=False),
    UniqueConstraint("content_hash", "scope", name="uq_imports_content_hash_scope"),
)

# The change feed: a copy of every event the registry emits, written in the same transaction as its
# outbox row. ``txid`` is the writing transaction's id on PostgreSQL (0 on SQLite, whose single writer
# commits in id order): the feed is ordered by (txid, id) and serves only rows of transactions older
# than every transaction still running, so that a reader never skips a row committed late.
changes = Table(
    "changes",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("txid", BigInteger, nullable=False, server_default="0"),
    Column("event_id", String(36), nullable=False),  # unique in the outbox already
    Column("event_type", String(200), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("district_code", String(6)),
    Column("payload", LargeBinary, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Index("ix_changes_txid_id", "txid", "id"),
    Index("ix_changes_district_txid_id", "district_code", "txid", "id"),
    Index("ix_changes_uscc_txid_id", "uscc", "txid", "id"),
)

# Leases for scheduled jobs, so that one replica runs a daily job at a time, once a day.
job_leases = Table(
    "job_leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(64)),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("last_run_on", Date),
)
