"""Every service's migrations, on the backend of this test run (SQLite; PostgreSQL when
``TIDU_TEST_POSTGRES_URL`` is set), each test on a database of its own:

* from empty to head, and the migrated schema is exactly what the models declare (Alembic's
  autogenerate comparison finds nothing to do);
* from every earlier revision to head, with representative rows written at that revision (an
  event in the outbox and the inbox, an enterprise or its projection) kept through the upgrade;
* down one revision at a time to base (every revision's downgrade; nothing left behind) and up
  again to a schema that still matches the models.

Revisions are read from each service's Alembic script directory, so a new revision is tested as
soon as it exists.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import uuid
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tidu_shared.migrations import alembic_config, downgrade, upgrade, version_table
from tidu_shared.services_catalog import SERVICES, ServiceInfo

# Objects a migration creates on purpose for one backend only, which the models do not declare.
BACKEND_EXTRAS = {
    "ix_enterprises_name_trgm",  # registry 0002: trigram index for name search on PostgreSQL
}


def revisions(info: ServiceInfo) -> list[str]:
    """The service's revisions from base to head (one linear history)."""
    script = ScriptDirectory.from_config(alembic_config(info.package, info.name, "sqlite://"))
    assert len(script.get_heads()) == 1, f"{info.name}: more than one head {script.get_heads()}"
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def metadata_of(info: ServiceInfo) -> MetaData:
    return importlib.import_module(f"{info.package}.models").metadata  # type: ignore[no-any-return]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def _with_conn(url: str, fn: Any) -> Any:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def current(url: str, info: ServiceInfo) -> str | None:
    def _rev(conn: Connection) -> str | None:
        ctx = MigrationContext.configure(conn, opts={"version_table": version_table(info.name)})
        return ctx.get_current_revision()

    return run(_with_conn(url, _rev))  # type: ignore[no-any-return]


def schema_diff(url: str, info: ServiceInfo) -> list[Any]:
    md = metadata_of(info)

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "table" and name == version_table(info.name):
            return False
        return not (reflected and compare_to is None and name in BACKEND_EXTRAS)

    def _cmp(conn: Connection) -> list[Any]:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "version_table": version_table(info.name),
                "compare_type": True,
                "target_metadata": md,
                "include_object": include,
            },
        )
        return list(compare_metadata(ctx, md))

    return run(_with_conn(url, _cmp))  # type: ignore[no-any-return]


def tables(url: str) -> set[str]:
    return run(_with_conn(url, lambda c: set(inspect(c).get_table_names())))  # type: ignore[no-any-return]


USCC = "91500113MA5U7K8X3E"


def write_representative_rows(url: str, info: ServiceInfo) -> str:
    """Rows in the columns every revision since 0001 has: an outbox event, an inbox entry, and an
    enterprise (registry) or its projection (the other services). Returns the event id."""
    event_id = str(uuid.uuid4())
    now = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
    params = {"eid": event_id, "now": now, "uscc": USCC, "founded": dt.date(2018, 1, 1), "payload": b'{"x":1}'}
    statements = [
        "INSERT INTO outbox (event_id, event_type, topic, message_key, payload, status, attempts,"
        " next_attempt_at, created_at) VALUES (:eid, 'tidu.registry.enterprise.registered', 'registry',"
        " :uscc, :payload, 'pending', 0, :now, :now)",
        "INSERT INTO inbox (consumer, event_id, event_type, processed_at)"
        " VALUES ('migration-test', :eid, 'tidu.registry.enterprise.registered', :now)",
    ]
    if info.name == "registry":
        statements.append(
            "INSERT INTO enterprises (uscc, name, district_code, industry_code, established_on, created_at,"
            " updated_at, version) VALUES (:uscc, '重庆迁移测试有限公司', '500113', 'C3825', :founded, :now, :now, 1)"
        )
    else:
        statements.append(
            "INSERT INTO enterprise_profiles (uscc, name, district_code, industry_code, established_on,"
            " registered_at, updated_at, last_event_id) VALUES (:uscc, '重庆迁移测试有限公司', '500113', 'C3825',"
            " :founded, :now, :now, :eid)"
        )

    def _write(conn: Connection) -> None:
        for st in statements:
            conn.execute(text(st), params)

    run(_with_conn(url, _write))
    return event_id


def representative_rows_kept(url: str, info: ServiceInfo, event_id: str) -> None:
    entity = "enterprises" if info.name == "registry" else "enterprise_profiles"

    def _read(conn: Connection) -> tuple[Any, ...]:
        ob = conn.execute(text("SELECT status, payload FROM outbox WHERE event_id = :e"), {"e": event_id}).one()
        ib = conn.execute(text("SELECT count(*) FROM inbox WHERE event_id = :e"), {"e": event_id}).scalar_one()
        ent = conn.execute(text(f"SELECT count(*) FROM {entity} WHERE uscc = :u"), {"u": USCC}).scalar_one()
        return ob.status, bytes(ob.payload), ib, ent

    assert run(_with_conn(url, _read)) == ("pending", b'{"x":1}', 1, 1)


SERVICE_IDS = [s.name for s in SERVICES]
STARTS = [(s, r) for s in SERVICES for r in revisions(s)[:-1]]


@pytest.mark.parametrize("info", SERVICES, ids=SERVICE_IDS)
def test_upgrade_from_empty_matches_the_models(info: ServiceInfo, test_databases: Any) -> None:
    url = test_databases.empty(info.name)
    upgrade(info.package, info.name, url)
    assert current(url, info) == revisions(info)[-1]
    assert schema_diff(url, info) == []


@pytest.mark.parametrize(("info", "start"), STARTS, ids=[f"{s.name}-from-{r}" for s, r in STARTS])
def test_upgrade_from_every_earlier_revision_keeps_the_data(info: ServiceInfo, start: str, test_databases: Any) -> None:
    url = test_databases.empty(info.name)
    upgrade(info.package, info.name, url, start)
    assert current(url, info) == start
    event_id = write_representative_rows(url, info)
    upgrade(info.package, info.name, url)
    assert current(url, info) == revisions(info)[-1]
    representative_rows_kept(url, info, event_id)
    assert schema_diff(url, info) == []


@pytest.mark.parametrize("info", SERVICES, ids=SERVICE_IDS)
def test_downgrade_every_revision_to_base_and_up_again(info: ServiceInfo, test_databases: Any) -> None:
    revs = revisions(info)
    url = test_databases.empty(info.name)
    upgrade(info.package, info.name, url)
    for below in reversed([None, *revs[:-1]]):
        downgrade(info.package, info.name, url, "-1")
        assert current(url, info) == below
    # nothing left behind but Alembic's (empty) version table
    assert tables(url) <= {version_table(info.name)}
    upgrade(info.package, info.name, url)
    assert current(url, info) == revs[-1]
    assert schema_diff(url, info) == []
    event_id = write_representative_rows(url, info)
    representative_rows_kept(url, info, event_id)
