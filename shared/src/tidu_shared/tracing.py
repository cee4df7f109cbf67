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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes

_lock = threading.Lock()
_configured = False

tracer = trace.get_tracer("tidu")


class _Provider(TracerProvider):
    """Knows whether anything receives its spans (an exporter, or a processor added later)."""

    receiving = False

    def add_span_processor(self, span_processor: SpanProcessor) -> None:
        self.receiving = True
        super().add_span_processor(span_processor)


class _WhenReceived(Sampler):
    """The default sampler (``ParentBased(ALWAYS_ON)``) while something receives the spans; before
    that, a span is recorded only when its parent was sampled upstream. Spans nobody receives are
    then non-recording: they keep the trace and span ids (logs, ``traceparent`` on events) but skip
    building attributes and events — FastAPI opens three spans per request, a third of a small
    GET's cost when each was recorded."""

    def __init__(self) -> None:
        self.provider: _Provider | None = None
        self._on = ParentBased(ALWAYS_ON)
        self._off = ParentBased(ALWAYS_OFF)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        chosen = self._on if self.provider is not None and self.provider.receiving else self._off
        return chosen.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return "WhenReceived"


def setup_tracing(service: str, otlp_endpoint: str | None) -> None:
    """Install the process's tracer provider once (the first service in a process names it)."""
    global _configured
    with _lock:
        if _configured:
            return
        sampler = _WhenReceived()
        provider = _Provider(resource=Resource.create({"service.name": f"tidu-{service}"}), sampler=sampler)
        sampler.provider = provider
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
