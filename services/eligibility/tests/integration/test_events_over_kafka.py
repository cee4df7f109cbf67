"""Event-driven assessment over the real broker: the registry's events produced to
``tidu.registry.enterprises`` are consumed by the running service (relay and consumers on), and its
assessments arrive on ``tidu.eligibility.assessments``; a redelivered event changes nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from tidu_eligibility.models import assessments
from tidu_shared.contracts.eligibility import ASSESSMENT_COMPLETED, CANDIDATE_RECOMMENDED
from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED, INDICATORS_REPORTED, QUALIFICATION_GRANTED
from tidu_shared.events import Envelope, new_envelope
from tidu_shared.kafka import make_consumer, make_producer
from tidu_shared.outbox import kafka_headers, utcnow
from tidu_shared.settings import KafkaSettings

pytestmark = pytest.mark.integration

TODAY = dt.date(2026, 6, 1)
DEADLINE_S = 30.0


def registry_event(type_: str, data: dict[str, Any]) -> Envelope:
    plain = {k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v) for k, v in data.items()}
    return new_envelope(source="/tidu/registry", type=type_, subject=data["uscc"], data=plain)


async def wait_until(check: Callable[[], Any], what: str) -> Any:
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE_S
    while True:
        got = await check()
        if got:
            return got
        assert loop.time() < end, f"not within {DEADLINE_S}s: {what}"
        await asyncio.sleep(0.05)


async def test_registry_events_in_assessments_out(app_client_factory: Any, kafka_settings: KafkaSettings) -> None:
    uscc = f"91500113{uuid.uuid4().hex[:9].upper()}X"
    events = [
        registry_event(ENTERPRISE_REGISTERED, {
            "uscc": uscc, "name": "重庆示例传感科技有限公司", "district_code": "500113", "industry_code": "C3983",
            "established_on": "2016-05-01", "registered_at": utcnow(), "niche_market_since": "2018-01-01"}),
        registry_event(INDICATORS_REPORTED, {
            "uscc": uscc, "year": 2025, "source": "self_declared", "reported_by": "e", "reported_at": utcnow(),
            "indicators": {"operating_revenue": "3000", "main_business_revenue": "2700", "rd_expense": "150",
                           "total_assets": "2000", "total_liabilities": "1000", "ip_class_i": 2,
                           "rd_institution_level": "city", "equity_financing": "0", "development_score": "70"}}),
        registry_event(INDICATORS_REPORTED, {
            "uscc": uscc, "year": 2024, "source": "self_declared", "reported_by": "e", "reported_at": utcnow(),
            "indicators": {"operating_revenue": "2500", "rd_expense": "120", "equity_financing": "0"}}),
        registry_event(QUALIFICATION_GRANTED, {
            "qualification_id": f"q-{uuid.uuid4().hex[:8]}", "uscc": uscc, "kind": "innovative_sme",
            "level": "provincial", "granted_on": "2025-03-01", "expires_on": "2028-02-29"}),
    ]  # fmt: skip
    async with app_client_factory("eligibility") as (app, _):
        app.state.eligibility.clock = lambda: TODAY
        out = make_consumer(
            kafka_settings, kafka_settings.topic("tidu.eligibility.assessments"), group_id=f"t-{uuid.uuid4().hex[:6]}"
        )
        producer = make_producer(kafka_settings)
        await out.start()
        await producer.start()
        try:
            for env in events:
                await producer.send_and_wait(
                    kafka_settings.topic("tidu.registry.enterprises"),
                    env.to_bytes(),
                    key=uscc.encode(),
                    headers=kafka_headers(env.type, env.to_bytes()),
                )
            seen: list[Envelope] = []

            async def recommended() -> bool:
                for records in (await out.getmany(timeout_ms=200)).values():
                    seen.extend(Envelope.from_bytes(r.value or b"") for r in records)
                return any(e.type == CANDIDATE_RECOMMENDED for e in seen)

            await wait_until(recommended, "candidate.recommended on the assessments topic")
            completed = [e.data for e in seen if e.type == ASSESSMENT_COMPLETED]
            assert {e["uscc"] for e in completed} == {uscc}
            srdi = [e for e in completed if e["ruleset_id"] == "srdi-2026"]
            assert (srdi[-1]["result"], srdi[-1]["previous_result"]) == ("eligible", "not_eligible")
            assert {e["ruleset_id"] for e in completed} >= {"size-2011", "innovative-2022", "little-giant-2026"}
            rec = next(e.data for e in seen if e.type == CANDIDATE_RECOMMENDED)
            assert (rec["tier"], rec["assessment_id"]) == ("srdi", srdi[-1]["assessment_id"])

            # the same event delivered again: the inbox skips it, nothing is assessed again
            async with app.state.db.read() as s:
                stored = (await s.execute(select(func.count()).select_from(assessments))).scalar_one()
            consumer = app.state.runtime.consumers[0]
            duplicates = consumer.duplicates_total
            await producer.send_and_wait(
                kafka_settings.topic("tidu.registry.enterprises"), events[-1].to_bytes(), key=uscc.encode()
            )

            async def skipped() -> bool:
                return consumer.duplicates_total > duplicates

            await wait_until(skipped, "the redelivered event reaching the inbox")
            async with app.state.db.read() as s:
                assert (await s.execute(select(func.count()).select_from(assessments))).scalar_one() == stored
        finally:
            await producer.stop()
            await out.stop()
