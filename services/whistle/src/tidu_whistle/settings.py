"""Settings of the whistle service (environment prefix ``TIDU_WHISTLE_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict
from tidu_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TIDU_WHISTLE_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/whistle.db"
    port: int = 8004
