"""Composition root of the registry service: ``uvicorn tidu_registry.app:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI
from tidu_shared.service import ServiceSpec, create_service_app

from tidu_registry.models import dead_letters, inbox, metadata, outbox
from tidu_registry.routes import router
from tidu_registry.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    spec = ServiceSpec(
        name="registry",
        package="tidu_registry",
        title="Tidu 企业库服务 Registry",
        description="The enterprise registry and cultivation pool: the source of truth other services learn from.",
        metadata=metadata,
        outbox=outbox,
        inbox=inbox,
        dead_letters=dead_letters,
        routers=[router],
    )
    return create_service_app(spec, settings)
