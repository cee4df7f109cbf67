"""The composition root every service shares: an app factory whose lifespan builds the
database, the outbox relay and the event consumers (nothing at import time), installs the
error format, request ids, body-size limits, offline API docs, ``/healthz``, ``/readyz``, the
dead-letter endpoints and the audit log (``tidu_shared.audit``: recording and ``GET /v1/audit``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from sqlalchemy import MetaData, Table, select

from tidu_shared.audit import AuditMiddleware, audit_outbox_of, audit_router
from tidu_shared.auth import CurrentPrincipal, Role, TokenVerifier
from tidu_shared.consumer import EventConsumer, Subscription
from tidu_shared.db import Database
from tidu_shared.errors import ProblemError, install_error_handlers
from tidu_shared.kafka import BrokerWatch, make_producer
from tidu_shared.logs import BodySizeLimitMiddleware, RequestIdMiddleware, configure_logging
from tidu_shared.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from tidu_shared.metrics import HttpMetricsMiddleware, Metrics
from tidu_shared.migrations import current_revision, head_revision
from tidu_shared.openapi_problems import install_problem_docs
from tidu_shared.outbox import OutboxRelay
from tidu_shared.query_params import single_valued_query
from tidu_shared.ratelimit import WriteRateLimitMiddleware
from tidu_shared.settings import Environment, ServiceSettings
from tidu_shared.topics import CORE_TOPICS, dead_letter_topic
from tidu_shared.tracing import setup_tracing

log = logging.getLogger(__name__)


@dataclass
class ServiceSpec:
    name: str  # "registry"
    package: str  # "tidu_registry"
    title: str
    description: str
    metadata: MetaData
    outbox: Table
    inbox: Table
    dead_letters: Table
    routers: Sequence[APIRouter]
    subscriptions: Sequence[Subscription] = ()
    # Service-specific start-up and shutdown (reference data, schedulers …), inside the lifespan.
    extra_lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None
    body_limits: dict[str, int] = field(default_factory=dict)
    version: str = "0.1.0"
    # The service's audit_log (tidu_shared.audit.audit_table): writes, denials and sensitive reads
    # are recorded there and published on tidu.audit; admins query GET /v1/audit.
    audit: Table | None = None


# The longest one shutdown step may take (consumers and relays drain within 5 s themselves).
SHUTDOWN_STEP_S = 15.0


async def _within(what: str, step: Awaitable[Any], seconds: float) -> None:
    """Run a shutdown step for at most ``seconds``; a step that does not finish (or fails) is
    logged and left behind. ``asyncio.wait`` rather than ``wait_for``: a task that swallows its
    cancellation cannot hold the shutdown."""
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        task.cancel()
        log.warning("shutdown: %s did not finish within %.0f s; left behind", what, seconds)
    elif task.exception() is not None:
        log.warning("shutdown: %s failed: %s", what, task.exception())


class Runtime:
    """What the lifespan built; on ``app.state.runtime``."""

    def __init__(self, spec: ServiceSpec, settings: ServiceSettings, metrics: Metrics) -> None:
        self.metrics = metrics
        self.spec = spec
        self.settings = settings
        self.db = Database(settings.database_url, outbox=spec.outbox)
        self.relay: OutboxRelay | None = None
        self.audit_relay: OutboxRelay | None = None
        self.consumers: list[EventConsumer] = []
        self._dlq_producer: AIOKafkaProducer | None = None
        self.watch = BrokerWatch(settings.kafka, [*CORE_TOPICS, dead_letter_topic(spec.name)])
        self.head = head_revision(spec.package, spec.name)

    async def _dlq_send(self, topic: str, value: bytes, key: bytes | None, headers: list[tuple[str, bytes]]) -> None:
        if self._dlq_producer is None:
            p = make_producer(self.settings.kafka)
            await p.start()
            self._dlq_producer = p
        await self._dlq_producer.send_and_wait(topic, value, key=key, headers=headers)

    async def start(self) -> None:
        s = self.settings
        # Creates the topics when the broker answers; a broker that is down does not stop start-up.
        await self.watch.start()
        if not self.watch.up:
            log.warning("broker unreachable at start-up; relay and consumers wait for it")
        if s.run_relay:
            self.relay = OutboxRelay(
                self.db,
                self.spec.outbox,
                s.kafka,
                batch_size=s.relay_batch_size,
                poll_interval_s=s.relay_poll_interval_s,
                max_attempts=s.relay_max_attempts,
                backoff_max_s=s.relay_backoff_max_s,
                watch=self.watch,
                metrics=self.metrics,
            )
            await self.relay.start()
            if self.spec.audit is not None:
                # Woken by every audit write; the poll only retries what failed.
                self.audit_relay = OutboxRelay(
                    self.db,
                    audit_outbox_of(self.spec.audit),
                    s.kafka,
                    batch_size=s.relay_batch_size,
                    poll_interval_s=max(1.0, s.relay_poll_interval_s),
                    max_attempts=s.relay_max_attempts,
                    backoff_max_s=s.relay_backoff_max_s,
                    watch=self.watch,
                    metrics=self.metrics,
                )
                await self.audit_relay.start()
        if s.run_consumers:
            for sub in self.spec.subscriptions:
                c = EventConsumer(
                    service=self.spec.name,
                    subscription=sub,
                    db=self.db,
                    inbox=self.spec.inbox,
                    dead_letters=self.spec.dead_letters,
                    kafka=s.kafka,
                    producer_send=self._dlq_send,
                    watch=self.watch,
                    metrics=self.metrics,
                )
                await c.start()
                self.consumers.append(c)

    async def stop(self) -> None:
        # Consumers first, side by side (each finishes its batch and commits its offsets; what they
        # emitted is then flushed by the relay), then the relays. Each step is bounded: a client
        # library that never returns must not keep the process from exiting.
        await _within("consumers", asyncio.gather(*(c.stop() for c in self.consumers)), SHUTDOWN_STEP_S)
        if self.relay is not None:
            await _within("outbox relay", self.relay.stop(), SHUTDOWN_STEP_S)
        if self.audit_relay is not None:
            await _within("audit relay", self.audit_relay.stop(), SHUTDOWN_STEP_S)
        if self._dlq_producer is not None:
            await _within("dead-letter producer", self._dlq_producer.stop(), SHUTDOWN_STEP_S)
        await _within("broker watch", self.watch.stop(), SHUTDOWN_STEP_S)
        await _within("database", self.db.dispose(), SHUTDOWN_STEP_S)

    async def readiness(self) -> dict[str, Any]:
        checks: dict[str, Any] = {}
        try:
            await asyncio.wait_for(self.db.ping(), 2.0)
            checks["database"] = "ok"
            rev = await asyncio.wait_for(current_revision(self.db.engine, self.spec.name), 2.0)
            checks["migrations"] = "ok" if rev == self.head else f"at {rev}, head is {self.head}"
        except Exception as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
            checks["migrations"] = "unknown"
        checks["broker"] = "ok" if self.watch.up else "unreachable"
        if self.relay is not None:
            with contextlib.suppress(Exception):
                checks["outbox_backlog"] = await asyncio.wait_for(self.relay.backlog(), 2.0)
        return checks


def create_service_app(spec: ServiceSpec, settings: ServiceSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(spec.name, settings.log_level, settings.log_format)
        setup_tracing(spec.name, settings.otlp_endpoint)
        rt = Runtime(spec, settings, app.state.metrics)
        app.state.runtime = rt
        app.state.db = rt.db
        app.state.settings = settings
        app.state.token_verifier = TokenVerifier(
            settings.auth, production=settings.environment == Environment.production
        )
        await rt.start()
        try:
            if spec.extra_lifespan is not None:
                async with spec.extra_lifespan(app):
                    yield
            else:
                yield
        finally:
            await rt.stop()

    app = FastAPIOffline(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
        swagger_ui_parameters={"persistAuthorization": True},
        # FastAPI's own OpenTelemetry server spans (continuing an incoming traceparent); our
        # metrics are Prometheus (tidu_shared.metrics) and our logs JSON (tidu_shared.logs).
        telemetry={"tracing": True, "metrics": False, "logs": False},
        dependencies=[Depends(single_valued_query)],  # ?limit=5&limit=7 is a 422, not limit=7
    )
    app.state.metrics = Metrics(spec.name)
    app.state.spec = spec
    install_error_handlers(app)
    install_problem_docs(app)  # errors documented as problem+json, with the codes the shared layers answer
    if spec.audit is not None:
        # Innermost: sees the matched route, the principal and the handler's marks; requests the
        # rate and size limits refuse never reach it.
        app.add_middleware(AuditMiddleware, service=spec.name, table=spec.audit)
    app.add_middleware(WriteRateLimitMiddleware, rate=settings.write_rate_per_s, burst=settings.write_burst)
    app.add_middleware(HttpMetricsMiddleware, metrics_getter=None)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes, overrides=spec.body_limits)
    app.add_middleware(RequestIdMiddleware)

    @app.get("/healthz", tags=["ops"], summary="存活检查 Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "alive", "service": spec.name}

    @app.get("/readyz", tags=["ops"], summary="就绪检查 Readiness (database, migrations, broker)")
    async def readyz(request: Request) -> JSONResponse:
        checks = await request.app.state.runtime.readiness()
        ready = all(checks.get(k) == "ok" for k in ("database", "migrations", "broker"))
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "service": spec.name, "checks": checks},
            status_code=200 if ready else 503,
            headers={} if ready else {"Retry-After": "2"},
        )

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        rt: Runtime | None = getattr(request.app.state, "runtime", None)
        m: Metrics = request.app.state.metrics
        if rt is not None:
            m.broker_up.labels(spec.name).set(1 if rt.watch.up else 0)
            if rt.relay is not None:
                with contextlib.suppress(Exception):
                    m.outbox_backlog.labels(spec.name).set(await asyncio.wait_for(rt.relay.backlog(), 2.0))
        return Response(m.render(), media_type=METRICS_CONTENT_TYPE)

    @app.get("/asyncapi.json", tags=["ops"], summary="AsyncAPI 3 document of the platform's events")
    async def asyncapi() -> JSONResponse:
        from tidu_shared.asyncapi import build

        return JSONResponse(build())

    for r in spec.routers:
        app.include_router(r)
    app.include_router(_dead_letter_router(spec))
    if spec.audit is not None:
        app.include_router(audit_router(spec.audit))
    return app


def _dead_letter_router(spec: ServiceSpec) -> APIRouter:
    router = APIRouter(prefix="/v1/dead-letters", tags=["ops"])
    dl = spec.dead_letters

    def _admin(p: Any) -> None:
        if p.role != Role.admin:
            raise ProblemError(403, "role_not_allowed", "无权访问", "仅管理员可查看死信", "admins only")

    @router.get("", summary="死信列表 Dead-lettered events")
    async def list_dead_letters(
        request: Request, principal: CurrentPrincipal, limit: int = 100
    ) -> list[dict[str, Any]]:
        _admin(principal)
        db: Database = request.app.state.db
        async with db.read() as s:
            rows = (await s.execute(select(dl).order_by(dl.c.id.desc()).limit(min(max(limit, 1), 500)))).all()
        return [
            {
                "id": r.id,
                "consumer": r.consumer,
                "topic": r.topic,
                "partition": r.partition,
                "offset": r.offset,
                "event_id": r.event_id,
                "event_type": r.event_type,
                "error": r.error,
                "created_at": r.created_at.isoformat(),
                "replayed_at": r.replayed_at.isoformat() if r.replayed_at else None,
                "payload": r.payload.decode("utf-8", "replace"),
            }
            for r in rows
        ]

    @router.post("/{dead_letter_id}/replay", summary="重放死信 Replay a dead-lettered event")
    async def replay(dead_letter_id: int, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
        _admin(principal)
        rt: Runtime = request.app.state.runtime
        async with rt.db.read() as s:
            row = (await s.execute(select(dl.c.consumer).where(dl.c.id == dead_letter_id))).first()
        if row is None:
            raise ProblemError(404, "dead_letter_not_found", "未找到", "死信不存在", "dead letter not found")
        for c in rt.consumers:
            if c.name == row.consumer:
                try:
                    applied = await c.replay(dead_letter_id)
                except Exception as exc:
                    raise ProblemError(
                        422,
                        "replay_failed",
                        "重放失败",
                        f"事件仍无法处理：{exc}",
                        f"still cannot be applied: {exc}",
                    ) from exc
                return {"id": dead_letter_id, "applied": applied}
        raise ProblemError(409, "consumer_not_running", "无法重放", "对应的消费者未运行", "consumer not running here")

    return router
