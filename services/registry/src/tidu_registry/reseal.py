"""Re-seal the registry's personal data under the current data key (after a key rotation).

Rotation: put the new key first in ``TIDU_DATA_KEYS`` (``new=…,old=…``) and restart — new writes are
sealed with it and old values still open. Then ``tidu reseal-personal-data`` rewrites every value
still sealed under another key (and any plain value left from before migration 0004); after it
reports nothing left, the old key can be removed from ``TIDU_DATA_KEYS``. Safe to run while the
service runs (row by row, each batch its own transaction) and to run again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from tidu_shared.crypto import Keyring, holds_nothing, is_sealed, keyring

BATCH = 500
COLUMNS: Sequence[tuple[str, str, Sequence[str]]] = (
    ("enterprises", "uscc", ("legal_rep_id_number", "legal_rep_phone", "contacts")),
    ("commissioners", "id", ("phone",)),
)
HISTORY_FIELDS = frozenset({"legal_rep_id_number", "legal_rep_phone", "contacts"})


def _reseal_cell(ring: Keyring, value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):  # a JSON column not yet migrated
        value = orjson.dumps(value).decode()
    if value.strip() in ("", "[]", "{}", "null"):
        return value  # nothing to hide (as the models write it)
    return ring.encrypt(ring.decrypt(value)) if ring.needs_rewrap(value) else value


def _reseal_history_value(ring: Keyring, value: Any) -> Any:
    if value is None or holds_nothing(value):
        return value
    if is_sealed(value):
        return ring.encrypt(ring.decrypt(value)) if ring.needs_rewrap(value) else value
    return ring.encrypt(orjson.dumps(value).decode())


async def _columns(conn: AsyncConnection, ring: Keyring, table: str, key: str, cols: Sequence[str]) -> int:
    changed, last = 0, None
    while True:
        where = "" if last is None else f"WHERE {key} > :last "
        rows = (
            await conn.execute(
                text(f"SELECT {key}, {', '.join(cols)} FROM {table} {where}ORDER BY {key} LIMIT {BATCH}"),
                {} if last is None else {"last": last},
            )
        ).all()
        if not rows:
            return changed
        updates = []
        for row in rows:
            new = {c: _reseal_cell(ring, getattr(row, c)) for c in cols}
            if any(new[c] != getattr(row, c) for c in cols):
                updates.append({"k": getattr(row, key), **new})
        if updates:
            sets = ", ".join(f"{c} = :{c}" for c in cols)
            await conn.execute(text(f"UPDATE {table} SET {sets} WHERE {key} = :k"), updates)
            await conn.commit()
            changed += len(updates)
        last = getattr(rows[-1], key)


async def _history(conn: AsyncConnection, ring: Keyring) -> int:
    like = " OR ".join(f"changes LIKE '%\"{f}\"%'" for f in sorted(HISTORY_FIELDS))
    changed, last = 0, 0
    while True:
        rows = (
            await conn.execute(
                text(f"SELECT id, changes FROM revisions WHERE id > :last AND ({like}) ORDER BY id LIMIT {BATCH}"),
                {"last": last},
            )
        ).all()
        if not rows:
            return changed
        updates = []
        for row in rows:
            changes = orjson.loads(row.changes)
            for c in changes:
                if c.get("field") in HISTORY_FIELDS:
                    c["old"] = _reseal_history_value(ring, c.get("old"))
                    c["new"] = _reseal_history_value(ring, c.get("new"))
            new_text = orjson.dumps(changes).decode()
            if new_text != row.changes:
                updates.append({"k": row.id, "changes": new_text})
        if updates:
            await conn.execute(text("UPDATE revisions SET changes = :changes WHERE id = :k"), updates)
            await conn.commit()
            changed += len(updates)
        last = rows[-1].id


async def reseal(database_url: str, ring: Keyring | None = None) -> dict[str, int]:
    """Rows rewritten per table (0 everywhere: everything is under the current key)."""
    ring = ring or keyring()
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            counts = {table: await _columns(conn, ring, table, key, cols) for table, key, cols in COLUMNS}
            counts["revisions"] = await _history(conn, ring)
        return counts
    finally:
        await engine.dispose()
