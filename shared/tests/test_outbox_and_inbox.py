"""The outbox relay and the consumer side against the real broker and a migrated database
(the eligibility service's schema, which has the outbox, inbox and dead-letter tables)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_eligibility.models import EnterpriseProfile, dead_letters, inbox, outbox
from tidu_shared.consumer import EventConsumer, PoisonEvent, Subscription
from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED
from tidu_shared.db import Database
from tidu_shared.events import Envelope
from tidu_shared.kafka import ensure_topics, make_consumer, make_producer
from tidu_shared.outbox import PARKED, PENDING, SENT, OutboxRelay, emit
from tidu_shared.settings import KafkaSettings
from tidu_shared.topics import REGISTRY_ENTERPRISES, dead_letter_topic

pytestmark = pytest.mark.integration


def registered(uscc: str) -> dict[str, Any]:
    return {
        "uscc": uscc,
        "name": f"企业{uscc[-4:]}",
        "district_code": "500113",
        "industry_code": "C3825",
        "established_on": dt.date(2020, 1, 1),
        "registered_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    }


def fake_uscc() -> str:
    return ("915001" + uuid.uuid4().hex.upper())[:18]


async def wait_for(pred: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await pred():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met before the deadline")


async def count(db: Database, table: Any, *where: Any) -> int:
    async with db.read() as s:
        return int((await s.execute(select(func.count()).select_from(table).where(*where))).scalar_one())


async def read_topic(kafka: KafkaSettings, topic: str, n: int, timeout: float = 15.0) -> list[Any]:
    c: AIOKafkaConsumer = make_consumer(kafka, kafka.topic(topic), group_id=None)
    await c.start()
    out: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(out) < n and asyncio.get_running_loop().time() < deadline:
            batch = await c.getmany(timeout_ms=200)
            for recs in batch.values():
                out.extend(recs)
    finally:
        await c.stop()
    return out


@pytest.fixture
async def db(test_databases: Any) -> Any:
    d = Database(test_databases.fresh("eligibility"), outbox=outbox)
    yield d
    await d.dispose()


async def test_relay_publishes_what_the_transaction_committed_keyed_by_aggregate(
    db: Database, kafka_settings: KafkaSettings
) -> None:
    await ensure_topics(kafka_settings, [REGISTRY_ENTERPRISES])
    usccs = [fake_uscc() for _ in range(5)]
    async with db.transaction() as s:
        for u in usccs:
            emit(s, type=ENTERPRISE_REGISTERED, subject=u, data=registered(u))
    relay = OutboxRelay(db, outbox, kafka_settings, poll_interval_s=0.05)
    await relay.start()
    try:
        await wait_for(lambda: _eq(count(db, outbox, outbox.c.status == SENT), 5))
    finally:
        await relay.stop()
    recs = await read_topic(kafka_settings, REGISTRY_ENTERPRISES, 5)
    assert sorted(r.key.decode() for r in recs) == sorted(usccs)
    envs = [Envelope.from_bytes(r.value) for r in recs]
    assert {e.type for e in envs} == {ENTERPRISE_REGISTERED}
    assert all(dict(r.headers)["content-type"] == b"application/cloudevents+json" for r in recs)


async def test_rolled_back_transaction_publishes_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as s:
            emit(s, type=ENTERPRISE_REGISTERED, subject="X" * 18, data=registered("X" * 18))
            raise RuntimeError("use case failed")
    assert await count(db, outbox) == 0


async def _eq(c: Awaitable[int], n: int) -> bool:
    return await c == n


async def test_unreachable_broker_keeps_rows_pending_with_backoff_then_parks(db: Database) -> None:
    dead = KafkaSettings(bootstrap_servers="127.0.0.1:1", request_timeout_ms=300)
    async with db.transaction() as s:
        emit(s, type=ENTERPRISE_REGISTERED, subject="A" * 18, data=registered("A" * 18))
    relay = OutboxRelay(db, outbox, dead, max_attempts=2, backoff_max_s=0.01)
    with pytest.raises(Exception):  # noqa: B017, PT011 - the producer cannot even start
        await relay.publish_once()
    assert await count(db, outbox, outbox.c.status == PENDING) == 1


async def test_send_failures_are_retried_then_parked(db: Database, kafka_settings: KafkaSettings) -> None:
    """A message larger than the producer accepts can never be sent: it is parked at once."""
    async with db.transaction() as s:
        emit(s, type=ENTERPRISE_REGISTERED, subject="B" * 18, data=registered("B" * 18))
    producer = make_producer(kafka_settings, max_request_size=50)
    relay = OutboxRelay(db, outbox, kafka_settings, producer=producer)
    try:
        assert await relay.publish_once() == 0
    finally:
        await producer.stop()
    assert await count(db, outbox, outbox.c.status == PARKED) == 1


async def project(session: AsyncSession, env: Envelope, data: BaseModel) -> None:
    session.add(
        EnterpriseProfile(
            uscc=env.subject,
            name=data.name,  # type: ignore[attr-defined]
            district_code="500113",
            industry_code="C3825",
            established_on=dt.date(2020, 1, 1),
            registered_at=dt.datetime.now(dt.UTC),
            updated_at=dt.datetime.now(dt.UTC),
            last_event_id=env.id,
        )
    )


async def refuse(session: AsyncSession, env: Envelope, data: BaseModel) -> None:
    raise PoisonEvent("cannot apply")


async def test_consumer_applies_once_parks_poison_and_keeps_the_partition_moving(
    db: Database, kafka_settings: KafkaSettings
) -> None:
    await ensure_topics(kafka_settings, [REGISTRY_ENTERPRISES, dead_letter_topic("test")], partitions=1)
    good = fake_uscc()
    producer = make_producer(kafka_settings)
    await producer.start()
    topic = kafka_settings.topic(REGISTRY_ENTERPRISES)
    from tidu_shared.events import new_envelope

    env = new_envelope(source="/t", type=ENTERPRISE_REGISTERED, subject=good, data=_json(registered(good)))
    try:
        await producer.send_and_wait(topic, b"{not json", key=b"bad")  # malformed
        await producer.send_and_wait(topic, env.to_bytes(), key=good.encode())
        await producer.send_and_wait(topic, env.to_bytes(), key=good.encode())  # redelivery
    finally:
        await producer.stop()

    async def dlq_send(t: str, v: bytes, k: bytes | None, h: list[tuple[str, bytes]]) -> None:
        p = make_producer(kafka_settings)
        await p.start()
        try:
            await p.send_and_wait(t, v, key=k, headers=h)
        finally:
            await p.stop()

    consumer = EventConsumer(
        service="test",
        subscription=Subscription(topic=REGISTRY_ENTERPRISES, handlers={ENTERPRISE_REGISTERED: project}),
        db=db,
        inbox=inbox,
        dead_letters=dead_letters,
        kafka=kafka_settings,
        producer_send=dlq_send,
    )
    await consumer.start()
    try:
        await wait_for(lambda: _eq(count(db, inbox), 1))
        await wait_for(lambda: _eq(count(db, dead_letters), 1))
        await wait_for(lambda: _truthy(consumer.duplicates_total == 1))
    finally:
        await consumer.stop()
    assert await count(db, EnterpriseProfile.__table__) == 1
    parked = await read_topic(kafka_settings, dead_letter_topic("test"), 1)
    assert parked[0].value == b"{not json"
    assert dict(parked[0].headers)["x-original-topic"] == topic.encode()


async def test_handler_that_refuses_goes_to_dead_letters_and_can_be_replayed(
    db: Database, kafka_settings: KafkaSettings
) -> None:
    await ensure_topics(kafka_settings, [REGISTRY_ENTERPRISES], partitions=1)
    u = fake_uscc()
    from tidu_shared.events import new_envelope

    env = new_envelope(source="/t", type=ENTERPRISE_REGISTERED, subject=u, data=_json(registered(u)))
    p = make_producer(kafka_settings)
    await p.start()
    await p.send_and_wait(kafka_settings.topic(REGISTRY_ENTERPRISES), env.to_bytes(), key=u.encode())
    await p.stop()
    handlers: dict[str, Any] = {ENTERPRISE_REGISTERED: refuse}
    consumer = EventConsumer(
        service="test",
        subscription=Subscription(topic=REGISTRY_ENTERPRISES, handlers=handlers),
        db=db,
        inbox=inbox,
        dead_letters=dead_letters,
        kafka=kafka_settings,
    )
    await consumer.start()
    try:
        await wait_for(lambda: _eq(count(db, dead_letters), 1))
    finally:
        await consumer.stop()
    assert await count(db, inbox) == 0
    handlers[ENTERPRISE_REGISTERED] = project  # the cause is fixed
    async with db.read() as s:
        dl_id = (await s.execute(select(dead_letters.c.id))).scalar_one()
    assert await consumer.replay(dl_id) is True
    assert await consumer.replay(dl_id) is False  # applied once only
    assert await count(db, EnterpriseProfile.__table__) == 1


async def _truthy(v: bool) -> bool:
    return v


def _json(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v) for k, v in d.items()}
