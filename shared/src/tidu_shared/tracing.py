"""OpenTelemetry traces across HTTP and Kafka.

HTTP server spans come from FastAPI's native telemetry (it continues an incoming
``traceparent``). A request's span context travels with every event it emits: ``emit`` stores the W3C
``traceparent`` in the CloudEvents envelope (the distributed-tracing extension), the relay copies
it into the Kafka headers, and consumers continue the trace in their handling span — so one
trace spans registry → eligibility → finance-match / whistle. Spans are exported over OTLP/HTTP
only when ``TIDU_<SERVICE>_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_ENDPOINT``) is set; otherwise
they only give the logs their trace ids.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind

_lock = threading.Lock()
_configured = False

tracer = trace.get_tracer("tidu")


def setup_tracing(service: str, otlp_endpoint: str | None) -> None:
    """Install the process's tracer provider once (the first service in a process names it)."""
    global _configured
    with _lock:
        if _configured:
            return
        provider = TracerProvider(resource=Resource.create({"service.name": f"tidu-{service}"}))
        endpoint = otlp_endpoint or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        if endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(
                BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces"))
            )
        if not isinstance(trace.get_tracer_provider(), TracerProvider):
            trace.set_tracer_provider(provider)
        _configured = True


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def context_from(traceparent: str | None) -> Context | None:
    return propagate.extract({"traceparent": traceparent}) if traceparent else None


@contextmanager
def consuming_span(event_type: str, traceparent: str | None, attributes: dict[str, Any]) -> Iterator[None]:
    with tracer.start_as_current_span(
        f"consume {event_type}", context=context_from(traceparent), kind=SpanKind.CONSUMER, attributes=attributes
    ):
        yield
