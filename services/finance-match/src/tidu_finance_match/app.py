"""Composition root of the finance-match service: ``uvicorn tidu_finance_match.app:create_app --factory``.

``create_app`` builds plain objects only (settings, the service context, the routers and the
subscriptions, whose handlers get the context by closure). The lifespan (``_finance_lifespan``,
after the shared runtime started the database, relay and consumers) seeds the catalogue on the
first start, builds the credit client (the simulated platform unless a URL is configured) and
starts the deadline scheduler; on the way out it stops both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from tidu_finance_match.consumers import subscriptions
from tidu_finance_match.context import FinanceContext
from tidu_finance_match.credit.factory import build_guarded_client
from tidu_finance_match.credit.http_client import HttpCreditPlatform
from tidu_finance_match.models import audit, dead_letters, inbox, metadata, outbox
from tidu_finance_match.routes import ROUTERS
from tidu_finance_match.scheduler import DeadlineScheduler
from tidu_finance_match.settings import Settings
from tidu_finance_match.use_cases.catalogue import seed_catalogue
from tidu_finance_match.use_cases.credit import audit_sink, consent_checker
from tidu_shared.db import Database
from tidu_shared.service import ServiceSpec, create_service_app


def _lifespan(ctx: FinanceContext) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def _finance_lifespan(app: FastAPI) -> AsyncIterator[None]:
        db: Database = app.state.db
        settings = ctx.settings
        if settings.seed_catalogue:
            await seed_catalogue(db)
        ctx.credit = build_guarded_client(
            settings.credit_config(), consent_checker=consent_checker(db), audit_sink=audit_sink(db)
        )
        scheduler = DeadlineScheduler(ctx, db)
        app.state.scheduler = scheduler
        if settings.scheduler_enabled:
            await scheduler.start()
        try:
            yield
        finally:
            await scheduler.stop()
            platform = ctx.credit.platform
            if isinstance(platform, HttpCreditPlatform):
                await platform.aclose()

    return _finance_lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    ctx = FinanceContext.build(settings)
    spec = ServiceSpec(
        name="finance-match",
        package="tidu_finance_match",
        title="Tidu 融资对接服务 Finance match",
        description=(
            "Financing products, demands, matching with reasons, the institution workflow, consented credit "
            "look-ups and the 渝企金服 statistics."
        ),
        metadata=metadata,
        outbox=outbox,
        inbox=inbox,
        dead_letters=dead_letters,
        audit=audit,
        routers=list(ROUTERS),
        subscriptions=subscriptions(ctx),
        extra_lifespan=_lifespan(ctx),
    )
    app = create_service_app(spec, settings)
    app.state.finance = ctx
    return app
