"""The CloudEvents 1.0 envelope, structured mode: the whole event is the Kafka message value,
JSON, with ``content-type: application/cloudevents+json`` in the Kafka headers and the
aggregate id as the message key (and as ``subject`` and the ``partitionkey`` extension)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

CONTENT_TYPE = "application/cloudevents+json"


class MalformedEvent(ValueError):
    """The bytes are not a CloudEvents 1.0 JSON event."""


@dataclass(frozen=True)
class Envelope:
    id: str
    source: str
    type: str
    subject: str
    time: str
    data: dict[str, Any]
    specversion: str = "1.0"
    datacontenttype: str = "application/json"
    extensions: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "specversion": self.specversion,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": self.time,
            "datacontenttype": self.datacontenttype,
            "partitionkey": self.subject,
        }
        d.update(self.extensions)
        d["data"] = self.data
        return d

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        try:
            d = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise MalformedEvent(f"not JSON: {exc}") from exc
        return cls.from_dict(d)

    @classmethod
    def from_dict(cls, d: Any) -> Envelope:
        if not isinstance(d, dict):
            raise MalformedEvent("event is not a JSON object")
        for key in ("specversion", "id", "source", "type"):
            if not isinstance(d.get(key), str) or not d[key]:
                raise MalformedEvent(f"missing CloudEvents attribute {key!r}")
        if d["specversion"] != "1.0":
            raise MalformedEvent(f"unsupported specversion {d['specversion']!r}")
        data = d.get("data")
        if not isinstance(data, dict):
            raise MalformedEvent("data must be a JSON object")
        known = {
            "specversion",
            "id",
            "source",
            "type",
            "subject",
            "time",
            "datacontenttype",
            "data",
            "partitionkey",
        }
        ext = {k: str(v) for k, v in d.items() if k not in known}
        return cls(
            id=d["id"],
            source=d["source"],
            type=d["type"],
            subject=str(d.get("subject") or ""),
            time=str(d.get("time") or ""),
            data=data,
            specversion="1.0",
            datacontenttype=str(d.get("datacontenttype") or "application/json"),
            extensions=ext,
        )


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def new_envelope(*, source: str, type: str, subject: str, data: dict[str, Any]) -> Envelope:
    return Envelope(id=str(uuid.uuid4()), source=source, type=type, subject=subject, time=now_iso(), data=data)
