"""Against the real broker: the app with its relay and consumers on.

- A department follows its topic ``tidu.whistle.dept.<code>`` with an independent Kafka client
  (confluent-kafka, librdkafka) in its own consumer group, and sees exactly its issues' events.
- A FINANCING_FAILED event produced to ``tidu.finance.demands`` ends as one financing issue,
  however often it is delivered.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import pytest
from confluent_kafka import Consumer, TopicPartition
from sqlalchemy import func, select

from tidu_shared.contracts.finance import FINANCING_FAILED
from tidu_shared.events import new_envelope
from tidu_shared.kafka import make_producer
from tidu_shared.outbox import SENT
from tidu_shared.settings import KafkaSettings
from tidu_shared.topics import FINANCE_DEMANDS, department_topic
from tidu_whistle.models import outbox
from tidu_whistle.testing import OTHER_USCC, T0, USCC, FakeClock, Whistle

pytestmark = pytest.mark.integration

LEAD = "500113-ghzy"


async def wait_for(pred: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await pred():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met before the deadline")


@pytest.fixture
async def live(app_client_factory: Any, auth_header: Any) -> AsyncIterator[Whistle]:
    async with app_client_factory("whistle", scheduler_enabled=False, relay_poll_interval_s=0.05) as (app, client):
        clock = FakeClock(T0)
        app.state.whistle.clock = clock
        yield Whistle(app, client, clock, auth_header)


async def outbox_rows(w: Whistle, topic: str | None = None) -> list[Any]:
    async with w.app.state.db.read() as s:
        q = select(outbox.c.status, outbox.c.topic, outbox.c.payload).order_by(outbox.c.id)
        if topic is not None:
            q = q.where(outbox.c.topic == topic)
        return list((await s.execute(q)).all())


def department_consumer(kafka: KafkaSettings, code: str) -> Consumer:
    """What a department's system runs (see README): its own group, from the earliest offset."""
    consumer = Consumer(
        {
            "bootstrap.servers": kafka.bootstrap_servers,
            "group.id": kafka.topic(f"dept-system-{code}-{uuid.uuid4().hex[:6]}"),
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 500,
        }
    )
    consumer.subscribe([kafka.topic(department_topic(code))])
    return consumer


async def read(consumer: Consumer, n: int, timeout: float = 20.0) -> list[Any]:
    """Poll (in a thread: librdkafka blocks) until ``n`` messages or the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    got: list[Any] = []
    while len(got) < n and loop.time() < deadline:
        msg = await asyncio.to_thread(consumer.poll, 0.2)
        if msg is None or msg.error():
            continue
        got.append(msg)
    return got


async def test_a_department_follows_its_topic_with_confluent_kafka(
    live: Whistle, kafka_settings: KafkaSettings
) -> None:
    w = live
    await w.seed(USCC, "500113")
    await w.seed(OTHER_USCC, "500114")
    land = await w.raise_issue(w.enterprise(USCC), category="land")  # 500113-ghzy leads
    labour = await w.raise_issue(w.enterprise(USCC), category="labour")  # 500113-rsj; not ghzy's
    other = await w.raise_issue(w.enterprise(OTHER_USCC), category="land")  # 500114-ghzy: same kind, not ours
    land = await w.act(land, "check_in", w.dept(LEAD))
    await w.act(labour, "check_in", w.dept("500113-rsj"))

    async def all_sent() -> bool:
        rows = await outbox_rows(w)
        return bool(rows) and all(r.status == SENT for r in rows)

    await wait_for(all_sent)
    expected = [orjson.loads(r.payload) for r in await outbox_rows(w, department_topic(LEAD))]
    assert [e["type"].split(".")[-2] for e in expected] == ["submitted", "routed", "checked_in"]

    consumer = department_consumer(kafka_settings, LEAD)
    try:
        messages = await read(consumer, len(expected))
        assert len(messages) == len(expected)
        events = [orjson.loads(m.value()) for m in messages]
        assert [e["id"] for e in events] == [e["id"] for e in expected]  # in order: one key, one partition
        assert {m.key().decode() for m in messages} == {land["id"]}
        assert all(e["data"]["issue"]["id"] == land["id"] for e in events)
        assert all(LEAD in e["data"]["departments"] for e in events)
        assert dict(messages[0].headers())["content-type"] == b"application/cloudevents+json"
        assert events[-1]["data"]["issue"]["state"] == "checked_in"
        # exactly these: the topic holds nothing else (librdkafka's own view of the log)
        topic = kafka_settings.topic(department_topic(LEAD))
        metadata = await asyncio.to_thread(consumer.list_topics, topic, 5)
        total = 0
        for p in metadata.topics[topic].partitions:
            low, high = await asyncio.to_thread(consumer.get_watermark_offsets, TopicPartition(topic, p), 5)
            total += high - low
        assert total == len(expected)
        assert other["id"] not in {e["data"]["issue"]["id"] for e in events}
        assert labour["id"] not in {e["data"]["issue"]["id"] for e in events}
    finally:
        await asyncio.to_thread(consumer.close)


async def test_financing_failed_on_the_broker_becomes_one_issue(live: Whistle, kafka_settings: KafkaSettings) -> None:
    w = live
    demand = f"demand-{uuid.uuid4().hex[:8]}"
    data = {
        "demand_id": demand,
        "uscc": USCC,
        "district_code": "500113",
        "reason": "none_matched",
        "amount": "300",
        "summary": "企业申请 300 万元设备贷款，没有匹配的产品。",
        "failed_at": "2025-09-26T01:00:00Z",
    }
    producer = make_producer(kafka_settings)
    await producer.start()
    try:
        for _ in range(2):  # delivered twice, as two events of the same fact
            env = new_envelope(source="/tidu/finance", type=FINANCING_FAILED, subject=demand, data=data)
            await producer.send_and_wait(kafka_settings.topic(FINANCE_DEMANDS), env.to_bytes(), key=demand.encode())
    finally:
        await producer.stop()

    consumer = next(c for c in w.app.state.runtime.consumers if c.sub.topic == FINANCE_DEMANDS)

    async def both_applied() -> bool:
        return consumer.applied_total >= 2

    await wait_for(both_applied)
    page = (await w.client.get("/v1/issues", params={"category": "financing"}, headers=w.admin())).json()
    assert len(page["items"]) == 1
    issue = await w.get(page["items"][0]["id"], w.enterprise(USCC))
    assert issue["source"] == "financing_failed"
    assert issue["lead_department"]["code"] == "500113-jrb"
    async with w.app.state.db.read() as s:
        jrb_rows = (
            await s.execute(
                select(func.count()).select_from(outbox).where(outbox.c.topic == department_topic("500113-jrb"))
            )
        ).scalar_one()
    assert jrb_rows == 2  # submitted, routed
