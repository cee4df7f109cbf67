"""Settings of the registry service (environment prefix ``TIDU_REGISTRY_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict
from tidu_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TIDU_REGISTRY_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/registry.db"
    port: int = 8001
