"""aiokafka clients built from :class:`~tidu_shared.settings.KafkaSettings`.

Producers use ``acks=all``; idempotence is a setting (on for Apache Kafka, off for the
development broker). SASL/SCRAM and TLS are settings too.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from tidu_shared.settings import KafkaSettings

log = logging.getLogger(__name__)


def _common(settings: KafkaSettings) -> dict[str, Any]:
    kw: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
        "request_timeout_ms": settings.request_timeout_ms,
    }
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        kw["ssl_context"] = ssl.create_default_context(cafile=settings.ssl_cafile)
    if settings.sasl_mechanism:
        kw["sasl_mechanism"] = settings.sasl_mechanism
        kw["sasl_plain_username"] = settings.sasl_username
        kw["sasl_plain_password"] = settings.sasl_password
    return kw


def make_producer(settings: KafkaSettings, **overrides: Any) -> AIOKafkaProducer:
    kw = _common(settings)
    kw.update(acks="all", enable_idempotence=settings.enable_idempotence, linger_ms=2)
    kw.update(overrides)
    return AIOKafkaProducer(**kw)


def make_consumer(settings: KafkaSettings, *topics: str, group_id: str | None, **overrides: Any) -> AIOKafkaConsumer:
    kw = _common(settings)
    kw.update(
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.session_timeout_ms,
        heartbeat_interval_ms=settings.heartbeat_interval_ms,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        isolation_level="read_uncommitted",
    )
    kw.update(overrides)
    return AIOKafkaConsumer(*topics, **kw)


async def ensure_topics(settings: KafkaSettings, names: Iterable[str], partitions: int | None = None) -> None:
    """Create the (namespaced) topics that do not exist yet. Idempotent."""
    admin = AIOKafkaAdminClient(**_common(settings))
    await admin.start()
    try:
        wanted = [settings.topic(n) for n in names]
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if missing:
            new = [NewTopic(t, partitions or settings.partitions, settings.replication_factor) for t in missing]
            try:
                await admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass
            log.info("created topics %s", missing)
    finally:
        await admin.close()


async def broker_reachable(settings: KafkaSettings, timeout_s: float = 2.0) -> bool:
    """True when the broker answers a metadata request within ``timeout_s``."""
    admin = AIOKafkaAdminClient(**{**_common(settings), "request_timeout_ms": int(timeout_s * 1000)})
    try:
        await asyncio.wait_for(admin.start(), timeout_s)
        await asyncio.wait_for(admin.list_topics(), timeout_s)
        return True
    except (KafkaError, TimeoutError, OSError):
        return False
    finally:
        try:
            await admin.close()
        except Exception:
            pass
