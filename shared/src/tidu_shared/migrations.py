"""Alembic per service: each service keeps its migrations in ``tidu_<service>/migrations`` and
its own version table (``alembic_version_<service>``). Migrations run before the app serves
(``tidu migrate SERVICE``, the dev launcher, the compose ``migrate-*`` steps); ``/readyz``
reports not-ready until the database is at head.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_engine_from_config

from tidu_shared.db import ensure_sqlite_dir


def version_table(service: str) -> str:
    return f"alembic_version_{service.replace('-', '_')}"


def alembic_config(package: str, service: str, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", f"{package}:migrations")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["service"] = service
    return cfg


def _outside_loop(fn: Any, *args: Any) -> None:
    """Alembic's async env uses ``asyncio.run``: from inside a running loop, use a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        fn(*args)
        return
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        ex.submit(fn, *args).result()


def upgrade(package: str, service: str, url: str, revision: str = "head") -> None:
    """Migrate a service database to ``revision`` (synchronous)."""
    ensure_sqlite_dir(url)
    _outside_loop(command.upgrade, alembic_config(package, service, url), revision)


def downgrade(package: str, service: str, url: str, revision: str) -> None:
    _outside_loop(command.downgrade, alembic_config(package, service, url), revision)


def head_revision(package: str, service: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(package, service, "sqlite://")).get_current_head()


async def current_revision(engine: AsyncEngine, service: str) -> str | None:
    def _rev(conn: Connection) -> str | None:
        return MigrationContext.configure(conn, opts={"version_table": version_table(service)}).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(_rev)


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's ``migrations/env.py``."""
    cfg = context.config
    service = cfg.attributes.get("service") or cfg.get_main_option("service") or "service"
    opts: dict[str, Any] = {
        "target_metadata": target_metadata,
        "version_table": version_table(service),
        "render_as_batch": True,
        "compare_type": True,
    }
    if context.is_offline_mode():
        context.configure(url=cfg.get_main_option("sqlalchemy.url"), literal_binds=True, **opts)
        with context.begin_transaction():
            context.run_migrations()
        return

    def _do(conn: Connection) -> None:
        context.configure(connection=conn, **opts)
        with context.begin_transaction():
            context.run_migrations()

    async def _online() -> None:
        engine = async_engine_from_config(
            cfg.get_section(cfg.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
        )
        async with engine.connect() as conn:
            await conn.run_sync(_do)
        await engine.dispose()

    asyncio.run(_online())
