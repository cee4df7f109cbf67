"""Composition root of the registry service: ``uvicorn tidu_registry.app:create_app --factory``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from tidu_registry.consumers import SUBSCRIPTIONS
from tidu_registry.domain.targets import default_targets
from tidu_registry.models import audit, dead_letters, inbox, metadata, outbox
from tidu_registry.routes import ROUTERS
from tidu_registry.scheduler import QUALIFICATION_NOTICES, DailyScheduler, Lease
from tidu_registry.settings import Settings
from tidu_registry.sqlite_tuning import tune
from tidu_registry.use_cases.qualifications import publish_notices
from tidu_shared import crypto
from tidu_shared.service import ServiceSpec, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    crypto.configure(settings.data)  # the keys that seal personal data at rest

    @asynccontextmanager
    async def registry_lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = app.state.db
        tune(db)
        app.state.targets = default_targets()  # reference/targets.yaml, validated at start
        lease = Lease(db, QUALIFICATION_NOTICES, ttl_s=settings.qualification_job_lease_s)
        app.state.notice_lease = lease
        scheduler = None
        if settings.qualification_job_enabled:

            async def job(today: object) -> None:
                await publish_notices(db, today=today)  # type: ignore[arg-type]

            scheduler = DailyScheduler(
                lease,
                job,
                interval_s=settings.qualification_job_interval_s,
                delay_s=settings.qualification_job_delay_s,
            )
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                await scheduler.stop()

    spec = ServiceSpec(
        name="registry",
        package="tidu_registry",
        title="Tidu 企业库服务 Registry",
        description="The enterprise registry and cultivation pool: the source of truth other services learn from.",
        metadata=metadata,
        outbox=outbox,
        inbox=inbox,
        dead_letters=dead_letters,
        audit=audit,
        routers=ROUTERS,
        subscriptions=SUBSCRIPTIONS,
        extra_lifespan=registry_lifespan,
        body_limits={"/v1/imports": settings.import_max_bytes},
    )
    return create_service_app(spec, settings)
