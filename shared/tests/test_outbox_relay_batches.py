"""The relay publishes each cycle as record batches per partition (``create_batch``/``send_batch``)
instead of one ``send`` per row. What a consumer sees must not change: every row on the partition
``producer.send`` would have chosen for its key, in the order of the rows per key, with the row's
exact bytes and the same headers; a row only marked sent once its batch was acknowledged; a backlog
larger than one cycle drained completely, rows left pending by a failed cycle found again."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from collections import defaultdict
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaTimeoutError
from sqlalchemy import func, select, update

from tidu_eligibility.models import outbox
from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED
from tidu_shared.db import Database
from tidu_shared.kafka import ensure_topics, make_consumer, make_producer
from tidu_shared.outbox import PENDING, SENT, OutboxRelay, emit_many, kafka_headers
from tidu_shared.settings import KafkaSettings
from tidu_shared.topics import REGISTRY_ENTERPRISES
from tidu_shared.tracing import setup_tracing, tracer

pytestmark = pytest.mark.integration

PARTITIONS = 4


def _registered(uscc: str, n: int) -> dict[str, Any]:
    return {
        "uscc": uscc,
        "name": f"重庆批次测试企业{n:05d}有限公司",
        "district_code": "500113",
        "industry_code": "C3825",
        "established_on": dt.date(2020, 1, 1),
        "registered_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    }


def _usccs(n: int) -> list[str]:
    return [("915001" + uuid.uuid4().hex.upper())[:18] for _ in range(n)]


async def _read_all(kafka: KafkaSettings, topic: str, n: int, timeout: float = 30.0) -> list[Any]:
    consumer: AIOKafkaConsumer = make_consumer(kafka, kafka.topic(topic), group_id=None)
    await consumer.start()
    out: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(out) < n and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                out.extend(records)
    finally:
        await consumer.stop()
    return out


async def _count(db: Database, *where: Any) -> int:
    async with db.read() as s:
        return int((await s.execute(select(func.count()).select_from(outbox).where(*where))).scalar_one())


async def _rows(db: Database) -> list[Any]:
    async with db.read() as s:
        return list((await s.execute(select(outbox).order_by(outbox.c.id))).all())


async def _drain(relay: OutboxRelay, db: Database, total: int, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await _count(db, outbox.c.status == SENT) == total:
            return
        if await relay.publish_once() == 0:
            await asyncio.sleep(0.05)
    raise AssertionError("the relay did not drain the outbox")


@pytest.fixture
async def db(test_databases: Any) -> Any:
    d = Database(test_databases.fresh("eligibility"), outbox=outbox)
    yield d
    await d.dispose()


async def _partitions_send_would_choose(kafka: KafkaSettings, keys: list[str]) -> dict[str, int]:
    """The partition ``producer.send`` picks for each key, on a topic with as many partitions."""
    probe = f"probe.{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka, [probe], partitions=PARTITIONS)
    producer = make_producer(kafka)
    await producer.start()
    try:
        futures = {k: await producer.send(kafka.topic(probe), b"probe", key=k.encode()) for k in keys}
        return {k: (await f).partition for k, f in futures.items()}
    finally:
        await producer.stop()


async def test_rows_land_on_the_partition_send_would_choose_in_order_with_their_bytes_and_headers(
    db: Database, kafka_settings: KafkaSettings
) -> None:
    await ensure_topics(kafka_settings, [REGISTRY_ENTERPRISES], partitions=PARTITIONS)
    keys = _usccs(40)
    setup_tracing("test", None)
    # Five events per key, interleaved across keys, some inside a trace (a traceparent header).
    for round_ in range(5):
        with tracer.start_as_current_span("import") if round_ % 2 else contextlib.nullcontext():
            async with db.transaction() as s:
                emit_many(
                    s,
                    type=ENTERPRISE_REGISTERED,
                    events=[(k, _registered(k, round_ * 100 + i)) for i, k in enumerate(keys)],
                )
    rows = await _rows(db)
    total = len(rows)
    # A small batch size: each partition's rows of a cycle fill several record batches.
    producer = make_producer(kafka_settings, max_batch_size=1024)
    relay = OutboxRelay(db, outbox, kafka_settings, batch_size=70, producer=producer)
    try:
        await _drain(relay, db, total)
    finally:
        await producer.stop()

    records = await _read_all(kafka_settings, REGISTRY_ENTERPRISES, total)
    assert len(records) == total
    expected_partition = await _partitions_send_would_choose(kafka_settings, keys)
    assert len(set(expected_partition.values())) > 1  # the keys are spread: the test can tell
    by_key: dict[str, list[Any]] = defaultdict(list)
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        key = r.key.decode()
        assert r.partition == expected_partition[key]
        by_key[key].append(r)
    for key in keys:
        stored = [row for row in rows if row.message_key == key]
        published = by_key[key]
        assert [r.value for r in published] == [row.payload for row in stored]  # same bytes, same order
        for r, row in zip(published, stored, strict=True):
            assert list(r.headers) == kafka_headers(row.event_type, row.payload)
    assert any(dict(r.headers).get("traceparent") for r in records)
    assert any("traceparent" not in dict(r.headers) for r in records)


async def test_a_failed_batch_leaves_its_rows_pending_and_they_are_sent_on_a_later_cycle(
    db: Database, kafka_settings: KafkaSettings
) -> None:
    """A batch that is never acknowledged fails all its rows; the others of the cycle are marked
    sent; the failed rows (one partition's) are published by a later cycle, in their order."""
    await ensure_topics(kafka_settings, [REGISTRY_ENTERPRISES], partitions=PARTITIONS)
    keys = _usccs(24)
    async with db.transaction() as s:
        emit_many(s, type=ENTERPRISE_REGISTERED, events=[(k, _registered(k, i)) for i, k in enumerate(keys)])
    producer = make_producer(kafka_settings)
    await producer.start()
    relay = OutboxRelay(db, outbox, kafka_settings, batch_size=100, producer=producer, backoff_max_s=0.01)
    partitions = await _partitions_send_would_choose(kafka_settings, keys)
    unlucky = partitions[keys[0]]
    real_send_batch = producer.send_batch

    async def send_batch(batch: Any, topic: str, *, partition: int) -> Any:
        if partition == unlucky:
            failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            failed.set_exception(KafkaTimeoutError())
            return failed
        return await real_send_batch(batch, topic, partition=partition)

    try:
        producer.send_batch = send_batch  # type: ignore[method-assign]
        assert await relay.publish_once() == sum(1 for k in keys if partitions[k] != unlucky)
        stuck = await _rows(db)
        assert {r.message_key for r in stuck if r.status == PENDING} == {k for k in keys if partitions[k] == unlucky}
        assert all(r.attempts == 1 and r.last_error for r in stuck if r.status == PENDING)
        producer.send_batch = real_send_batch  # type: ignore[method-assign]
        async with db.transaction() as s:  # due again now (the backoff has a random part)
            await s.execute(update(outbox).values(next_attempt_at=dt.datetime.now(dt.UTC)))
        await _drain(relay, db, len(keys))
    finally:
        await producer.stop()
    records = await _read_all(kafka_settings, REGISTRY_ENTERPRISES, len(keys))
    assert sorted(r.key.decode() for r in records) == sorted(keys)  # each once: none sent before its ack


async def test_a_backlog_of_many_cycles_is_drained_completely_in_order(
    db: Database, kafka_settings: KafkaSettings
) -> None:
    """Full cycles continue after the last row claimed; a row left pending below it (a retry that
    is due again) is still found, by the next full query."""
    await ensure_topics(kafka_settings, [REGISTRY_ENTERPRISES], partitions=PARTITIONS)
    keys = _usccs(10)
    async with db.transaction() as s:
        emit_many(
            s,
            type=ENTERPRISE_REGISTERED,
            events=[(k, _registered(k, n * 10 + i)) for n in range(25) for i, k in enumerate(keys)],
        )
    rows = await _rows(db)
    # The first row waits for a retry: the first cycles claim the rows after it.
    async with db.transaction() as s:
        await s.execute(
            update(outbox)
            .where(outbox.c.id == rows[0].id)
            .values(next_attempt_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
        )
    relay = OutboxRelay(db, outbox, kafka_settings, batch_size=40)
    try:
        await _drain(relay, db, len(rows))
    finally:
        await relay.stop()
    records = await _read_all(kafka_settings, REGISTRY_ENTERPRISES, len(rows))
    assert sorted(r.value for r in records) == sorted(r.payload for r in rows)
    for key in keys[1:]:  # the keys without a retried row: in their order
        published = [r.value for r in sorted(records, key=lambda r: r.offset) if r.key.decode() == key]
        assert published == [r.payload for r in rows if r.message_key == key]


async def test_a_failure_in_the_middle_of_a_backlog_only_delays_that_cycles_rows(
    db: Database, kafka_settings: KafkaSettings
) -> None:
    """The run loop overlaps reading and marking with the broker's work while draining a backlog.
    A cycle whose batches fail stops that: the cycles before it are marked sent, its rows are
    retried, the rest follow; every event reaches the topic exactly once (none was acknowledged
    without being marked, none marked without being acknowledged)."""
    await ensure_topics(kafka_settings, [REGISTRY_ENTERPRISES], partitions=PARTITIONS)
    keys = _usccs(20)
    async with db.transaction() as s:
        emit_many(
            s,
            type=ENTERPRISE_REGISTERED,
            events=[(k, _registered(k, n * 20 + i)) for n in range(6) for i, k in enumerate(keys)],
        )
    rows = await _rows(db)
    producer = make_producer(kafka_settings)
    await producer.start()
    real_send_batch = producer.send_batch
    cycles: list[int] = []

    async def send_batch(batch: Any, topic: str, *, partition: int) -> Any:
        if len(cycles) == 3:  # the third cycle: refused
            failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            failed.set_exception(KafkaTimeoutError())
            return failed
        return await real_send_batch(batch, topic, partition=partition)

    relay = OutboxRelay(db, outbox, kafka_settings, batch_size=20, producer=producer, backoff_max_s=0.01)
    real_submit = relay._submit

    async def submit(cycle_rows: list[Any]) -> Any:
        cycles.append(len(cycle_rows))
        return await real_submit(cycle_rows)

    relay._submit = submit  # type: ignore[method-assign]
    producer.send_batch = send_batch  # type: ignore[method-assign]
    await relay.start()
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while await _count(db, outbox.c.status == SENT) < len(rows):
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.05)
    finally:
        await relay.stop()
        await producer.stop()
    after = await _rows(db)
    retried = {r.id for r in after if r.attempts == 1}
    assert retried == {r.id for r in rows[40:60]}  # the third cycle's rows, and only those
    # Read for a while past the last expected record: a duplicate would show.
    records = await _read_all(kafka_settings, REGISTRY_ENTERPRISES, len(rows) + 1, timeout=5.0)
    assert sorted(r.value for r in records) == sorted(r.payload for r in rows)  # each exactly once
