"""Composition root of the eligibility service: ``uvicorn tidu_eligibility.app:create_app --factory``.

``create_app`` builds the context (settings, clock, rule book holder) and the consumers' handlers;
the shared lifespan builds the database, relay and consumers; then :func:`_eligibility_lifespan`
loads and validates the rule sets (a malformed rule-set file stops start-up here, with the file,
field and reason), starts the batch worker and the rule-set refresh. Nothing is built at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from tidu_eligibility.batch_runner import BatchRunner
from tidu_eligibility.consumers import subscriptions
from tidu_eligibility.context import EligibilityContext
from tidu_eligibility.domain.ruleset_schema import RuleSetError
from tidu_eligibility.models import audit, dead_letters, inbox, metadata, outbox
from tidu_eligibility.routes import routers
from tidu_eligibility.settings import Settings
from tidu_shared.db import Database
from tidu_shared.service import ServiceSpec, create_service_app

log = logging.getLogger(__name__)


async def _refresh_rules(db: Database, ctx: EligibilityContext) -> None:
    """Pick up versions uploaded through another replica."""
    while True:
        await asyncio.sleep(ctx.settings.rules_refresh_s)
        try:
            async with db.read() as s:
                await ctx.refresh(s)
        except Exception as exc:  # a bad upload elsewhere, or the database away: keep the current book
            log.warning("rule-set refresh failed: %s: %s", type(exc).__name__, exc)


@asynccontextmanager
async def _eligibility_lifespan(app: FastAPI) -> AsyncIterator[None]:
    ctx: EligibilityContext = app.state.eligibility
    db: Database = app.state.db
    try:
        async with db.read() as s:
            book = await ctx.rules(s)
    except RuleSetError as exc:
        log.error("invalid rule set, not starting: %s", exc)
        raise
    log.info("rule sets loaded: %s", ", ".join(f"{e.ruleset.id}@{e.ruleset.version}" for e in book.entries))
    runner = BatchRunner(db, ctx)
    app.state.batch_runner = runner
    await runner.start()
    refresh = asyncio.create_task(_refresh_rules(db, ctx), name="rules-refresh")
    try:
        yield
    finally:
        refresh.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refresh
        await runner.stop()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    ctx = EligibilityContext(settings)
    spec = ServiceSpec(
        name="eligibility",
        package="tidu_eligibility",
        title="Tidu 资格评估服务 Eligibility",
        description=(
            "Dated recognition rule sets (梯度培育认定条件) as data with citations; explained three-valued "
            "evaluations with gaps and the next tier (what-if and on stored data); event-driven and batch "
            "re-assessment of the registry's enterprises; cultivation candidates."
        ),
        metadata=metadata,
        outbox=outbox,
        inbox=inbox,
        dead_letters=dead_letters,
        audit=audit,
        routers=routers(),
        subscriptions=subscriptions(ctx),
        extra_lifespan=_eligibility_lifespan,
    )
    app = create_service_app(spec, settings)
    app.state.eligibility = ctx
    return app
