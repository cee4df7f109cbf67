"""Settings of the whistle service (environment prefix ``TIDU_WHISTLE_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from tidu_shared.settings import ServiceSettings
from tidu_whistle.domain.rating import LowRatingAction


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TIDU_WHISTLE_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/whistle.db"
    port: int = 8004

    # Reference data: a directory with issue_categories.yaml, departments.yaml, districts.csv
    # (default: the copy shipped in tidu_whistle/reference/).
    reference_dir: Path | None = None
    # Operator-loaded official holiday years (YAML: {2027: {holidays: [...], workdays: [...],
    # source: "国办发明电〔2026〕N号"}}), for years chinesecalendar does not know yet.
    calendar_file: Path | None = None

    # Workflow (domain.state_machine.WorkflowPolicy).
    reopen_window_days: int = Field(default=7, ge=0, description="calendar days after resolution")
    confirm_window_days: int = Field(default=7, ge=0, description="auto-close after this many days")
    max_extensions: int = Field(default=2, ge=0)
    max_extension_working_days: int = Field(default=10, ge=1)
    low_rating_threshold: int = Field(default=2, ge=1, le=5)
    low_rating_action: LowRatingAction = LowRatingAction.REOPEN
    duplicate_window_days: int = Field(default=30, ge=1)

    # SLA scheduler (one replica at a time holds a database lease).
    scheduler_enabled: bool = True
    scheduler_interval_s: float = Field(default=60.0, gt=0)
    scheduler_lease_ttl_s: float = Field(default=180.0, gt=0)
    scheduler_batch_size: int = Field(default=200, ge=1, description="issues per sweep transaction")
    reminder_working_days_before: int = Field(default=0, ge=0)
    escalate_on_breach: bool = True
    auto_close: bool = True
