"""Settings of the eligibility service (environment prefix ``TIDU_ELIGIBILITY_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict
from tidu_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TIDU_ELIGIBILITY_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/eligibility.db"
    port: int = 8002
