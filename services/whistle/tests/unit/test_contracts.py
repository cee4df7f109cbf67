"""The whistle's event contracts: one example per type, valid against the JSON Schema, and the
facts named after the state machine's actions."""

from __future__ import annotations

import jsonschema
import pytest

from tidu_shared.contracts.whistle import EXAMPLES, TRANSITION_FACTS
from tidu_shared.events import all_event_types, event_type
from tidu_shared.topics import WHISTLE_ISSUES
from tidu_whistle.domain.model import Action


def test_every_action_has_its_fact() -> None:
    assert sorted(TRANSITION_FACTS) == sorted(a.past_tense for a in Action)


def test_every_whistle_type_has_an_example() -> None:
    mine = {t.type for t in all_event_types() if t.producer == "whistle"}
    assert mine == set(EXAMPLES)
    assert {event_type(t).topic for t in mine} == {WHISTLE_ISSUES}


@pytest.mark.parametrize("type_", sorted(EXAMPLES))
def test_example_validates(type_: str) -> None:
    et = event_type(type_)
    jsonschema.validate(EXAMPLES[type_], et.json_schema())
    parsed = et.validate(EXAMPLES[type_])
    assert et.validate(parsed.model_dump(mode="json")) == parsed
