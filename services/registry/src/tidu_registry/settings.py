"""Settings of the registry service (environment prefix ``TIDU_REGISTRY_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from tidu_shared.settings import Environment, ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TIDU_REGISTRY_", extra="ignore")

    # Identity and phone numbers are stored here (sealed): production refuses the development data key.
    holds_personal_data: ClassVar[bool] = True

    database_url: str = "sqlite+aiosqlite:///var/registry.db"
    port: int = 8001
    # Bulk import: the upload limit on /v1/imports (other bodies keep max_body_bytes) and rows per file.
    import_max_bytes: int = 64 * 1024 * 1024
    import_max_rows: int = 200_000
    # From this many rows, validation runs in a worker process, bucket by bucket, beside the apply.
    import_parallel_from_rows: int = 20_000
    # The daily qualification-notice job: checked every interval (first check after the delay), run
    # once per China day by whichever replica holds the lease.
    qualification_job_enabled: bool = True
    qualification_job_interval_s: float = 600.0
    qualification_job_delay_s: float = 5.0
    qualification_job_lease_s: float = 600.0

    @property
    def allows_injected_today(self) -> bool:
        """Outside production, the job endpoint and target progress accept ``today`` (tests, demos)."""
        return self.environment != Environment.production
