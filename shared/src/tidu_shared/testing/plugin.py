"""Pytest plugin shared by every test suite of the monorepo: one real broker per test session
(per xdist worker), fresh migrated databases per test, service apps run with their real
lifespan, and development tokens.

* ``KAFKA_BOOTSTRAP_SERVERS`` set → tests use that broker; otherwise the development broker
  (tansu) is started on a free loopback port and stopped at the end of the session.
* ``TIDU_TEST_POSTGRES_URL`` set → databases are PostgreSQL; otherwise SQLite files.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tidu_shared.auth import mint_token
from tidu_shared.devbroker import DevBroker
from tidu_shared.settings import AuthSettings, KafkaSettings
from tidu_shared.testing.databases import ServiceDatabases


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The broker of this test session."""
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    broker = DevBroker(log_path=tmp_path_factory.mktemp("broker") / "broker.log").start()
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def dev_broker_handle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevBroker]:
    """A broker of its own, for tests that stop and restart it (fault tests)."""
    broker = DevBroker(log_path=tmp_path_factory.mktemp("broker2") / "broker.log").start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def kafka_settings(kafka_bootstrap: str) -> KafkaSettings:
    """Broker settings with a namespace of this test's own (topics and groups), so tests that
    share the session broker never see each other's events."""
    return KafkaSettings(
        bootstrap_servers=kafka_bootstrap,
        namespace=f"t{uuid.uuid4().hex[:8]}.",
        session_timeout_ms=2000,
        heartbeat_interval_ms=500,
    )


@pytest.fixture(scope="session")
def test_databases(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[ServiceDatabases]:
    dbs = ServiceDatabases(tmp_path_factory.mktemp("db"), worker_id)
    try:
        yield dbs
    finally:
        dbs.drop_all()


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    wi = getattr(request.config, "workerinput", None)
    return wi["workerid"] if wi else "main"


@pytest.fixture
def auth_settings() -> AuthSettings:
    return AuthSettings()


@pytest.fixture
def token(auth_settings: AuthSettings) -> Callable[..., str]:
    """``token("operator", district="500113")`` → a bearer token."""

    def _mint(role: str, sub: str | None = None, **scope: str) -> str:
        return mint_token(auth_settings, sub=sub or f"{role}-{uuid.uuid4().hex[:6]}", role=role, **scope)

    return _mint


@pytest.fixture
def auth_header(token: Callable[..., str]) -> Callable[..., dict[str, str]]:
    def _h(role: str, **scope: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(role, **scope)}"}

    return _h


@asynccontextmanager
async def running_app(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Run ``app`` with its real lifespan and give an HTTP client to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.fixture
def app_client_factory(test_databases: ServiceDatabases, kafka_settings: KafkaSettings) -> Callable[..., Any]:
    """``async with app_client_factory("registry", run_relay=False) as (app, client):`` — the
    service app on a fresh database, with the session broker."""

    @asynccontextmanager
    async def _factory(service_name: str, database_url: str | None = None, **overrides: Any) -> AsyncIterator[Any]:
        import importlib

        from tidu_shared.services_catalog import service

        info = service(service_name)
        settings_mod = importlib.import_module(f"{info.package}.settings")
        app_mod = importlib.import_module(f"{info.package}.app")
        settings = settings_mod.Settings(
            database_url=database_url or test_databases.fresh(info.name), kafka=kafka_settings, **overrides
        )
        app = app_mod.create_app(settings)
        async with running_app(app) as client:
            yield app, client

    return _factory


def pytest_report_header(config: pytest.Config) -> list[str]:
    db = "postgresql" if os.environ.get("TIDU_TEST_POSTGRES_URL") else "sqlite"
    broker = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or "development broker (tansu) per session"
    return [f"tidu: database={db}, broker={broker}"]


__all__ = ["Path", "running_app"]


@pytest.fixture(scope="session")
def stack(
    kafka_bootstrap: str, test_databases: ServiceDatabases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The four services as processes, shared by the cross-service tests of a session (tests
    use random ids, so they need no cleanup)."""
    from tidu_shared.services_catalog import SERVICES
    from tidu_shared.testing.stack import run_stack

    urls = {s.name: test_databases.fresh(s.name) for s in SERVICES}
    with run_stack(
        bootstrap=kafka_bootstrap,
        database_urls=urls,
        workdir=tmp_path_factory.mktemp("stack"),
        namespace=f"s{uuid.uuid4().hex[:6]}.",
    ) as st:
        yield st
