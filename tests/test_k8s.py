"""deploy/k8s: the manifests are what the generator writes, valid against the Kubernetes
schemas (kubernetes-validate, offline), and consistent with the code."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tidu_shared.crypto import DataProtectionSettings
from tidu_shared.services_catalog import SERVICES
from tidu_shared.settings import AuthSettings, KafkaSettings

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"


def generator() -> Any:
    spec = importlib.util.spec_from_file_location("k8s_generate", K8S / "generate.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def docs() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for f in sorted(K8S.glob("*.yaml")):
        if f.name != "kustomization.yaml":
            out.extend(d for d in yaml.safe_load_all(f.read_text("utf-8")) if d)
    return out


def test_files_are_what_the_generator_writes() -> None:
    for name, text in generator().render().items():
        assert (K8S / name).read_text("utf-8") == text, f"deploy/k8s/{name} is stale: run deploy/k8s/generate.py"


@pytest.mark.parametrize("doc", docs(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_manifest_is_valid_kubernetes(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, "1.25", strict=True)


def test_every_service_has_api_relay_consumer_and_migrate() -> None:
    names = {(d["kind"], d["metadata"]["name"]) for d in docs()}
    for s in SERVICES:
        for role in ("api", "relay", "consumer"):
            assert ("Deployment", f"{s.name}-{role}") in names
        assert ("Job", f"{s.name}-migrate") in names
        assert ("Service", s.name) in names


def test_env_and_commands_match_the_code() -> None:
    common = next(d for d in docs() if d["kind"] == "ConfigMap")["data"]
    shared_known = (
        {f"KAFKA_{k.upper()}" for k in KafkaSettings.model_fields}
        | {f"TIDU_AUTH_{k.upper()}" for k in AuthSettings.model_fields}
        | {f"TIDU_DATA_{k.upper()}" for k in DataProtectionSettings.model_fields}
        | {"TIDU_ENVIRONMENT"}
    )
    assert set(common) <= shared_known
    for s in SERVICES:
        settings = importlib.import_module(f"{s.package}.settings").Settings
        known = shared_known | {f"{s.env_prefix}{k.upper()}" for k in settings.model_fields}
        for d in docs():
            if d["kind"] not in ("Deployment", "Job") or d["metadata"]["labels"]["app.kubernetes.io/name"] != s.name:
                continue
            c = d["spec"]["template"]["spec"]["containers"][0]
            assert {e["name"] for e in c["env"]} <= known
            if c["command"][0] == "uvicorn":
                module, factory = c["command"][1].split(":")
                assert callable(getattr(importlib.import_module(module), factory))
                assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
                assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
            else:
                assert c["command"] == ["tidu", "migrate", s.name]


def test_consumers_never_scale_beyond_the_partitions() -> None:
    partitions = int(next(d for d in docs() if d["kind"] == "ConfigMap")["data"]["KAFKA_PARTITIONS"])
    for d in docs():
        if d["kind"] == "HorizontalPodAutoscaler" and d["metadata"]["name"].endswith("-consumer"):
            assert d["spec"]["maxReplicas"] <= partitions
