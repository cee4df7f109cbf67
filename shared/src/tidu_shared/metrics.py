"""Prometheus metrics of a service, on ``/metrics``.

Each app has its own registry (several apps can live in one test process). Shared metrics:
HTTP requests (rate, errors, duration per route), outbox backlog and publish lag, events
applied / duplicates / dead-lettered and consumer lag per group. A service adds its own
(SLA breaches, batch progress …) through ``Metrics.registry``.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.http_requests = Counter(
            "tidu_http_requests_total", "HTTP requests", ["service", "method", "route", "status"], registry=r
        )
        self.http_duration = Histogram(
            "tidu_http_request_duration_seconds",
            "HTTP request duration",
            ["service", "method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.outbox_backlog = Gauge("tidu_outbox_backlog", "Outbox rows not yet published", ["service"], registry=r)
        self.outbox_published = Counter("tidu_outbox_published_total", "Events published", ["service"], registry=r)
        self.outbox_parked = Counter("tidu_outbox_parked_total", "Outbox rows parked", ["service"], registry=r)
        self.outbox_lag = Histogram(
            "tidu_outbox_publish_lag_seconds",
            "Time from the committing transaction to the broker's acknowledgement",
            ["service"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.events_applied = Counter(
            "tidu_events_applied_total", "Events applied by consumers", ["service", "consumer"], registry=r
        )
        self.events_duplicate = Counter(
            "tidu_events_duplicate_total",
            "Redelivered events skipped by the inbox",
            ["service", "consumer"],
            registry=r,
        )
        self.dead_lettered = Counter(
            "tidu_events_dead_lettered_total",
            "Events parked on the dead-letter topic",
            ["service", "consumer"],
            registry=r,
        )
        self.consumer_lag = Gauge(
            "tidu_consumer_lag", "Messages behind the partition's end", ["service", "group", "partition"], registry=r
        )
        self.broker_up = Gauge("tidu_broker_up", "1 when the broker answers", ["service"], registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)


CONTENT_TYPE = CONTENT_TYPE_LATEST


class HttpMetricsMiddleware:
    """Counts and times every HTTP request by route template (not raw path: bounded labels)."""

    def __init__(self, app: ASGIApp, metrics_getter: object) -> None:
        self.app = app
        self.metrics_getter = metrics_getter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def _send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            metrics: Metrics | None = getattr(scope.get("app").state, "metrics", None) if scope.get("app") else None
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            if metrics is not None and template != "/metrics":
                method = scope.get("method", "")
                metrics.http_requests.labels(metrics.service, method, template, str(status)).inc()
                metrics.http_duration.labels(metrics.service, method, template).observe(time.perf_counter() - start)
