"""The AsyncAPI 3.0 document of the platform's events, generated from the event-type registry
(and the examples in :mod:`tidu_shared.contracts.examples`). Every service serves it at
``/asyncapi.json``; ``docs/asyncapi.json`` keeps a copy (``python -m tidu_shared.asyncapi``
writes it; a test checks it is current).

Messages are CloudEvents 1.0 in structured mode: the payload schema is the envelope with the
type's data schema in ``data``. Department topics (``tidu.whistle.dept.{code}``) are one
parameterised channel.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tidu_shared.events.registry import EventType, all_event_types
from tidu_shared.topics import CORE_TOPICS, DEPARTMENT_PREFIX

PRODUCERS = {
    "registry": "registry",
    "eligibility": "eligibility",
    "finance": "finance-match",
    "whistle": "whistle",
    "audit": "every service (its audit log)",
}


def _channel_id(topic: str) -> str:
    return topic.replace(".", "_").replace("{", "").replace("}", "")


def _envelope_schema(et: EventType) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["specversion", "id", "source", "type", "subject", "time", "data"],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {"type": "string", "format": "uuid"},
            "source": {"type": "string", "example": f"/tidu/{et.producer}"},
            "type": {"const": et.type},
            "subject": {"type": "string", "description": "aggregate id; also the Kafka message key"},
            "time": {"type": "string", "format": "date-time"},
            "datacontenttype": {"const": "application/json"},
            "partitionkey": {"type": "string"},
            "traceparent": {"type": "string", "description": "W3C trace context (distributed tracing extension)"},
            "data": et.json_schema(),
        },
    }


def build() -> dict[str, Any]:
    from tidu_shared.contracts.examples import EXAMPLES

    types = all_event_types()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    topics = sorted({et.topic for et in types} | set(CORE_TOPICS))
    dept = f"{DEPARTMENT_PREFIX}{{department}}"
    for topic in [*topics, dept]:
        cid = _channel_id(topic)
        channels[cid] = {
            "address": topic,
            "messages": {},
            "description": "Keyed by aggregate id; CloudEvents 1.0 structured mode (JSON).",
        }
        if topic == dept:
            channels[cid]["parameters"] = {"department": {"description": "department code, e.g. 500113-jrb"}}
            channels[cid]["description"] = "The events of exactly the issues a department leads or co-handles."
    for et in types:
        mid = et.type.replace(".", "_")
        msg: dict[str, Any] = {
            "name": et.type,
            "title": et.type,
            "summary": et.description,
            "contentType": "application/cloudevents+json",
            "headers": {
                "type": "object",
                "properties": {
                    "content-type": {"const": "application/cloudevents+json"},
                    "ce_type": {"const": et.type},
                    "traceparent": {"type": "string"},
                },
            },
            "payload": _envelope_schema(et),
        }
        if et.type in EXAMPLES:
            msg["examples"] = [{"name": "example", "payload": {"type": et.type, "data": EXAMPLES[et.type]}}]
        messages[mid] = msg
        on_department_topics = et.producer == "whistle" and not et.type.endswith(".commissioner_notified.v1")
        for topic in [et.topic, *([dept] if on_department_topics else [])]:
            cid = _channel_id(topic)
            channels[cid]["messages"][mid] = {"$ref": f"#/components/messages/{mid}"}
    for cid, ch in channels.items():
        if not ch["messages"]:
            continue
        producer = {m.split("_")[1] for m in ch["messages"]}
        operations[f"publish_{cid}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{cid}"},
            "summary": f"Published by {', '.join(sorted(PRODUCERS.get(p, p) for p in producer))} through its outbox",
            "messages": [{"$ref": f"#/channels/{cid}/messages/{m}"} for m in ch["messages"]],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Tidu events",
            "version": "1.0.0",
            "description": (
                "Events of the Tidu platform (registry, eligibility, finance-match, whistle). Delivery is at "
                "least once; consumers deduplicate by event id. Consumers ignore fields they do not know."
            ),
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "production": {"host": "kafka:9093", "protocol": "kafka-secure", "description": "SASL_SSL, SCRAM-SHA-512"},
            "development": {"host": "127.0.0.1:9092", "protocol": "kafka", "description": "tansu, in memory"},
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def render() -> str:
    return json.dumps(build(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/asyncapi.json")
    out.write_text(render(), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
