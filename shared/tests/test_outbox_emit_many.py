"""``emit_many`` queues the same outbox rows that one ``emit`` per event would: the same envelope and
data bytes (but the id and time), the same topic and key, each event validated on its own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED, INDICATORS_REPORTED, PROFILE_CHANGED
from tidu_shared.outbox import emit, emit_many
from tidu_shared.tracing import setup_tracing, tracer

AT = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)


class _Session:
    """What ``emit`` and ``emit_many`` touch of a session: its ``info`` (rows queued for commit)."""

    def __init__(self) -> None:
        self.info: dict[str, Any] = {}


def _registered(uscc: str) -> dict[str, Any]:
    return {
        "uscc": uscc,
        "name": "重庆示例精密机械有限公司",
        "district_code": "500113",
        "industry_code": "C3825",
        "established_on": dt.date(2015, 3, 18),
        "registered_at": AT,
        "independent_legal_person": True,
        "main_product": {"text": "传感器", "strategic_emerging": True},
        "own_brand": None,
    }


def _indicators(uscc: str) -> dict[str, Any]:
    return {
        "uscc": uscc,
        "year": 2024,
        "indicators": {"employees": 120, "operating_revenue": Decimal("1234.5"), "net_profit": Decimal("-3.25")},
        "restated": True,
        "source": "import",
        "reported_by": "u1",
        "reported_at": AT,
        "district_code": "500113",
        "changed_fields": ["employees"],
    }


def _changed(uscc: str) -> dict[str, Any]:
    return {
        **{k: v for k, v in _registered(uscc).items() if k != "registered_at"},
        "changes": {"name": {"old": "旧名", "new": "新名"}, "established_on": {"old": None, "new": "2015-03-18"}},
        "personal_fields_changed": ["legal_rep_phone"],
        "source": "import",
        "changed_by": "u1",
        "changed_at": AT,
        "version": 3,
    }


def _without_id_and_time(payload: bytes) -> dict[str, Any]:
    event = orjson.loads(payload)
    del event["id"], event["time"]
    return event


@pytest.mark.parametrize(
    ("event_type", "make"),
    [(ENTERPRISE_REGISTERED, _registered), (INDICATORS_REPORTED, _indicators), (PROFILE_CHANGED, _changed)],
)
def test_emit_many_queues_what_emit_queues(event_type: str, make: Any) -> None:
    codes = ["91500113MA5U7LXX3F", "91500113MA5U7LXX4D"]
    one, many = _Session(), _Session()
    setup_tracing("test", None)
    with tracer.start_as_current_span("import"):
        singles = [emit(one, type=event_type, subject=c, data=make(c)) for c in codes]  # type: ignore[arg-type]
        emitted = emit_many(many, type=event_type, events=[(c, make(c)) for c in codes])  # type: ignore[arg-type]
    rows_one, rows_many = one.info["outbox_pending"], many.info["outbox_pending"]
    assert many.info["outbox_rows"] == 2
    assert [r["event_id"] for r in rows_many] == [e.id for e in emitted]
    assert len({e.id for e in emitted}) == 2
    for single, a, b, e in zip(singles, rows_one, rows_many, emitted, strict=True):
        assert _without_id_and_time(a["payload"]) == _without_id_and_time(b["payload"])
        # the same bytes, key order included, once the id and time are the same
        same = b["payload"].replace(e.id.encode(), single.id.encode())
        assert orjson.loads(a["payload"])["traceparent"].startswith("00-")
        assert orjson.loads(same)["traceparent"] == orjson.loads(a["payload"])["traceparent"]
        assert list(orjson.loads(same)) == list(orjson.loads(a["payload"]))
        assert {k: v for k, v in a.items() if k not in ("event_id", "payload", "created_at", "next_attempt_at")} == {
            k: v for k, v in b.items() if k not in ("event_id", "payload", "created_at", "next_attempt_at")
        }
        assert b["payload"] == e.payload and e.subject == a["message_key"]


def test_emit_many_validates_each_event() -> None:
    bad = {**_registered("91500113MA5U7LXX3F"), "uscc": "short"}
    session = _Session()
    with pytest.raises(ValidationError):
        emit_many(
            session,
            type=ENTERPRISE_REGISTERED,
            events=[("91500113MA5U7LXX3F", _registered("91500113MA5U7LXX3F")), ("short", bad)],
        )  # type: ignore[arg-type]
    assert emit_many(session, type=ENTERPRISE_REGISTERED, events=[]) == []
