"""Event contracts: the AsyncAPI document in docs/ is current, every example validates against
its type's JSON Schema, and every consumer parses every producer's example of the types it
subscribes to — a breaking change to a contract fails here."""

from __future__ import annotations

import importlib
from pathlib import Path

import jsonschema
import pytest

from tidu_shared.asyncapi import render
from tidu_shared.contracts.examples import EXAMPLES
from tidu_shared.events import all_event_types, event_type
from tidu_shared.services_catalog import SERVICES

ROOT = Path(__file__).resolve().parents[1]


def test_docs_asyncapi_is_current() -> None:
    assert (ROOT / "docs" / "asyncapi.json").read_text("utf-8") == render(), (
        "docs/asyncapi.json is stale: run .venv/bin/python -m tidu_shared.asyncapi"
    )


def test_every_event_type_has_an_example() -> None:
    assert sorted(t.type for t in all_event_types() if t.type not in EXAMPLES) == []


@pytest.mark.parametrize("type_", sorted(EXAMPLES))
def test_example_validates_against_the_json_schema(type_: str) -> None:
    et = event_type(type_)
    jsonschema.validate(EXAMPLES[type_], et.json_schema())
    et.validate(EXAMPLES[type_])


def subscriptions() -> list[tuple[str, str]]:
    """What each service's app subscribes to (built, not started: no I/O)."""
    pairs = []
    for s in SERVICES:
        settings = importlib.import_module(f"{s.package}.settings").Settings(database_url="sqlite+aiosqlite://")
        app = importlib.import_module(f"{s.package}.app").create_app(settings)
        for sub in app.state.spec.subscriptions:
            pairs.extend((s.name, t) for t in sub.handlers)
    return sorted(set(pairs))


@pytest.mark.parametrize(("consumer", "type_"), subscriptions())
def test_consumer_parses_the_producers_example(consumer: str, type_: str) -> None:
    assert type_ in EXAMPLES, f"{consumer} consumes {type_}, which has no example"
    et = event_type(type_)
    parsed = et.validate(EXAMPLES[type_])
    # what the producer serialises, the consumer parses back to the same value
    assert et.validate(parsed.model_dump(mode="json")) == parsed
