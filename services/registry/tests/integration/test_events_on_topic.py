"""The registry's events on the real broker, read by an independent client (confluent-kafka,
librdkafka), and the registry consuming the eligibility service's events from the broker.

The app runs with its relay and consumers on the session broker, in a topic namespace of this test's
own (``kafka_settings``). Waits have deadlines; nothing sleeps blindly.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

from tidu_registry.domain.uscc import make_uscc
from tidu_shared.contracts.eligibility import ASSESSMENT_COMPLETED, CANDIDATE_RECOMMENDED
from tidu_shared.events import new_envelope
from tidu_shared.settings import KafkaSettings
from tidu_shared.topics import ELIGIBILITY_ASSESSMENTS, REGISTRY_ENTERPRISES

pytestmark = pytest.mark.integration

DEADLINE_S = 30.0


def read_topic(kafka: KafkaSettings, wanted: set[str], deadline_s: float = DEADLINE_S) -> list[dict[str, Any]]:
    """Messages of the registry topic until every event id in ``wanted`` was seen (blocking: run it in
    a thread, the relay publishes on the test's event loop meanwhile)."""
    consumer = Consumer(
        {
            "bootstrap.servers": kafka.bootstrap_servers,
            "group.id": f"independent-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    topic = kafka.topic(REGISTRY_ENTERPRISES)
    # Partitions assigned explicitly, read from the beginning: no group join to wait for.
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    seen: list[dict[str, Any]] = []
    end = time.monotonic() + deadline_s
    try:
        while time.monotonic() < end and not wanted <= {m["event"]["id"] for m in seen}:
            msg = consumer.poll(0.5)
            if msg is None or msg.error() is not None:
                continue
            seen.append(
                {
                    "key": (msg.key() or b"").decode(),
                    "headers": {k: v.decode() for k, v in (msg.headers() or [])},
                    "event": orjson.loads(msg.value() or b"{}"),
                    "partition": msg.partition(),
                }
            )
    finally:
        consumer.close()
    return seen


async def eventually(check: Callable[[], Awaitable[bool]], deadline_s: float = DEADLINE_S) -> None:
    end = asyncio.get_running_loop().time() + deadline_s
    while not await check():
        if asyncio.get_running_loop().time() > end:
            raise AssertionError("condition not reached before the deadline")
        await asyncio.sleep(0.05)


async def test_every_registry_event_on_the_topic(
    app_client_factory: Any, auth_header: Any, kafka_settings: KafkaSettings
) -> None:
    admin = auth_header("admin", sub="admin-1")
    code = make_uscc()
    async with app_client_factory("registry", qualification_job_enabled=False) as (_, client):
        body = {
            "uscc": code,
            "name": "重庆主题测试科技有限公司",
            "district_code": "500113",
            "industry_code": "C3983",
            "established_on": "2018-04-01",
            "main_product": "传感器",
            "strategic_emerging": True,
            "legal_rep_phone": "13812345678",
            "contacts": [{"name": "李四", "phone": "13900001111"}],
        }
        assert (await client.post("/v1/enterprises", json=body, headers=admin)).status_code == 201
        r = await client.patch(f"/v1/enterprises/{code}", json={"own_brand": True}, headers=admin)
        assert r.status_code == 200
        r = await client.put(
            f"/v1/enterprises/{code}/indicators/2024",
            json={"employees": 120, "operating_revenue": "3000.5", "rd_expense": "120"},
            headers=admin,
        )
        assert r.status_code == 200
        q = await client.post(
            f"/v1/enterprises/{code}/qualifications",
            json={"kind": "srdi_sme", "level": "city", "document_no": "渝经信〔2023〕1号", "granted_on": "2023-03-01"},
            headers=admin,
        )
        qid = q.json()["id"]
        await client.post(
            "/v1/jobs/qualification-notices", params={"today": "2025-12-31"}, headers=admin
        )  # expiring (valid through 2026-02-28)
        await client.post(f"/v1/qualifications/{qid}/renewals", json={"reviewed_on": "2026-02-01"}, headers=admin)
        await client.post(
            f"/v1/qualifications/{qid}/revocation", json={"revoked_on": "2026-06-01", "reason": "撤销"}, headers=admin
        )
        expired = await client.post(
            f"/v1/enterprises/{code}/qualifications",
            json={"kind": "tech_sme", "level": "provincial", "document_no": "T-1", "granted_on": "2021-01-01",
                  "expires_on": "2021-12-31"},
            headers=admin,
        )  # fmt: skip
        assert expired.status_code == 201
        await client.post("/v1/jobs/qualification-notices", params={"today": "2026-01-05"}, headers=admin)
        await client.post(
            f"/v1/enterprises/{code}/pool/moves", json={"to_stage": "reserve", "reason": "入库"}, headers=admin
        )
        await client.post("/v1/commissioners", json={"id": "c1", "name": "王专员", "district_code": "500113"},
                          headers=admin)  # fmt: skip
        await client.put(f"/v1/enterprises/{code}/commissioner", json={"commissioner_id": "c1"}, headers=admin)

        # on PostgreSQL the feed holds a transaction's rows back while an older one of the cluster is open
        deadline = time.monotonic() + 20
        while True:
            feed = (await client.get("/v1/changes", params={"limit": 1000}, headers=admin)).json()["events"]
            if len(feed) >= 11 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        wanted = {e["id"] for e in feed}
        messages = await asyncio.to_thread(read_topic, kafka_settings, wanted)

    by_id = {m["event"]["id"]: m for m in messages}
    assert wanted <= set(by_id), "every event of the change feed was published"
    ordered = [by_id[e["id"]] for e in feed]
    types = [m["event"]["type"] for m in ordered]
    assert types == [
        "tidu.registry.enterprise.registered.v1",
        "tidu.registry.enterprise.profile_changed.v1",
        "tidu.registry.enterprise.indicators_reported.v1",
        "tidu.registry.qualification.granted.v1",
        "tidu.registry.qualification.expiring.v1",
        "tidu.registry.qualification.renewed.v1",
        "tidu.registry.qualification.revoked.v1",
        "tidu.registry.qualification.granted.v1",
        "tidu.registry.qualification.expired.v1",
        "tidu.registry.pool.changed.v1",
        "tidu.registry.commissioner.assigned.v1",
    ]
    for m in ordered:
        assert m["key"] == code and m["event"]["subject"] == code
        assert m["headers"]["content-type"] == "application/cloudevents+json"
        assert m["headers"]["ce_type"] == m["event"]["type"]
        assert m["event"]["specversion"] == "1.0" and m["event"]["source"] == "/tidu/registry"
        assert "13812345678" not in str(m["event"]) and "13900001111" not in str(m["event"])
    assert len({m["partition"] for m in ordered}) == 1  # one key, one partition: in order
    first_seen = list(dict.fromkeys(m["event"]["id"] for m in messages if m["event"]["id"] in wanted))
    assert first_seen == [e["id"] for e in feed]  # the topic's order is the feed's
    assert feed[0] == {k: v for k, v in ordered[0]["event"].items()}  # the same bytes in both
    data = [m["event"]["data"] for m in ordered]
    assert data[0]["main_product"] == {"text": "传感器", "strategic_emerging": True, "six_foundations": None,
                                       "key_chain_link": None, "supplies_chain_leader": None,
                                       "time_honoured_brand": None}  # fmt: skip
    assert data[1]["changes"] == {"own_brand": {"old": None, "new": True}} and data[1]["name"] == body["name"]
    assert data[2]["indicators"]["operating_revenue"] == "3000.5" and data[2]["indicators"]["employees"] == 120
    assert data[3]["kind"] == "srdi_sme" and data[3]["expires_on"] == "2026-02-28"
    assert data[4]["days_left"] == 59
    assert data[5]["previous_expires_on"] == "2026-02-28" and data[5]["expires_on"] == "2029-02-28"
    assert data[6]["reason"] == "撤销" and data[6]["revoked_on"] == "2026-06-01"
    assert data[8]["kind"] == "tech_sme" and data[8]["expires_on"] == "2021-12-31"
    assert (data[9]["stage"], data[9]["reason_source"]) == ("reserve", "operator")
    assert (data[10]["commissioner_id"], data[10]["commissioner_name"]) == ("c1", "王专员")


async def test_the_registry_applies_assessments_from_the_topic(
    app_client_factory: Any, auth_header: Any, kafka_settings: KafkaSettings
) -> None:
    admin = auth_header("admin", sub="admin-1")
    code = make_uscc()
    now = dt.datetime.now(dt.UTC)
    size = {
        "assessment_id": uuid.uuid4().hex, "uscc": code, "district_code": "500113", "ruleset_id": "size-2011",
        "ruleset_version": "2011.1", "tier": "size", "as_of": dt.date.today().isoformat(), "data_year": 2024,
        "result": "eligible", "size_class": "small", "assessed_at": now.isoformat(),
    }  # fmt: skip
    recommended = {
        "uscc": code, "district_code": "500113", "tier": "innovative", "ruleset_id": "innovative-2022",
        "ruleset_version": "1", "assessment_id": "a-42", "as_of": dt.date.today().isoformat(),
        "reason": "创新型中小企业评价得分 75", "recommended_at": now.isoformat(),
    }  # fmt: skip
    envelopes = [
        new_envelope(source="/tidu/eligibility", type=ASSESSMENT_COMPLETED, subject=code, data=size),
        new_envelope(source="/tidu/eligibility", type=CANDIDATE_RECOMMENDED, subject=code, data=recommended),
    ]
    async with app_client_factory("registry", qualification_job_enabled=False) as (app, client):
        r = await client.post(
            "/v1/enterprises",
            json={"uscc": code, "name": "重庆消费测试有限公司", "district_code": "500113", "industry_code": "C3825",
                  "established_on": "2018-01-01"},
            headers=admin,
        )  # fmt: skip
        assert r.status_code == 201

        def produce() -> None:
            producer = Producer({"bootstrap.servers": kafka_settings.bootstrap_servers})
            for env in [*envelopes, envelopes[1]]:  # the recommendation twice: applied once
                producer.produce(
                    kafka_settings.topic(ELIGIBILITY_ASSESSMENTS),
                    key=code.encode(),
                    value=env.to_bytes(),
                    headers=[("content-type", b"application/cloudevents+json")],
                )
            assert producer.flush(10) == 0

        await asyncio.to_thread(produce)

        async def applied() -> bool:
            got = (await client.get(f"/v1/enterprises/{code}", headers=admin)).json()
            return bool(got["size_class"] == "small" and got["pool_stage"] == "reserve")

        await eventually(applied)
        got = (await client.get(f"/v1/enterprises/{code}", headers=admin)).json()
        assert got["size_class_year"] == 2024
        pool = (await client.get(f"/v1/enterprises/{code}/pool", headers=admin)).json()
        assert len(pool["moves"]) == 1
        assert (pool["moves"][0]["reason_kind"], pool["moves"][0]["assessment_id"]) == ("assessment", "a-42")
        consumer = app.state.runtime.consumers[0]

        async def all_read() -> bool:
            return bool(consumer.applied_total + consumer.duplicates_total >= 3)

        await eventually(all_read)
        assert consumer.duplicates_total == 1
