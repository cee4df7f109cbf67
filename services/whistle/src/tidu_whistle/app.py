"""Composition root of the whistle service: ``uvicorn tidu_whistle.app:create_app --factory``.

``create_app`` builds the context (settings, lazily loaded reference data and calendar, the
clock) and the consumers' handlers; the lifespan (``tidu_shared.service``) builds the database,
relay and consumers, then :func:`_whistle_lifespan` warms the reference data up and starts the
SLA scheduler. Nothing is built at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tidu_shared.errors import problem_response
from tidu_shared.service import ServiceSpec, create_service_app
from tidu_whistle.consumers import subscriptions
from tidu_whistle.context import WhistleContext
from tidu_whistle.domain.errors import DomainError
from tidu_whistle.models import audit, dead_letters, inbox, metadata, outbox
from tidu_whistle.problems import from_domain
from tidu_whistle.routes import routers
from tidu_whistle.scheduler import SlaScheduler
from tidu_whistle.settings import Settings


@asynccontextmanager
async def _whistle_lifespan(app: FastAPI) -> AsyncIterator[None]:
    ctx: WhistleContext = app.state.whistle
    _ = ctx.reference, ctx.calendar  # load (and check) the reference data before serving
    scheduler = SlaScheduler(app.state.db, ctx)
    app.state.scheduler = scheduler
    if ctx.settings.scheduler_enabled:
        await scheduler.start()
    try:
        yield
    finally:
        await scheduler.stop()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    ctx = WhistleContext(settings)
    spec = ServiceSpec(
        name="whistle",
        package="tidu_whistle",
        title="Tidu 企业吹哨·部门报到 Whistle",
        description=(
            "Enterprise issues routed to departments with working-day deadlines, escalation, ratings and "
            "statistics; each department's events on its Kafka topic tidu.whistle.dept.<code>; an Open311 "
            "GeoReport v2 read view."
        ),
        metadata=metadata,
        outbox=outbox,
        inbox=inbox,
        dead_letters=dead_letters,
        audit=audit,
        routers=routers(),
        subscriptions=subscriptions(ctx),
        extra_lifespan=_whistle_lifespan,
    )
    app = create_service_app(spec, settings)
    app.state.whistle = ctx

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(request, from_domain(exc))

    return app
