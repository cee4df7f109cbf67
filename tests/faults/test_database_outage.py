"""The database goes away under a running service: writes answer 503 with Retry-After (never a
500), nothing is half-written, and the service recovers without a restart when the database
returns. SQLite: the database file is replaced by a directory (cannot be opened) and put back.
PostgreSQL: a private server of the test's own is stopped and started again."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from tidu_registry.domain.uscc import make_uscc
from tidu_registry.models import Enterprise, outbox
from tidu_shared.migrations import upgrade

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def body() -> dict[str, Any]:
    return {"uscc": make_uscc(), "name": "断库企业", "district_code": "500113", "industry_code": "C3825",
            "established_on": "2019-05-05"}  # fmt: skip


async def counts(app: Any) -> tuple[int, int]:
    async with app.state.db.read() as s:
        ents = (await s.execute(select(func.count()).select_from(Enterprise))).scalar_one()
        events = (await s.execute(select(func.count()).select_from(outbox))).scalar_one()
    return int(ents), int(events)


async def exercise_outage(app: Any, client: Any, headers: dict[str, str], down: Any, up: Any) -> None:
    ok = await client.post("/v1/enterprises", json=body(), headers=headers)
    assert ok.status_code == 201
    await down()
    # an outage breaks the connections a pool holds open
    await app.state.db.engine.dispose()
    try:
        failed = [await client.post("/v1/enterprises", json=body(), headers=headers) for _ in range(3)]
        for r in failed:
            assert r.status_code == 503, r.text
            assert r.headers["retry-after"]
            assert r.json()["code"] == "database_unavailable"
            assert "未保存" in r.json()["detail"]
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("unreachable")
    finally:
        await up()
    for _ in range(100):  # recovery without a restart
        r = await client.post("/v1/enterprises", json=body(), headers=headers)
        if r.status_code == 201:
            break
        await asyncio.sleep(0.1)
    assert r.status_code == 201
    assert await counts(app) == (2, 2)  # nothing from the failed writes, one event per stored write
    assert (await client.get("/readyz")).status_code == 200


async def test_database_outage(app_client_factory: Any, auth_header: Any, tmp_path: Path) -> None:
    """On the suite's database backend (SQLite, or PostgreSQL in the PostgreSQL pass)."""
    if os.environ.get("TIDU_TEST_POSTGRES_URL"):
        with private_postgres(tmp_path) as (admin_url, data):
            await postgresql_outage(admin_url, data, app_client_factory, auth_header)
    else:
        await sqlite_outage(app_client_factory, auth_header, tmp_path)


async def sqlite_outage(app_client_factory: Any, auth_header: Any, tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade("tidu_registry", "registry", url)
    async with app_client_factory("registry", database_url=url, run_relay=False, run_consumers=False) as (app, client):
        aside = tmp_path / "aside"
        aside.mkdir()

        async def down() -> None:
            for suffix in ("", "-wal", "-shm"):
                p = Path(f"{path}{suffix}")
                if p.exists():
                    shutil.move(p, aside / p.name)
            path.mkdir()  # a directory where the database file was: it cannot be opened

        async def up() -> None:
            path.rmdir()
            for p in aside.iterdir():
                shutil.move(p, tmp_path / p.name)

        await exercise_outage(app, client, auth_header("admin"), down, up)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def private_postgres(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A PostgreSQL server of this test's own (the suite's shared server must not stop)."""
    data = Path(f"/tmp/tidu-pg-outage-{uuid.uuid4().hex[:8]}")
    script = ROOT / "scripts" / "postgres.sh"
    url = subprocess.run(
        ["bash", str(script), "start", str(data), str(_free_port())], check=True, capture_output=True, text=True
    ).stdout.strip()
    try:
        yield url, data
    finally:
        subprocess.run(["bash", str(script), "stop", str(data)], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


async def postgresql_outage(admin_url: str, data: Path, app_client_factory: Any, auth_header: Any) -> None:
    import asyncpg

    u = make_url(admin_url)
    conn = await asyncpg.connect(host=u.host, port=u.port, user=u.username, database="postgres")
    await conn.execute("CREATE DATABASE registry")
    await conn.close()
    url = u.set(database="registry").render_as_string(hide_password=False)
    upgrade("tidu_registry", "registry", url)
    script = ROOT / "scripts" / "postgres.sh"
    port = str(u.port)

    async def down() -> None:
        await asyncio.to_thread(subprocess.run, ["bash", str(script), "stop", str(data)], capture_output=True)

    async def up() -> None:
        await asyncio.to_thread(
            subprocess.run, ["bash", str(script), "start", str(data), port], check=True, capture_output=True
        )

    async with app_client_factory("registry", database_url=url, run_relay=False, run_consumers=False) as (app, client):
        await exercise_outage(app, client, auth_header("admin"), down, up)
