"""Events over the real broker: registry events produced on their topic update the projections
through the service's consumer, an open demand is re-matched and the newly matched product is
pushed — and the relay publishes that push on ``tidu.finance.demands``."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest

from tidu_finance_match.credit.simulated import simulated_grade
from tidu_shared.contracts.finance import DEMAND_PUSHED
from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED, INDICATORS_REPORTED
from tidu_shared.events import new_envelope
from tidu_shared.kafka import make_consumer, make_producer
from tidu_shared.settings import KafkaSettings
from tidu_shared.topics import FINANCE_DEMANDS, REGISTRY_ENTERPRISES

pytestmark = pytest.mark.integration

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def new_uscc() -> str:
    while True:
        body = "91500113" + "".join(random.choice(ALPHABET) for _ in range(9))
        total = sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body))
        code = body + ALPHABET[(31 - total % 31) % 31]
        if simulated_grade(code)[0] in ("AAA", "AA", "A"):
            return code


async def wait_for(pred: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await pred():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met before the deadline")


async def produce(kafka: KafkaSettings, type_: str, data: dict[str, Any]) -> None:
    env = new_envelope(source="/tidu/registry", type=type_, subject=data["uscc"], data=data)
    producer = make_producer(kafka)
    try:
        async with asyncio.timeout(15):
            await producer.start()
            await producer.send_and_wait(
                kafka.topic(REGISTRY_ENTERPRISES),
                env.to_bytes(),
                key=data["uscc"].encode(),
                headers=[("content-type", b"application/cloudevents+json"), ("ce_type", type_.encode())],
            )
    finally:
        await producer.stop()


async def pushed_on_topic(kafka: KafkaSettings, demand_id: str, product: str, timeout: float = 20.0) -> dict[str, Any]:
    consumer = make_consumer(kafka, kafka.topic(FINANCE_DEMANDS), group_id=None)
    try:
        async with asyncio.timeout(15):
            await consumer.start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for rec in records:
                    event = orjson.loads(rec.value or b"{}")
                    data = event.get("data", {})
                    wanted = (DEMAND_PUSHED, demand_id, product)
                    if (event.get("type"), data.get("demand_id"), data.get("product_code")) == wanted:
                        assert rec.key == demand_id.encode()
                        return event  # type: ignore[no-any-return]
    finally:
        await consumer.stop()
    raise AssertionError(f"no {DEMAND_PUSHED} for {product} on the topic")


async def test_registry_events_update_the_projection_and_rematch_an_open_demand(
    app_client_factory: Any, kafka_settings: KafkaSettings, auth_header: Any
) -> None:
    async with (
        asyncio.timeout(90),
        app_client_factory(
            "finance-match", scheduler_enabled=False, decision_speed_ttl_s=0, gc_freeze_catalogue=False
        ) as (_app, client),
    ):
        uscc = new_uscc()
        admin = auth_header("admin")
        await produce(
            kafka_settings,
            ENTERPRISE_REGISTERED,
            {
                "uscc": uscc,
                "name": "重庆示例传感科技有限公司",
                "district_code": "500113",
                "industry_code": "C3983",
                "established_on": "2016-05-01",
                "registered_at": dt.datetime.now(dt.UTC).isoformat(),
            },
        )

        async def projected() -> bool:
            return (await client.get(f"/v1/enterprises/{uscc}", headers=admin)).status_code == 200

        await wait_for(projected)
        r = await client.post(
            "/v1/demands",
            headers=auth_header("enterprise", uscc=uscc),
            json={
                "amount": "600",
                "term_months": 24,
                "purpose": "working_capital",
                "has_existing_loan": False,
                "consent": {"share_with_institutions": True, "credit_lookup": True},
            },
        )
        assert r.status_code == 201, r.text
        demand = r.json()
        needs = {m["product_code"]: m["missing"] for m in demand["match"]["needs_data"]}
        assert needs["business-value-credit"] == ["operating_revenue"]

        await produce(
            kafka_settings,
            INDICATORS_REPORTED,
            {
                "uscc": uscc,
                "year": 2025,
                "indicators": {"operating_revenue": "2600", "total_assets": "3000", "total_liabilities": "900"},
                "source": "self_declared",
                "reported_by": "ent",
                "reported_at": dt.datetime.now(dt.UTC).isoformat(),
            },
        )

        async def rematched() -> bool:
            got = (await client.get(f"/v1/demands/{demand['id']}", headers=admin)).json()
            return any(c["product_code"] == "business-value-credit" for c in got["cases"])

        await wait_for(rematched)
        event = await pushed_on_topic(kafka_settings, demand["id"], "business-value-credit")
        assert event["data"]["uscc"] == uscc and event["data"]["institution_code"] == "demo-ccb"
        assert any("营业收入" in reason for reason in event["data"]["reasons"])
