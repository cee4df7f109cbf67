"""Generates the Kubernetes manifests in this folder (``python deploy/k8s/generate.py``).

Per service: a migrate Job, and three Deployments of the same image and command — ``api``
(serves HTTP; relay and consumers off), ``relay`` (publishes the outbox) and ``consumer`` (the
event consumers) — chosen by ``TIDU_<SERVICE>_RUN_RELAY`` / ``_RUN_CONSUMERS``; a Service for
the API, HorizontalPodAutoscalers for the API (CPU) and the consumers (at most as many pods as
the topic has partitions). Kafka and PostgreSQL are external: their addresses and credentials
come from the ``tidu-common`` ConfigMap and per-service Secrets. tests/test_k8s.py checks that
the files are what this script writes and validates them against the Kubernetes schemas.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
IMAGE = "registry.example/tidu:0.1.0"
PARTITIONS = 12
NAMESPACE = "tidu"

SERVICES = [
    ("registry", "tidu_registry"),
    ("eligibility", "tidu_eligibility"),
    ("finance-match", "tidu_finance_match"),
    ("whistle", "tidu_whistle"),
]

COMMON_ENV = {
    "TIDU_ENVIRONMENT": "production",
    "KAFKA_BOOTSTRAP_SERVERS": "kafka-0.kafka:9093,kafka-1.kafka:9093,kafka-2.kafka:9093",
    "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
    "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
    "KAFKA_SSL_CAFILE": "/etc/tidu/kafka-ca/ca.crt",
    "KAFKA_ENABLE_IDEMPOTENCE": "true",
    "KAFKA_PARTITIONS": str(PARTITIONS),
    "KAFKA_REPLICATION_FACTOR": "3",
    "TIDU_AUTH_JWKS_URL": "https://idp.example/realms/tidu/protocol/openid-connect/certs",
    "TIDU_AUTH_ALGORITHMS": '["RS256"]',
    "TIDU_AUTH_ISSUER": "https://idp.example/realms/tidu",
    "TIDU_AUTH_AUDIENCE": "tidu",
}


def prefix(name: str) -> str:
    return f"TIDU_{name.upper().replace('-', '_')}_"


def labels(name: str, role: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": role, "app.kubernetes.io/part-of": "tidu"}


def env(name: str, role: str) -> list[dict[str, Any]]:
    p = prefix(name)
    return [
        {"name": f"{p}DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": f"tidu-{name}-db", "key": "url"}}},
        {
            "name": "KAFKA_SASL_USERNAME",
            "valueFrom": {"secretKeyRef": {"name": f"tidu-{name}-kafka", "key": "username"}},
        },
        {
            "name": "KAFKA_SASL_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": f"tidu-{name}-kafka", "key": "password"}},
        },
        *(
            [  # personal data at rest (registry only): the same secret for the migrate Job and the pods
                {"name": "TIDU_DATA_KEYS", "valueFrom": {"secretKeyRef": {"name": "tidu-data-keys", "key": "keys"}}},
                {
                    "name": "TIDU_DATA_HASH_KEY",
                    "valueFrom": {"secretKeyRef": {"name": "tidu-data-keys", "key": "hash"}},
                },
            ]
            if name == "registry"
            else []
        ),
        {"name": f"{p}RUN_RELAY", "value": "true" if role == "relay" else "false"},
        {"name": f"{p}RUN_CONSUMERS", "value": "true" if role == "consumer" else "false"},
        {"name": f"{p}PORT", "value": "8000"},
    ]


def container(name: str, package: str, role: str) -> dict[str, Any]:
    probe = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10, "failureThreshold": 3}
    ready = {"httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 5, "failureThreshold": 2}
    resources = {
        "api": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
        "relay": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
        "consumer": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
    }[role]
    return {
        "name": role,
        "image": IMAGE,
        "command": [
            "uvicorn",
            f"{package}.app:create_app",
            "--factory",
            "--host",
            "0.0.0.0",
            "--port",
            "8000",
            "--timeout-graceful-shutdown",
            "20",
        ],
        "ports": [{"name": "http", "containerPort": 8000}],
        "envFrom": [{"configMapRef": {"name": "tidu-common"}}],
        "env": env(name, role),
        "livenessProbe": probe,
        "readinessProbe": ready,
        "startupProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 2, "failureThreshold": 30},
        "resources": resources,
        "volumeMounts": [
            {"name": "kafka-ca", "mountPath": "/etc/tidu/kafka-ca", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }


def deployment(name: str, package: str, role: str, replicas: int) -> dict[str, Any]:
    full = f"{name}-{role}"
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": full, "namespace": NAMESPACE, "labels": labels(name, role)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels(name, role)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {
                    "labels": labels(name, role),
                    "annotations": {
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": "8000",
                        "prometheus.io/path": "/metrics",
                    },
                },
                "spec": {
                    "terminationGracePeriodSeconds": 30,
                    "containers": [container(name, package, role)],
                    "volumes": [
                        {"name": "kafka-ca", "secret": {"secretName": "tidu-kafka-ca"}},
                        {"name": "tmp", "emptyDir": {}},
                    ],
                },
            },
        },
    }


def hpa(name: str, role: str, minimum: int, maximum: int) -> dict[str, Any]:
    full = f"{name}-{role}"
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": full, "namespace": NAMESPACE, "labels": labels(name, role)},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": full},
            "minReplicas": minimum,
            "maxReplicas": maximum,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                }
            ],
        },
    }


def service_docs(name: str, package: str) -> list[dict[str, Any]]:
    migrate = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": f"{name}-migrate", "namespace": NAMESPACE, "labels": labels(name, "migrate")},
        "spec": {
            "backoffLimit": 3,
            "template": {
                "metadata": {"labels": labels(name, "migrate")},
                "spec": {
                    "restartPolicy": "OnFailure",
                    "containers": [
                        {
                            "name": "migrate",
                            "image": IMAGE,
                            "command": ["tidu", "migrate", name],
                            "envFrom": [{"configMapRef": {"name": "tidu-common"}}],
                            "env": [
                                e
                                for e in env(name, "migrate")
                                if e["name"].endswith("DATABASE_URL") or e["name"].startswith("TIDU_DATA_")
                            ],
                            "securityContext": {
                                "runAsNonRoot": True,
                                "runAsUser": 10001,
                                "allowPrivilegeEscalation": False,
                            },
                        }
                    ],
                },
            },
        },
    }
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels(name, "api")},
        "spec": {"selector": labels(name, "api"), "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
    }
    return [
        migrate,
        deployment(name, package, "api", 2),
        svc,
        hpa(name, "api", 2, 10),
        deployment(name, package, "relay", 1),
        deployment(name, package, "consumer", 2),
        hpa(name, "consumer", 1, PARTITIONS),
    ]


def common_docs() -> list[dict[str, Any]]:
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "tidu-common", "namespace": NAMESPACE},
            "data": COMMON_ENV,
        },
    ]


def render() -> dict[str, str]:
    header = "# Generated by deploy/k8s/generate.py — edit the generator, not this file.\n"
    files = {"common.yaml": header + yaml.safe_dump_all(common_docs(), sort_keys=False, allow_unicode=True)}
    for name, package in SERVICES:
        files[f"{name}.yaml"] = header + yaml.safe_dump_all(service_docs(name, package), sort_keys=False)
    files["kustomization.yaml"] = header + yaml.safe_dump(
        {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": ["common.yaml"] + [f"{n}.yaml" for n, _ in SERVICES],
        },
        sort_keys=False,
    )
    return files


def main() -> int:
    for fname, text in render().items():
        (HERE / fname).write_text(text, encoding="utf-8")
    print(f"wrote {len(render())} files to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
