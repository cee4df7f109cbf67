"""Settings of the finance-match service (environment prefix ``TIDU_FINANCE_MATCH_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from tidu_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TIDU_FINANCE_MATCH_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/finance_match.db"
    port: int = 8003
