"""Composition root of the finance-match service: ``uvicorn tidu_finance_match.app:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from tidu_finance_match.consumers import SUBSCRIPTIONS
from tidu_finance_match.models import dead_letters, inbox, metadata, outbox
from tidu_finance_match.routes import router
from tidu_finance_match.settings import Settings
from tidu_shared.service import ServiceSpec, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    spec = ServiceSpec(
        name="finance-match",
        package="tidu_finance_match",
        title="Tidu 融资对接服务 Finance match",
        description="Financing products, demands, matching with reasons and the institution workflow (渝企金服).",
        metadata=metadata,
        outbox=outbox,
        inbox=inbox,
        dead_letters=dead_letters,
        routers=[router],
        subscriptions=SUBSCRIPTIONS,
    )
    return create_service_app(spec, settings)
