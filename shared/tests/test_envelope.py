"""The CloudEvents envelope and the event-type registry."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED
from tidu_shared.events import Envelope, all_event_types, event_type, new_envelope
from tidu_shared.events.envelope import MalformedEvent


def test_envelope_round_trips_in_structured_mode() -> None:
    env = new_envelope(source="/tidu/registry", type="x.v1", subject="S", data={"a": 1})
    back = Envelope.from_bytes(env.to_bytes())
    assert back == env
    d = env.to_dict()
    assert d["specversion"] == "1.0"
    assert d["partitionkey"] == "S"


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[]",
        b'{"specversion":"1.0"}',
        b'{"specversion":"0.3","id":"1","source":"s","type":"t","data":{}}',
        b'{"specversion":"1.0","id":"1","source":"s","type":"t","data":"x"}',
    ],
)
def test_malformed_events_are_recognised(raw: bytes) -> None:
    with pytest.raises(MalformedEvent):
        Envelope.from_bytes(raw)


def test_unknown_attributes_are_kept_as_extensions() -> None:
    raw = b'{"specversion":"1.0","id":"1","source":"s","type":"t","data":{},"traceparent":"00-abc"}'
    assert Envelope.from_bytes(raw).extensions == {"traceparent": "00-abc"}


def test_every_registered_type_has_a_json_schema_and_a_topic() -> None:
    types = all_event_types()
    assert ENTERPRISE_REGISTERED in {t.type for t in types}
    for t in types:
        schema = t.json_schema()
        assert schema["title"] == t.type
        assert schema["type"] == "object"
        assert t.topic.startswith("tidu.")


def test_contract_validation_rejects_bad_data_and_ignores_unknown_fields() -> None:
    et = event_type(ENTERPRISE_REGISTERED)
    ok = {
        "uscc": "91110108551385082Q",
        "name": "n",
        "district_code": "500113",
        "industry_code": "C3825",
        "established_on": "2020-01-01",
        "registered_at": "2026-01-01T00:00:00Z",
        "something_new": 1,
    }
    model = et.validate(ok)
    assert model.established_on == dt.date(2020, 1, 1)  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):
        et.validate({**ok, "uscc": "short"})
