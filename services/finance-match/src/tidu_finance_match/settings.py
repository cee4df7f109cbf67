"""Settings of the finance-match service (environment prefix ``TIDU_FINANCE_MATCH_``).

Credit platform (``TIDU_FINANCE_MATCH_CREDIT_*``): no ``CREDIT_URL`` → the built-in simulated
platform (what ``make run`` uses); a URL → the httpx adapter against it, authenticated with
``CREDIT_API_KEY`` *or* ``CREDIT_USERNAME`` / ``CREDIT_PASSWORD``.
"""

from __future__ import annotations

import logging

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from tidu_finance_match.credit.factory import CreditPlatformConfig
from tidu_shared.settings import Environment, ServiceSettings

log = logging.getLogger(__name__)


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TIDU_FINANCE_MATCH_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/finance_match.db"
    port: int = 8003

    # Catalogue: load reference/products.yaml into an empty catalogue at start-up (idempotent).
    seed_catalogue: bool = True

    # Credit platform.
    credit_url: str | None = None
    credit_api_key: str | None = Field(default=None, repr=False)
    credit_username: str | None = None
    credit_password: str | None = Field(default=None, repr=False)
    credit_timeout_seconds: float = Field(default=2.0, gt=0)
    credit_max_attempts: int = Field(default=3, ge=1)
    credit_backoff_base_seconds: float = Field(default=0.2, ge=0)
    credit_backoff_max_seconds: float = Field(default=2.0, ge=0)
    credit_breaker_failure_threshold: int = Field(default=5, ge=1)
    credit_breaker_cooldown_seconds: float = Field(default=30.0, ge=0)
    credit_cache_ttl_seconds: float = Field(default=3600.0, gt=0)
    # A stored grade older than this is not used by the min_credit_grade gate (unknown instead).
    credit_grade_max_age_days: int = Field(default=180, ge=1)

    # Consent given with a demand lasts this long unless revoked earlier.
    consent_validity_days: int = Field(default=365, ge=1)

    # Deadline scheduler (reminders, escalation, the deadline_lapsed 融资难 path).
    scheduler_enabled: bool = True
    scheduler_interval_s: float = Field(default=60.0, gt=0)
    scheduler_lease_s: float = Field(default=180.0, gt=0)
    # Where a lapsed first response is escalated (the financial office's department code).
    escalation_department: str = "jrb"

    # gc.freeze() the process after (re)loading the catalogue: trims the latency tail of matching.
    gc_freeze_catalogue: bool = True

    # The institutions' decision-speed record used by the ranking is recomputed this often.
    decision_speed_ttl_s: float = Field(default=300.0, ge=0)

    @model_validator(mode="after")
    def _credit_platform(self) -> Settings:
        if self.credit_api_key and (self.credit_username or self.credit_password):
            raise ValueError("configure the credit platform with an API key or a username/password, not both")
        if bool(self.credit_username) != bool(self.credit_password):
            raise ValueError("credit platform basic auth needs both CREDIT_USERNAME and CREDIT_PASSWORD")
        if self.environment == Environment.production and not self.credit_url:
            log.warning("finance-match runs in production against the SIMULATED credit platform (no CREDIT_URL)")
        return self

    def credit_config(self) -> CreditPlatformConfig:
        return CreditPlatformConfig(
            url=self.credit_url or None,
            api_key=self.credit_api_key,
            username=self.credit_username,
            password=self.credit_password,
            timeout_seconds=self.credit_timeout_seconds,
            max_attempts=self.credit_max_attempts,
            backoff_base_seconds=self.credit_backoff_base_seconds,
            backoff_max_seconds=self.credit_backoff_max_seconds,
            breaker_failure_threshold=self.credit_breaker_failure_threshold,
            breaker_cooldown_seconds=self.credit_breaker_cooldown_seconds,
            cache_ttl_seconds=self.credit_cache_ttl_seconds,
        )
