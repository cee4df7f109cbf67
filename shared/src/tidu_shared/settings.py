"""Settings, validated at start-up with pydantic-settings.

Three groups, each with its own environment prefix:

* ``KAFKA_*`` — the broker, the same for every service (``KAFKA_BOOTSTRAP_SERVERS`` points
  everything at a real Kafka; unset, the dev launcher starts the embedded broker).
* ``TIDU_AUTH_*`` — token verification, the same for every service.
* ``TIDU_DATA_*`` — the keys that seal personal data at rest (:mod:`tidu_shared.crypto`).
* ``TIDU_<SERVICE>_*`` — what belongs to one service (database URL, port, relay tuning);
  see :class:`ServiceSettings` and each service's ``settings.py``.

Placeholder secrets are refused outside development (``TIDU_ENVIRONMENT``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tidu_shared.crypto import DataProtectionSettings

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
    # A SecretStr: shown as '**********' in reprs, logs and tracebacks.
    sasl_password: SecretStr | None = Field(default=None, repr=False)
    # TLS: the CA bundle that signed the brokers' certificates, and (mutual TLS) the client's
    # certificate and key (the key's password, if any); hostname checking is on unless turned off.
    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    ssl_password: SecretStr | None = Field(default=None, repr=False)
    ssl_check_hostname: bool = True
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

    @field_validator("sasl_password", "ssl_password", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @model_validator(mode="after")
    def _sasl_consistent(self) -> KafkaSettings:
        uses_sasl = self.security_protocol.startswith("SASL_")
        if uses_sasl and self.sasl_mechanism is None:
            raise ValueError(f"KAFKA_SECURITY_PROTOCOL={self.security_protocol} needs KAFKA_SASL_MECHANISM")
        if self.sasl_mechanism is not None and not uses_sasl:
            raise ValueError("KAFKA_SASL_MECHANISM needs KAFKA_SECURITY_PROTOCOL=SASL_SSL (or SASL_PLAINTEXT)")
        if uses_sasl and not self.sasl_username:
            raise ValueError("SASL needs KAFKA_SASL_USERNAME")
        if self.ssl_keyfile and not self.ssl_certfile:
            raise ValueError("KAFKA_SSL_KEYFILE needs KAFKA_SSL_CERTFILE (the client certificate)")
        return self

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
    data: DataProtectionSettings = Field(default_factory=DataProtectionSettings)

    # A service that stores personal data (the registry) refuses the development data key in production.
    holds_personal_data: ClassVar[bool] = False

    @model_validator(mode="after")
    def _refuse_placeholders_outside_development(self) -> ServiceSettings:
        if self.environment == Environment.production:
            if self.auth.jwks_url is None:
                raise ValueError(
                    "production verifies RS256 tokens against an identity provider: set TIDU_AUTH_JWKS_URL "
                    "(HS256 and the development secret are refused in production)"
                )
            if self.kafka.sasl_mechanism is not None:
                password = self.kafka.sasl_password.get_secret_value() if self.kafka.sasl_password else ""
                if not password.strip():
                    raise ValueError("KAFKA_SASL_PASSWORD is empty; production needs the principal's real secret")
                if password.strip().lower() in PLACEHOLDER_SECRETS:
                    raise ValueError("KAFKA_SASL_PASSWORD is a placeholder; set the real secret")
            if self.holds_personal_data and self.data.uses_development_key:
                raise ValueError(
                    "production seals personal data with real keys: set TIDU_DATA_KEYS (id=base64url 32 bytes, "
                    "current first) and TIDU_DATA_HASH_KEY; the development key is refused"
                )
        return self
