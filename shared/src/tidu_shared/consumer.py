"""The consumer side: one aiokafka consumer group per service and topic, an inbox of
processed event ids written in the handling transaction, offsets committed only after that
transaction, and poison messages parked on the service's dead-letter topic (and in its
``dead_letters`` table, for an operator to inspect and replay) instead of blocking the partition.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from pydantic import BaseModel, ValidationError
from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_shared.db import Database, UtcDateTime
from tidu_shared.events.envelope import Envelope, MalformedEvent
from tidu_shared.events.registry import UnknownEventType, event_type
from tidu_shared.kafka import BrokerWatch, ensure_topics, make_consumer
from tidu_shared.logs import event_id_var
from tidu_shared.metrics import Metrics
from tidu_shared.outbox import BigId, utcnow
from tidu_shared.settings import KafkaSettings
from tidu_shared.topics import dead_letter_topic
from tidu_shared.tracing import consuming_span

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Envelope, BaseModel], Awaitable[None]]


class PoisonEvent(Exception):
    """Raised by a handler for an event that can never be applied (goes to the dead-letter topic)."""


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("consumer", String(200), nullable=False),
        Column("event_id", String(64), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", UtcDateTime(), nullable=False),
        PrimaryKeyConstraint("consumer", "event_id"),
    )


def dead_letter_table(metadata: MetaData) -> Table:
    return Table(
        "dead_letters",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("consumer", String(200), nullable=False),
        Column("topic", String(249), nullable=False),
        Column("partition", Integer, nullable=False),
        Column("offset", BigId, nullable=False),
        Column("event_id", String(64)),
        Column("event_type", String(200)),
        Column("payload", LargeBinary, nullable=False),
        Column("error", Text, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("replayed_at", UtcDateTime()),
    )


@dataclass(frozen=True)
class Subscription:
    """What a service consumes from one topic: event type → handler."""

    topic: str
    handlers: Mapping[str, Handler]


_TRANSIENT = (OperationalError, DBAPIError)


class EventConsumer:
    """Consumes one topic for one service."""

    def __init__(
        self,
        *,
        service: str,
        subscription: Subscription,
        db: Database,
        inbox: Table,
        dead_letters: Table,
        kafka: KafkaSettings,
        max_handler_attempts: int = 3,
        producer_send: Callable[[str, bytes, bytes | None, list[tuple[str, bytes]]], Awaitable[Any]] | None = None,
        watch: BrokerWatch | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.watch = watch
        self.metrics = metrics
        self.service = service
        self.sub = subscription
        self.db = db
        self.inbox = inbox
        self.dead_letters = dead_letters
        self.kafka = kafka
        self.name = f"{service}:{subscription.topic}"
        self.group_id = kafka.topic(f"{service}.{subscription.topic}")
        self.max_handler_attempts = max_handler_attempts
        self._producer_send = producer_send
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.applied_total = 0
        self.duplicates_total = 0
        self.dead_lettered_total = 0
        self.assigned = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.name}")

    async def stop(self, timeout_s: float = 5.0) -> None:
        """Finish the batch in hand — applied and its offsets committed — then leave the group.
        Cancelling straight away could land between a batch's commit in the database and its
        offset commit, and the next start would receive that batch again. Cancelled only when the
        batch does not finish within ``timeout_s`` (the inbox still absorbs the re-delivery)."""
        self._stopping = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(self._task), timeout_s)
            if not self._task.done():
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._task

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._consume()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer %s restarting after %s: %s", self.name, type(exc).__name__, exc)
                await asyncio.sleep(1.0)

    async def _consume(self) -> None:
        topic = self.kafka.topic(self.sub.topic)
        with contextlib.suppress(Exception):
            await ensure_topics(self.kafka, [self.sub.topic])
        consumer = make_consumer(self.kafka, topic, group_id=self.group_id)
        self._consumer = consumer
        await consumer.start()
        committed: dict[TopicPartition, int] = {}
        next_check = 0.0
        loop = asyncio.get_running_loop()
        epoch = self.watch.epoch if self.watch is not None else 0
        try:
            while not self._stopping:
                if self.watch is not None and self.watch.epoch != epoch:
                    log.warning("consumer %s: broker came back; starting over with a new client", self.name)
                    return
                batches = await consumer.getmany(timeout_ms=500, max_records=200)
                if consumer.assignment():
                    self.assigned.set()
                for tp, records in batches.items():
                    await self._handle_records(records)
                    # aiokafka retries some commit errors forever (a topic the broker lost):
                    # bound it, and start over with a new consumer when it does not go through.
                    await asyncio.wait_for(consumer.commit({tp: records[-1].offset + 1}), 15)
                    committed[tp] = records[-1].offset + 1
                    if self.metrics is not None:
                        high = consumer.highwater(tp)
                        if high is not None:
                            self.metrics.consumer_lag.labels(
                                self.metrics.service, self.group_id, str(tp.partition)
                            ).set(max(0, high - committed[tp]))
                if loop.time() >= next_check:
                    next_check = loop.time() + 2.0
                    await self._check_offsets_kept(consumer, committed)
        finally:
            self._consumer = None
            with contextlib.suppress(Exception):
                await consumer.stop()

    async def _check_offsets_kept(self, consumer: AIOKafkaConsumer, committed: dict[TopicPartition, int]) -> None:
        """A broker that lost its state (the development broker after a restart, or offsets
        expired by retention) no longer knows what this group committed, and its new log may be
        longer than our position: keep reading from the position and events would be skipped.
        Re-read such partitions from the beginning instead; the inbox skips what was applied."""
        for tp in list(committed):
            if tp not in consumer.assignment():
                committed.pop(tp)
                continue
            on_broker = await consumer.committed(tp)
            if on_broker is None or on_broker < committed[tp]:
                log.warning(
                    "consumer %s: broker lost the committed offset of %s (had %s, now %s); re-reading from the start",
                    self.name,
                    tp,
                    committed[tp],
                    on_broker,
                )
                committed.pop(tp)
                await consumer.seek_to_beginning(tp)

    async def _handle_records(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        """A partition's batch in one transaction (one commit for many events); if anything in
        it fails, the batch is rolled back and each record is handled on its own (retries,
        dead letters) — so a poison message costs speed, never correctness."""
        if len(records) > 1:
            try:
                if await self._apply_batch(records):
                    return
            except Exception as exc:
                log.info("consumer %s: batch of %d fell back to one by one (%s)", self.name, len(records), exc)
        for rec in records:
            await self._handle_record(rec)

    async def _apply_batch(self, records: list[ConsumerRecord[bytes, bytes]]) -> bool:
        """True when the whole batch was applied; False (nothing done) when a record needs the
        careful path (malformed, contract violation)."""
        items: list[tuple[Envelope, BaseModel, Handler]] = []
        for rec in records:
            try:
                env = Envelope.from_bytes(rec.value or b"")
            except MalformedEvent:
                return False
            handler = self.sub.handlers.get(env.type)
            if handler is None:
                continue
            try:
                data = event_type(env.type).validate(env.data)
            except (ValidationError, UnknownEventType):
                return False
            items.append((env, data, handler))
        if not items:
            return True
        applied = 0
        async with self.db.transaction() as s:
            ids = [env.id for env, _, _ in items]
            seen = set(
                (
                    await s.execute(
                        select(self.inbox.c.event_id).where(
                            self.inbox.c.consumer == self.name, self.inbox.c.event_id.in_(ids)
                        )
                    )
                ).scalars()
            )
            rows = []
            now = utcnow()
            for env, data, handler in items:
                if env.id in seen:
                    continue
                seen.add(env.id)
                token = event_id_var.set(env.id)
                try:
                    await handler(s, env, data)
                finally:
                    event_id_var.reset(token)
                rows.append({"consumer": self.name, "event_id": env.id, "event_type": env.type, "processed_at": now})
            if rows:
                await s.execute(self.inbox.insert(), rows)
            applied = len(rows)
        dups = len(items) - applied
        self.applied_total += applied
        self.duplicates_total += dups
        if self.metrics is not None:
            if applied:
                self.metrics.events_applied.labels(self.metrics.service, self.name).inc(applied)
            if dups:
                self.metrics.events_duplicate.labels(self.metrics.service, self.name).inc(dups)
        return True

    async def _handle_record(self, rec: ConsumerRecord[bytes, bytes]) -> None:
        token = event_id_var.set(f"{rec.topic}/{rec.partition}/{rec.offset}")
        try:
            await self._handle(rec)
        finally:
            event_id_var.reset(token)

    async def _handle(self, rec: ConsumerRecord[bytes, bytes]) -> None:
        try:
            env = Envelope.from_bytes(rec.value or b"")
        except MalformedEvent as exc:
            await self._dead_letter(rec, None, f"malformed: {exc}")
            return
        event_id_var.set(env.id)
        handler = self.sub.handlers.get(env.type)
        if handler is None:
            return  # not an event this service cares about
        try:
            data = event_type(env.type).validate(env.data)
        except (ValidationError, UnknownEventType) as exc:
            await self._dead_letter(rec, env, f"contract violation: {exc}")
            return
        headers = dict(rec.headers or ())
        tp = headers.get("traceparent", b"").decode("ascii", "replace") or env.extensions.get("traceparent")
        with consuming_span(env.type, tp, {"messaging.destination.name": rec.topic, "cloudevents.event_id": env.id}):
            await self._apply_with_retries(rec, env, data, handler)

    async def _apply_with_retries(
        self, rec: ConsumerRecord[bytes, bytes], env: Envelope, data: BaseModel, handler: Handler
    ) -> None:
        attempts = 0
        while True:
            try:
                await self.apply(env, data, handler)
                return
            except _TRANSIENT as exc:
                # The database is down: keep the offset, retry until it is back.
                log.warning("consumer %s: database unavailable (%s); retrying", self.name, type(exc).__name__)
                await asyncio.sleep(min(5.0, 0.2 * 2 ** min(attempts, 5)))
                attempts += 1
                if self._stopping:
                    raise
            except PoisonEvent as exc:
                await self._dead_letter(rec, env, f"poison: {exc}")
                return
            except Exception as exc:
                attempts += 1
                if attempts >= self.max_handler_attempts:
                    log.exception("consumer %s: giving up on event %s", self.name, env.id)
                    await self._dead_letter(rec, env, f"{type(exc).__name__}: {exc}")
                    return
                await asyncio.sleep(0.1 * attempts)

    async def apply(self, env: Envelope, data: BaseModel, handler: Handler) -> bool:
        """Run ``handler`` and record the event id in one transaction. False if already applied."""
        async with self.db.transaction() as s:
            seen = await s.execute(
                select(self.inbox.c.event_id).where(self.inbox.c.consumer == self.name, self.inbox.c.event_id == env.id)
            )
            if seen.first() is not None:
                self.duplicates_total += 1
                if self.metrics is not None:
                    self.metrics.events_duplicate.labels(self.metrics.service, self.name).inc()
                return False
            await handler(s, env, data)
            try:
                await s.execute(
                    self.inbox.insert().values(
                        consumer=self.name, event_id=env.id, event_type=env.type, processed_at=utcnow()
                    )
                )
            except IntegrityError:
                # Applied concurrently by another replica of this consumer; roll this one back.
                raise
        self.applied_total += 1
        if self.metrics is not None:
            self.metrics.events_applied.labels(self.metrics.service, self.name).inc()
        return True

    async def _dead_letter(self, rec: ConsumerRecord[bytes, bytes], env: Envelope | None, error: str) -> None:
        log.error("consumer %s: dead-lettering %s@%s/%s: %s", self.name, rec.topic, rec.partition, rec.offset, error)
        self.dead_lettered_total += 1
        if self.metrics is not None:
            self.metrics.dead_lettered.labels(self.metrics.service, self.name).inc()
        async with self.db.transaction() as s:
            await s.execute(
                self.dead_letters.insert().values(
                    consumer=self.name,
                    topic=rec.topic,
                    partition=rec.partition,
                    offset=rec.offset,
                    event_id=env.id if env else None,
                    event_type=env.type if env else None,
                    payload=rec.value or b"",
                    error=error[:4000],
                    created_at=utcnow(),
                )
            )
        if self._producer_send is not None:
            headers = [
                ("x-original-topic", rec.topic.encode()),
                ("x-original-partition", str(rec.partition).encode()),
                ("x-original-offset", str(rec.offset).encode()),
                ("x-consumer", self.name.encode()),
                ("x-error", error[:500].encode()),
            ]
            try:
                await self._producer_send(
                    self.kafka.topic(dead_letter_topic(self.service)), rec.value or b"", rec.key, headers
                )
            except Exception as exc:
                log.warning("could not publish to dead-letter topic: %s", exc)

    async def replay(self, dead_letter_id: int) -> bool:
        """Re-apply a parked event (after the cause was fixed). True when it applied now."""
        async with self.db.read() as s:
            row = (await s.execute(select(self.dead_letters).where(self.dead_letters.c.id == dead_letter_id))).first()
        if row is None:
            raise KeyError(dead_letter_id)
        env = Envelope.from_bytes(row.payload)
        handler = self.sub.handlers.get(env.type)
        if handler is None:
            raise PoisonEvent(f"no handler for {env.type}")
        data = event_type(env.type).validate(env.data)
        applied = await self.apply(env, data, handler)
        async with self.db.transaction() as s:
            await s.execute(
                self.dead_letters.update().where(self.dead_letters.c.id == dead_letter_id).values(replayed_at=utcnow())
            )
        return applied


__all__ = [
    "EventConsumer",
    "PoisonEvent",
    "Subscription",
    "TopicPartition",
    "dead_letter_table",
    "inbox_table",
]
