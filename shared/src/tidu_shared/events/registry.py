"""The event-type registry: each type names its topic and its data contract (a pydantic model,
from which the JSON Schema is generated). Only the producing service edits its contracts
(``tidu_shared.contracts.<producer>``); consumers parse with the same models and ignore
unknown fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel


class UnknownEventType(KeyError):
    pass


@dataclass(frozen=True)
class EventType:
    type: str
    topic: str
    model: type[BaseModel]
    producer: str
    description: str

    def json_schema(self) -> dict[str, Any]:
        schema = self.model.model_json_schema()
        schema["$id"] = f"https://tidu.example/events/{self.type}.json"
        schema["title"] = self.type
        schema.setdefault("description", self.description)
        return schema

    def validate(self, data: dict[str, Any]) -> BaseModel:
        return self.model.model_validate(data)


_REGISTRY: dict[str, EventType] = {}


def register(type: str, *, topic: str, model: type[BaseModel], producer: str, description: str) -> EventType:
    et = EventType(type=type, topic=topic, model=model, producer=producer, description=description)
    existing = _REGISTRY.get(type)
    if existing is not None and existing != et:
        raise ValueError(f"event type {type} registered twice")
    _REGISTRY[type] = et
    return et


def event_type(type: str) -> EventType:
    _load_contracts()
    try:
        return _REGISTRY[type]
    except KeyError:
        raise UnknownEventType(type) from None


def all_event_types() -> list[EventType]:
    _load_contracts()
    return sorted(_REGISTRY.values(), key=lambda e: e.type)


def _load_contracts() -> None:
    # Importing the contract modules registers their types.
    from tidu_shared import contracts  # noqa: F401
