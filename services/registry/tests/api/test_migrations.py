"""The registry's migrations: down to 0001 and up again on an empty database, and what 0002 does per
backend (PostgreSQL: the change feed's transaction ids and the trigram index on names)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text

from tidu_registry.models import changes
from tidu_shared.migrations import downgrade, upgrade


async def test_upgrade_downgrade_upgrade(test_databases: Any) -> None:
    url = test_databases.empty("registry")
    upgrade("tidu_registry", "registry", url)
    downgrade("tidu_registry", "registry", url, "0001")
    upgrade("tidu_registry", "registry", url)


async def test_backend_specific_parts_of_0002(reg: Any) -> None:
    await reg.register()
    db = reg.app.state.db
    async with db.read() as s:
        txids = (await s.execute(select(changes.c.txid))).scalars().all()
        if db.is_sqlite:
            assert txids == [0]
        else:
            assert txids[0] > 0
            index = await s.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_enterprises_name_trgm'")
            )
            assert "gin_trgm_ops" in index.scalar_one()
