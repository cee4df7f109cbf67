"""docker-compose.yml is shipped, not run here (no Docker engine): check it against the code."""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from tidu_shared.cli import main as tidu_main
from tidu_shared.crypto import DataProtectionSettings
from tidu_shared.services_catalog import SERVICES
from tidu_shared.settings import AuthSettings, KafkaSettings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))


def _env_fields(prefix: str, cls: type) -> set[str]:
    return {prefix + name.upper() for name in cls.model_fields}  # type: ignore[attr-defined]


def _service_settings(pkg: str) -> type:
    return importlib.import_module(f"{pkg}.settings").Settings  # type: ignore[no-any-return]


def test_every_service_has_its_container_and_migrate_step(compose: dict[str, Any]) -> None:
    names = set(compose["services"])
    for s in SERVICES:
        assert s.name in names
        assert f"migrate-{s.name}" in names
    assert {"kafka", "postgres"} <= names


def test_commands_exist_in_the_code(compose: dict[str, Any]) -> None:
    for s in SERVICES:
        cmd = compose["services"][s.name]["command"]
        assert cmd[0] == "uvicorn"
        module, factory = cmd[1].split(":")
        assert callable(getattr(importlib.import_module(module), factory))
        assert "--factory" in cmd
        mig = compose["services"][f"migrate-{s.name}"]["command"]
        assert mig == ["tidu", "migrate", s.name]
    with pytest.raises(SystemExit) as exc:
        tidu_main(["migrate", "--help"])
    assert exc.value.code == 0


def test_environment_variables_are_settings_the_services_read(compose: dict[str, Any]) -> None:
    for s in SERVICES:
        settings_cls = _service_settings(s.package)
        known = (
            _env_fields(s.env_prefix, settings_cls)
            | _env_fields("KAFKA_", KafkaSettings)
            | _env_fields("TIDU_AUTH_", AuthSettings)
            | _env_fields("TIDU_DATA_", DataProtectionSettings)
            | {"TIDU_ENVIRONMENT"}
        )
        for container in (s.name, f"migrate-{s.name}"):
            env = compose["services"][container]["environment"]
            unknown = set(env) - known
            assert not unknown, f"{container}: {unknown}"


def test_ports_databases_and_dependencies_line_up(compose: dict[str, Any]) -> None:
    init_sql = (ROOT / "deploy" / "postgres-init.sql").read_text("utf-8")
    created = set(re.findall(r"CREATE DATABASE (\w+);", init_sql))
    for s in SERVICES:
        svc = compose["services"][s.name]
        host, container = svc["ports"][0].split(":")
        assert int(host) == s.port
        assert container in " ".join(svc["command"])
        url_key = f"{s.env_prefix}DATABASE_URL"
        url = svc["environment"][url_key]
        assert url == compose["services"][f"migrate-{s.name}"]["environment"][url_key]
        assert url.rsplit("/", 1)[-1] in created
        assert url.startswith("postgresql+asyncpg://")
        deps = svc["depends_on"]
        assert deps[f"migrate-{s.name}"]["condition"] == "service_completed_successfully"
        assert "kafka" in deps
    for name, svc in compose["services"].items():
        for dep in svc.get("depends_on", {}):
            assert dep in compose["services"], f"{name} depends on unknown {dep}"
        build = svc.get("build")
        if build:
            assert (ROOT / build["context"] / build["dockerfile"]).is_file()


def test_dockerfile_installs_the_pinned_requirements() -> None:
    text = (ROOT / "deploy" / "Dockerfile").read_text("utf-8")
    assert "pip install -r requirements.txt" in text
    for s in SERVICES:
        assert f"services/{s.name}" in text
    assert shlex.split("FROM python:3.11-slim")[1].startswith("python:3.11")


def test_production_settings_in_compose_refuse_the_dev_secret(compose: dict[str, Any]) -> None:
    env = compose["services"]["registry"]["environment"]
    assert env["TIDU_ENVIRONMENT"] == "production"
    assert "TIDU_AUTH_JWT_SECRET" not in env
    assert "TIDU_AUTH_JWKS_URL" in env
