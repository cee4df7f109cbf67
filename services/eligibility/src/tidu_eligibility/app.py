"""Composition root of the eligibility service: ``uvicorn tidu_eligibility.app:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI
from tidu_shared.service import ServiceSpec, create_service_app

from tidu_eligibility.consumers import SUBSCRIPTIONS
from tidu_eligibility.models import dead_letters, inbox, metadata, outbox
from tidu_eligibility.routes import router
from tidu_eligibility.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    spec = ServiceSpec(
        name="eligibility",
        package="tidu_eligibility",
        title="Tidu 资格评估服务 Eligibility",
        description=(
            "Scores enterprises against dated recognition rules (梯度培育认定条件) "
            "and explains what each lacks for the next tier."
        ),
        metadata=metadata,
        outbox=outbox,
        inbox=inbox,
        dead_letters=dead_letters,
        routers=[router],
        subscriptions=SUBSCRIPTIONS,
    )
    return create_service_app(spec, settings)
