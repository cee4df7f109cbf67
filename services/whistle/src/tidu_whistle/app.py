"""Composition root of the whistle service: ``uvicorn tidu_whistle.app:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI
from tidu_shared.service import ServiceSpec, create_service_app

from tidu_whistle.consumers import SUBSCRIPTIONS
from tidu_whistle.models import dead_letters, inbox, metadata, outbox
from tidu_whistle.routes import router
from tidu_whistle.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    spec = ServiceSpec(
        name="whistle",
        package="tidu_whistle",
        title="Tidu 企业吹哨·部门报到 Whistle",
        description=(
            "Enterprise issues routed to departments with working-day deadlines, escalation, ratings and statistics."
        ),
        metadata=metadata,
        outbox=outbox,
        inbox=inbox,
        dead_letters=dead_letters,
        routers=[router],
        subscriptions=SUBSCRIPTIONS,
    )
    return create_service_app(spec, settings)
