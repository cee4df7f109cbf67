"""Test databases built by the real migrations: SQLite files by default, PostgreSQL when
``TIDU_TEST_POSTGRES_URL`` names a server (an admin URL such as
``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``).

Each service is migrated once per test session into a template; every test then gets a fresh
copy (a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), so tests never
share state and still run the real migrations.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from tidu_shared.migrations import upgrade
from tidu_shared.services_catalog import service

POSTGRES_ENV = "TIDU_TEST_POSTGRES_URL"


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        return ex.submit(asyncio.run, coro).result()


def postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


async def _pg_exec(admin_url: str, *statements: str) -> None:
    import asyncpg

    u = make_url(admin_url)
    conn = await asyncpg.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 5432,
        user=u.username,
        password=u.password,
        database=u.database,
    )
    try:
        for st in statements:
            await conn.execute(st)
    finally:
        await conn.close()


class ServiceDatabases:
    """Hands out fresh, migrated databases per service."""

    def __init__(self, workdir: Path, worker: str) -> None:
        self.workdir = workdir
        self.worker = worker.replace("-", "_")
        self.admin_url = postgres_admin_url()
        self._templates: dict[str, str] = {}
        self._created: list[str] = []

    @property
    def backend(self) -> str:
        return "postgresql" if self.admin_url else "sqlite"

    def _pg_url(self, dbname: str) -> str:
        assert self.admin_url
        return make_url(self.admin_url).set(database=dbname).render_as_string(hide_password=False)

    def _template(self, service_name: str) -> str:
        if service_name in self._templates:
            return self._templates[service_name]
        info = service(service_name)
        if self.admin_url:
            name = f"tidu_tpl_{info.db_name}_{self.worker}_{uuid.uuid4().hex[:6]}"
            _run(_pg_exec(self.admin_url, f'CREATE DATABASE "{name}"'))
            self._created.append(name)
            upgrade(info.package, info.name, self._pg_url(name))
            self._templates[service_name] = name
        else:
            path = self.workdir / f"template_{info.db_name}.db"
            upgrade(info.package, info.name, f"sqlite+aiosqlite:///{path}")
            self._templates[service_name] = str(path)
        return self._templates[service_name]

    def fresh(self, service_name: str) -> str:
        """A new database for ``service_name``, at head; returns its async URL."""
        tpl = self._template(service_name)
        info = service(service_name)
        if self.admin_url:
            name = f"tidu_t_{info.db_name}_{self.worker}_{uuid.uuid4().hex[:10]}"
            _run(_pg_exec(self.admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{tpl}"'))
            self._created.append(name)
            return self._pg_url(name)
        path = self.workdir / f"{info.db_name}_{uuid.uuid4().hex[:10]}.db"
        shutil.copyfile(tpl, path)
        return f"sqlite+aiosqlite:///{path}"

    def empty(self, service_name: str) -> str:
        """An empty (unmigrated) database, for migration tests."""
        info = service(service_name)
        if self.admin_url:
            name = f"tidu_e_{info.db_name}_{self.worker}_{uuid.uuid4().hex[:10]}"
            _run(_pg_exec(self.admin_url, f'CREATE DATABASE "{name}"'))
            self._created.append(name)
            return self._pg_url(name)
        return f"sqlite+aiosqlite:///{self.workdir / f'empty_{info.db_name}_{uuid.uuid4().hex[:10]}.db'}"

    def drop_all(self) -> None:
        if self.admin_url and self._created:
            stmts = [f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in reversed(self._created)]
            try:
                _run(_pg_exec(self.admin_url, *stmts))
            except Exception:
                pass
