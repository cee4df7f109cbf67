"""One trace spans an HTTP request in one service and the handling of its event in another:
the trace context rides in the CloudEvents envelope and the Kafka headers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tidu_registry.domain.uscc import make_uscc
from tidu_shared.kafka import make_consumer
from tidu_shared.settings import KafkaSettings
from tidu_shared.topics import REGISTRY_ENTERPRISES
from tidu_shared.tracing import setup_tracing

pytestmark = pytest.mark.integration

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture
def spans() -> InMemorySpanExporter:
    setup_tracing("test", None)
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


async def test_trace_continues_from_registry_request_to_eligibility_consumer(
    spans: InMemorySpanExporter, app_client_factory: Any, auth_header: Any, kafka_settings: KafkaSettings
) -> None:
    code = make_uscc()
    async with (
        app_client_factory("eligibility") as (_elig_app, elig),
        app_client_factory("registry", run_consumers=False) as (_, reg),
    ):
        r = await reg.post(
            "/v1/enterprises",
            json={
                "uscc": code,
                "name": "追踪企业",
                "district_code": "500113",
                "industry_code": "C3825",
                "established_on": "2019-01-01",
            },
            headers={**auth_header("admin"), "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"},
        )
        assert r.status_code == 201
        for _ in range(300):
            if (await elig.get(f"/v1/enterprises/{code}", headers=auth_header("admin"))).status_code == 200:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("event not applied in time")

    consumed = [s for s in spans.get_finished_spans() if s.name == "consume tidu.registry.enterprise.registered.v1"]
    traced = [s for s in consumed if f"{s.context.trace_id:032x}" == TRACE_ID]
    assert traced, "the consumer's span continues the request's trace"
    server = [s for s in spans.get_finished_spans() if s.name == "POST /v1/enterprises"]
    assert any(f"{s.context.trace_id:032x}" == TRACE_ID for s in server)

    consumer = make_consumer(kafka_settings, kafka_settings.topic(REGISTRY_ENTERPRISES), group_id=None)
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=3000)
    finally:
        await consumer.stop()
    headers = [dict(rec.headers) for recs in batch.values() for rec in recs if rec.key == code.encode()]
    assert headers and headers[0]["traceparent"].decode().split("-")[1] == TRACE_ID
