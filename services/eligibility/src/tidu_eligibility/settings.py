"""Settings of the eligibility service (environment prefix ``TIDU_ELIGIBILITY_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from tidu_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TIDU_ELIGIBILITY_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/eligibility.db"
    port: int = 8002

    # Rule sets: the packaged files, plus every *.yaml / *.yml / *.json of this directory (a
    # district's own rule sets deployed as files), plus the versions admins uploaded.
    rulesets_dir: Path | None = None
    # How often (seconds) a running process looks for rule-set versions uploaded through another
    # replica and rebuilds its engine.
    rules_refresh_s: float = Field(default=10.0, gt=0)

    # Years of indicators an assessment reads: the data year and this many before it.
    indicator_years_back: int = Field(default=3, ge=1, le=10)

    # Batch re-assessment: enterprises per chunk (one read, one evaluation call, one transaction).
    batch_chunk_size: int = Field(default=5000, ge=1, le=50_000)
    # A running batch whose heartbeat is older than this is reported (and resumable) as interrupted.
    batch_stale_after_s: float = Field(default=120.0, gt=0)
    # How often the batch worker looks for runs queued by another replica.
    batch_poll_s: float = Field(default=5.0, gt=0)

    # Pages of the read API.
    page_size_max: int = Field(default=500, ge=1)
