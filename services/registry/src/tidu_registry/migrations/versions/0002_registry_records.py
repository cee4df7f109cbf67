"""registry records: statements (revisions), yearly indicators, qualifications and their periods and
notices, size classes, the cultivation pool and white list, commissioners and plans, operator
districts, imports, the change feed, job leases; search indexes on enterprises.

PostgreSQL only: ``changes.txid`` defaults to the writing transaction's id (the change feed's
ordering, see models.changes), and a trigram GIN index on ``enterprises.name`` serves substring
search when the ``pg_trgm`` extension can be created; without it (not available, or not permitted)
the migration goes on and name search falls back to a sequential ``LIKE``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:52:23.393199
"""

import datetime as dt
import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger(__name__)

# Exact decimals: NUMERIC on PostgreSQL, text on SQLite (NUMERIC affinity would store floats).
MONEY = sa.Numeric(20, 6).with_variant(sa.String(40), "sqlite")


def _postgresql_extras() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE changes ALTER COLUMN txid SET DEFAULT (pg_current_xact_id()::text::bigint)")
    if bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first() is None:
        log.warning("pg_trgm is not available: name search uses a sequential LIKE")
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        log.warning("cannot create pg_trgm (%s): name search uses a sequential LIKE", exc.__class__.__name__)
        return
    op.create_index(
        "ix_enterprises_name_trgm",
        "enterprises",
        ["name"],
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )


def _drop_postgresql_extras() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_enterprises_name_trgm")


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("txid", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changes")),
    )
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index("ix_changes_district_txid_id", ["district_code", "txid", "id"], unique=False)
        batch_op.create_index("ix_changes_txid_id", ["txid", "id"], unique=False)
        batch_op.create_index("ix_changes_uscc_txid_id", ["uscc", "txid", "id"], unique=False)

    op.create_table(
        "commissioners",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissioners")),
    )
    with op.batch_alter_table("commissioners", schema=None) as batch_op:
        batch_op.create_index("ix_commissioners_district_code", ["district_code"], unique=False)

    op.create_table(
        "districts",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_districts")),
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("accepted_count", sa.Integer(), nullable=False),
        sa.Column("rejected_count", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
        sa.UniqueConstraint("content_hash", "scope", name="uq_imports_content_hash_scope"),
    )
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_leases")),
    )
    op.create_table(
        "size_classes",
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("data_year", sa.Integer(), nullable=False),
        sa.Column("size_class", sa.String(length=10), nullable=True),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("assessment_id", sa.String(length=64), nullable=False),
        sa.Column("ruleset_version", sa.String(length=40), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("uscc", "data_year", name=op.f("pk_size_classes")),
    )
    op.create_table(
        "commissioner_assignments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("commissioner_id", sa.String(length=64), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assigned_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["commissioner_id"],
            ["commissioners.id"],
            name=op.f("fk_commissioner_assignments_commissioner_id_commissioners"),
        ),
        sa.ForeignKeyConstraint(
            ["uscc"], ["enterprises.uscc"], name=op.f("fk_commissioner_assignments_uscc_enterprises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissioner_assignments")),
    )
    with op.batch_alter_table("commissioner_assignments", schema=None) as batch_op:
        batch_op.create_index("ix_commissioner_assignments_commissioner_id", ["commissioner_id"], unique=False)
        batch_op.create_index("ix_commissioner_assignments_uscc_id", ["uscc", "id"], unique=False)

    op.create_table(
        "indicators",
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("rd_staff", sa.Integer(), nullable=True),
        sa.Column("operating_revenue", MONEY, nullable=True),
        sa.Column("main_business_revenue", MONEY, nullable=True),
        sa.Column("net_profit", MONEY, nullable=True),
        sa.Column("total_assets", MONEY, nullable=True),
        sa.Column("total_liabilities", MONEY, nullable=True),
        sa.Column("rd_expense", MONEY, nullable=True),
        sa.Column("equity_financing", MONEY, nullable=True),
        sa.Column("ip_class_i", sa.Integer(), nullable=True),
        sa.Column("ip_class_i_self_developed", sa.Integer(), nullable=True),
        sa.Column("ip_class_i_high_value", sa.Integer(), nullable=True),
        sa.Column("ip_class_ii", sa.Integer(), nullable=True),
        sa.Column("digital_level", sa.Integer(), nullable=True),
        sa.Column("quality_cert", sa.Boolean(), nullable=True),
        sa.Column("quality_award_provincial", sa.Boolean(), nullable=True),
        sa.Column("standards_drafted", sa.Boolean(), nullable=True),
        sa.Column("foreign_product_cert", sa.Boolean(), nullable=True),
        sa.Column("rd_institution_level", sa.String(length=20), nullable=True),
        sa.Column("market_share_pct", MONEY, nullable=True),
        sa.Column("market_rank_domestic", sa.Integer(), nullable=True),
        sa.Column("development_score", MONEY, nullable=True),
        sa.Column("srdi_local_score", MONEY, nullable=True),
        sa.Column("rd_expense_over_revenue_explained", sa.Boolean(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("reported_by", sa.String(length=200), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["uscc"], ["enterprises.uscc"], name=op.f("fk_indicators_uscc_enterprises")),
        sa.PrimaryKeyConstraint("uscc", "year", name=op.f("pk_indicators")),
    )
    op.create_table(
        "plan_goals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("target_tier", sa.String(length=40), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["uscc"], ["enterprises.uscc"], name=op.f("fk_plan_goals_uscc_enterprises")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_goals")),
    )
    with op.batch_alter_table("plan_goals", schema=None) as batch_op:
        batch_op.create_index("ix_plan_goals_uscc", ["uscc"], unique=False)

    op.create_table(
        "pool_moves",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("from_stage", sa.String(length=12), nullable=True),
        sa.Column("to_stage", sa.String(length=12), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason_kind", sa.String(length=12), nullable=False),
        sa.Column("reason_text", sa.Text(), nullable=False),
        sa.Column("assessment_id", sa.String(length=64), nullable=True),
        sa.Column("recommended_tier", sa.String(length=40), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["uscc"], ["enterprises.uscc"], name=op.f("fk_pool_moves_uscc_enterprises")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_moves")),
    )
    with op.batch_alter_table("pool_moves", schema=None) as batch_op:
        batch_op.create_index("ix_pool_moves_uscc_id", ["uscc", "id"], unique=False)

    op.create_table(
        "qualifications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("document_no", sa.String(length=200), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("current_expires_on", sa.Date(), nullable=True),
        sa.Column("renewals", sa.JSON(), nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["uscc"], ["enterprises.uscc"], name=op.f("fk_qualifications_uscc_enterprises")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualifications")),
    )
    with op.batch_alter_table("qualifications", schema=None) as batch_op:
        batch_op.create_index("ix_qualifications_current_expires_on", ["current_expires_on"], unique=False)
        batch_op.create_index("ix_qualifications_uscc", ["uscc"], unique=False)

    op.create_table(
        "revisions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("who", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["uscc"], ["enterprises.uscc"], name=op.f("fk_revisions_uscc_enterprises")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revisions")),
    )
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.create_index("ix_revisions_uscc_year_id", ["uscc", "year", "id"], unique=False)

    op.create_table(
        "white_list_entries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("list_code", sa.String(length=64), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["uscc"], ["enterprises.uscc"], name=op.f("fk_white_list_entries_uscc_enterprises")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_white_list_entries")),
    )
    with op.batch_alter_table("white_list_entries", schema=None) as batch_op:
        batch_op.create_index("ix_white_list_entries_list_from", ["list_code", "effective_from"], unique=False)
        batch_op.create_index("ix_white_list_entries_uscc", ["uscc"], unique=False)

    op.create_table(
        "plan_actions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("goal_id", sa.String(length=36), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["goal_id"], ["plan_goals.id"], name=op.f("fk_plan_actions_goal_id_plan_goals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_actions")),
    )
    with op.batch_alter_table("plan_actions", schema=None) as batch_op:
        batch_op.create_index("ix_plan_actions_goal_id", ["goal_id"], unique=False)

    op.create_table(
        "qualification_notices",
        sa.Column("qualification_id", sa.String(length=36), nullable=False),
        sa.Column("dedup_key", sa.String(length=40), nullable=False),
        sa.Column("notice_kind", sa.String(length=10), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["qualification_id"],
            ["qualifications.id"],
            name=op.f("fk_qualification_notices_qualification_id_qualifications"),
        ),
        sa.PrimaryKeyConstraint("qualification_id", "dedup_key", name=op.f("pk_qualification_notices")),
    )
    op.create_table(
        "qualification_periods",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("qualification_id", sa.String(length=36), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["qualification_id"],
            ["qualifications.id"],
            name=op.f("fk_qualification_periods_qualification_id_qualifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualification_periods")),
    )
    with op.batch_alter_table("qualification_periods", schema=None) as batch_op:
        batch_op.create_index(
            "ix_qualification_periods_kind_start", ["kind", "start_on", "end_on", "uscc"], unique=False
        )
        batch_op.create_index("ix_qualification_periods_qualification_id", ["qualification_id"], unique=False)
        batch_op.create_index("ix_qualification_periods_uscc", ["uscc"], unique=False)

    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.add_column(sa.Column("independent_legal_person", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("niche_market_since", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("main_product", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("strategic_emerging", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("six_foundations", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("key_chain_link", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("supplies_chain_leader", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("own_brand", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("legal_rep_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("legal_rep_id_number", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("legal_rep_phone", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("contacts", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("size_class", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("size_class_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("pool_stage", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("commissioner_id", sa.String(length=64), nullable=True))
        batch_op.drop_index(batch_op.f("ix_enterprises_district_code"))
        batch_op.drop_index(batch_op.f("ix_enterprises_industry_code"))
        batch_op.create_index(
            "ix_enterprises_commissioner_uscc",
            ["commissioner_id", "uscc"],
            unique=False,
            sqlite_where=sa.text("commissioner_id IS NOT NULL"),
            postgresql_where=sa.text("commissioner_id IS NOT NULL"),
        )
        batch_op.create_index("ix_enterprises_district_uscc", ["district_code", "uscc"], unique=False)
        batch_op.create_index("ix_enterprises_district_name_uscc", ["district_code", "name", "uscc"], unique=False)
        batch_op.create_index(
            "ix_enterprises_district_established_uscc", ["district_code", "established_on", "uscc"], unique=False
        )
        batch_op.create_index("ix_enterprises_established_uscc", ["established_on", "uscc"], unique=False)
        batch_op.create_index("ix_enterprises_industry_uscc", ["industry_code", "uscc"], unique=False)
        batch_op.create_index("ix_enterprises_name_uscc", ["name", "uscc"], unique=False)
        batch_op.create_index(
            "ix_enterprises_pool_stage_uscc",
            ["pool_stage", "uscc"],
            unique=False,
            sqlite_where=sa.text("pool_stage IS NOT NULL"),
            postgresql_where=sa.text("pool_stage IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_enterprises_size_class_uscc",
            ["size_class", "uscc"],
            unique=False,
            sqlite_where=sa.text("size_class IS NOT NULL"),
            postgresql_where=sa.text("size_class IS NOT NULL"),
        )

    job_leases = sa.table(
        "job_leases",
        sa.column("name", sa.String),
        sa.column("holder", sa.String),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        job_leases,
        [{"name": "qualification-notices", "holder": None, "expires_at": dt.datetime(1970, 1, 1, tzinfo=dt.UTC)}],
    )
    _postgresql_extras()


def downgrade() -> None:
    _drop_postgresql_extras()
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_enterprises_size_class_uscc",
            sqlite_where=sa.text("size_class IS NOT NULL"),
            postgresql_where=sa.text("size_class IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_enterprises_pool_stage_uscc",
            sqlite_where=sa.text("pool_stage IS NOT NULL"),
            postgresql_where=sa.text("pool_stage IS NOT NULL"),
        )
        batch_op.drop_index("ix_enterprises_name_uscc")
        batch_op.drop_index("ix_enterprises_industry_uscc")
        batch_op.drop_index("ix_enterprises_established_uscc")
        batch_op.drop_index("ix_enterprises_district_uscc")
        batch_op.drop_index("ix_enterprises_district_name_uscc")
        batch_op.drop_index("ix_enterprises_district_established_uscc")
        batch_op.drop_index(
            "ix_enterprises_commissioner_uscc",
            sqlite_where=sa.text("commissioner_id IS NOT NULL"),
            postgresql_where=sa.text("commissioner_id IS NOT NULL"),
        )
        batch_op.create_index(batch_op.f("ix_enterprises_industry_code"), ["industry_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprises_district_code"), ["district_code"], unique=False)
        batch_op.drop_column("commissioner_id")
        batch_op.drop_column("pool_stage")
        batch_op.drop_column("size_class_year")
        batch_op.drop_column("size_class")
        batch_op.drop_column("contacts")
        batch_op.drop_column("legal_rep_phone")
        batch_op.drop_column("legal_rep_id_number")
        batch_op.drop_column("legal_rep_name")
        batch_op.drop_column("own_brand")
        batch_op.drop_column("supplies_chain_leader")
        batch_op.drop_column("key_chain_link")
        batch_op.drop_column("six_foundations")
        batch_op.drop_column("strategic_emerging")
        batch_op.drop_column("main_product")
        batch_op.drop_column("niche_market_since")
        batch_op.drop_column("independent_legal_person")

    with op.batch_alter_table("qualification_periods", schema=None) as batch_op:
        batch_op.drop_index("ix_qualification_periods_uscc")
        batch_op.drop_index("ix_qualification_periods_qualification_id")
        batch_op.drop_index("ix_qualification_periods_kind_start")

    op.drop_table("qualification_periods")
    op.drop_table("qualification_notices")
    with op.batch_alter_table("plan_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_actions_goal_id")

    op.drop_table("plan_actions")
    with op.batch_alter_table("white_list_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_white_list_entries_uscc")
        batch_op.drop_index("ix_white_list_entries_list_from")

    op.drop_table("white_list_entries")
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_index("ix_revisions_uscc_year_id")

    op.drop_table("revisions")
    with op.batch_alter_table("qualifications", schema=None) as batch_op:
        batch_op.drop_index("ix_qualifications_uscc")
        batch_op.drop_index("ix_qualifications_current_expires_on")

    op.drop_table("qualifications")
    with op.batch_alter_table("pool_moves", schema=None) as batch_op:
        batch_op.drop_index("ix_pool_moves_uscc_id")

    op.drop_table("pool_moves")
    with op.batch_alter_table("plan_goals", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_goals_uscc")

    op.drop_table("plan_goals")
    op.drop_table("indicators")
    with op.batch_alter_table("commissioner_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_commissioner_assignments_uscc_id")
        batch_op.drop_index("ix_commissioner_assignments_commissioner_id")

    op.drop_table("commissioner_assignments")
    op.drop_table("size_classes")
    op.drop_table("job_leases")
    op.drop_table("imports")
    op.drop_table("districts")
    with op.batch_alter_table("commissioners", schema=None) as batch_op:
        batch_op.drop_index("ix_commissioners_district_code")

    op.drop_table("commissioners")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index("ix_changes_uscc_txid_id")
        batch_op.drop_index("ix_changes_txid_id")
        batch_op.drop_index("ix_changes_district_txid_id")

    op.drop_table("changes")
