"""encrypt personal data at rest: the legal representative's identity number and phone, the
contacts (with their phones) and the commissioners' phones become sealed text (AES-256-GCM,
``tidu_shared.crypto``, keys from ``TIDU_DATA_KEYS``), and so do their old and new values in the
history (``revisions.changes``).

The columns become ``TEXT`` (a sealed value is longer than the plain one; ``contacts`` was JSON),
then every existing row is sealed under the current key, in batches. Values already sealed are
left as they are, so a re-run (or a run after a partial one) is harmless. The downgrade opens them
again (it needs every key that sealed them) and restores the former types.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:40:00
"""

from collections.abc import Callable, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

from tidu_shared.crypto import decrypt, encrypt, holds_nothing, is_sealed

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
SEALED_HISTORY_FIELDS = ("legal_rep_id_number", "legal_rep_phone", "contacts")


def _seal(value: Any) -> Any:
    # Empty values (no contacts: '[]') hold nothing to hide and stay plain, as the models write them.
    return value if value is None or is_sealed(value) or value.strip() in ("", "[]", "{}", "null") else encrypt(value)


def _open(value: Any) -> Any:
    return decrypt(value) if is_sealed(value) else value


def _rewrite(table: str, key: str, columns: Sequence[str], convert: Callable[[Any], Any]) -> None:
    """Rewrite ``columns`` of every row of ``table`` with ``convert``, keyset-paged on ``key``."""
    conn = op.get_bind()
    cols = ", ".join(columns)
    last: Any = None
    while True:
        where = "" if last is None else f"WHERE {key} > :last "
        rows = conn.execute(
            sa.text(f"SELECT {key}, {cols} FROM {table} {where}ORDER BY {key} LIMIT {BATCH}"),
            {} if last is None else {"last": last},
        ).all()
        if not rows:
            return
        updates = []
        for row in rows:
            new = {c: convert(getattr(row, c)) for c in columns}
            if any(new[c] != getattr(row, c) for c in columns):
                updates.append({"k": getattr(row, key), **new})
        if updates:
            sets = ", ".join(f"{c} = :{c}" for c in columns)
            conn.execute(sa.text(f"UPDATE {table} SET {sets} WHERE {key} = :k"), updates)
        last = getattr(rows[-1], key)


def _rewrite_history(convert: Callable[[Any], Any]) -> None:
    conn = op.get_bind()
    like = " OR ".join(f"changes LIKE '%\"{f}\"%'" for f in SEALED_HISTORY_FIELDS)
    last = 0
    while True:
        rows = conn.execute(
            sa.text(f"SELECT id, changes FROM revisions WHERE id > :last AND ({like}) ORDER BY id LIMIT {BATCH}"),
            {"last": last},
        ).all()
        if not rows:
            return
        updates = []
        for row in rows:
            changes = orjson.loads(row.changes)
            for change in changes:
                if change.get("field") in SEALED_HISTORY_FIELDS:
                    change["old"] = convert(change.get("old"))
                    change["new"] = convert(change.get("new"))
            text = orjson.dumps(changes).decode()
            if text != row.changes:
                updates.append({"k": row.id, "changes": text})
        if updates:
            conn.execute(sa.text("UPDATE revisions SET changes = :changes WHERE id = :k"), updates)
        last = rows[-1].id


def _seal_history_value(value: Any) -> Any:
    if value is None or is_sealed(value) or holds_nothing(value):
        return value
    return encrypt(orjson.dumps(value).decode())


def _open_history_value(value: Any) -> Any:
    return orjson.loads(decrypt(value)) if is_sealed(value) else value


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("enterprises") as batch_op:
        batch_op.alter_column("legal_rep_id_number", existing_type=sa.String(40), type_=sa.Text())
        batch_op.alter_column("legal_rep_phone", existing_type=sa.String(40), type_=sa.Text())
        batch_op.alter_column(
            "contacts",
            existing_type=sa.JSON(),
            type_=sa.Text(),
            **({"postgresql_using": "contacts::text"} if pg else {}),
        )
    with op.batch_alter_table("commissioners") as batch_op:
        batch_op.alter_column("phone", existing_type=sa.String(40), type_=sa.Text())

    _rewrite("enterprises", "uscc", ("legal_rep_id_number", "legal_rep_phone", "contacts"), _seal)
    _rewrite("commissioners", "id", ("phone",), _seal)
    _rewrite_history(_seal_history_value)


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    _rewrite("enterprises", "uscc", ("legal_rep_id_number", "legal_rep_phone", "contacts"), _open)
    _rewrite("commissioners", "id", ("phone",), _open)
    _rewrite_history(_open_history_value)
    with op.batch_alter_table("commissioners") as batch_op:
        batch_op.alter_column("phone", existing_type=sa.Text(), type_=sa.String(40))
    with op.batch_alter_table("enterprises") as batch_op:
        batch_op.alter_column(
            "contacts",
            existing_type=sa.Text(),
            type_=sa.JSON(),
            **({"postgresql_using": "contacts::json"} if pg else {}),
        )
        batch_op.alter_column("legal_rep_phone", existing_type=sa.Text(), type_=sa.String(40))
        batch_op.alter_column("legal_rep_id_number", existing_type=sa.Text(), type_=sa.String(40))
