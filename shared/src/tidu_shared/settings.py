"""Settings, validated at start-up with pydantic-settings.

Three groups, each with its own environment prefix:

* ``KAFKA_*`` — the broker, the same for every service (``KAFKA_BOOTSTRAP_SERVERS`` points
  everything at a real Kafka; unset, the dev launcher starts the embedded broker).
* ``TIDU_AUTH_*`` — token verification, the same for every service.
* ``TIDU_<SERVICE>_*`` — what belongs to one service (database URL, port, relay tuning);
  see :class:`ServiceSettings` and each service's ``settings.py``.

Placeholder secrets are refused outside development (``TIDU_ENVIRONMENT``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "tidu-development-secret-change-me-0123456789"
PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "password", "tidu"}


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class KafkaSettings(BaseSettings):
    """How to reach the Kafka-protocol broker (shared by all services)."""

    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    # Prefixes every topic and consumer-group name; lets several test runs or tenants share a broker.
    namespace: str = ""
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: str | None = Field(default=None, repr=False)
    ssl_cafile: str | None = None
    # Idempotent producers: on for Apache Kafka, off for the development broker (tansu) which
    # refuses them with aiokafka. The inbox keeps consumers idempotent either way.
    enable_idempotence: bool = False
    # Partitions created for each topic at start-up (create_partitions is not used). 4 is also
    # what the development broker gives a topic it creates on first use (after a restart), so
    # that topics are the same however they came back.
    partitions: int = 4
    replication_factor: int = 1
    # Consumer group tuning (the dev broker joins a group in about half the session timeout).
    session_timeout_ms: int = 6000
    heartbeat_interval_ms: int = 1500
    fetch_max_wait_ms: int = 10
    request_timeout_ms: int = 10000

    def topic(self, name: str) -> str:
        return f"{self.namespace}{name}"


class AuthSettings(BaseSettings):
    """Bearer-token verification (shared by all services)."""

    model_config = SettingsConfigDict(env_prefix="TIDU_AUTH_", extra="ignore")

    jwt_secret: str = Field(default=DEV_JWT_SECRET, repr=False)
    jwks_url: str | None = None
    jwks_cache_seconds: int = 300
    # An unknown key id refetches the key set (rotation), at most once per cooldown.
    jwks_refresh_cooldown_seconds: float = 30.0
    issuer: str = "tidu-dev"
    audience: str = "tidu"
    algorithms: list[str] = ["HS256"]
    # Allowed clock skew for exp / nbf / iat, bounded.
    leeway_seconds: int = Field(default=30, ge=0, le=300)


class ServiceSettings(BaseSettings):
    """Settings of one service. Subclasses set ``env_prefix`` (``TIDU_REGISTRY_`` …)."""

    model_config = SettingsConfigDict(extra="ignore")

    environment: Environment = Field(default=Environment.development, alias="TIDU_ENVIRONMENT")
    database_url: str = "sqlite+aiosqlite:///var/service.db"
    host: str = "127.0.0.1"
    port: int = 8000
    # Run the outbox relay and the event consumers inside the API process (the default). In a
    # multi-process deployment, the API runs with these off and `tidu relay` / `tidu consume`
    # run as their own processes.
    run_relay: bool = True
    run_consumers: bool = True
    relay_batch_size: int = 500
    relay_poll_interval_s: float = 0.2
    relay_max_attempts: int = 20
    relay_backoff_max_s: float = 30.0
    max_body_bytes: int = 1_048_576
    # Writes (POST/PUT/PATCH/DELETE) per principal: a token bucket per process.
    write_rate_per_s: float = 20.0
    write_burst: int = 60
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    # OpenTelemetry: spans are exported over OTLP/HTTP only when an endpoint is set.
    otlp_endpoint: str | None = None

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)

    @model_validator(mode="after")
    def _refuse_placeholders_outside_development(self) -> ServiceSettings:
        if self.environment == Environment.production:
            if self.auth.jwks_url is None:
                raise ValueError(
                    "production verifies RS256 tokens against an identity provider: set TIDU_AUTH_JWKS_URL "
                    "(HS256 and the development secret are refused in production)"
                )
            if self.kafka.sasl_password in PLACEHOLDER_SECRETS:
                raise ValueError("KAFKA_SASL_PASSWORD is a placeholder; set the real secret")
        return self
