"""Event envelope (CloudEvents 1.0, JSON, structured mode) and the event-type registry."""

from tidu_shared.events.envelope import CONTENT_TYPE, Envelope, new_envelope
from tidu_shared.events.registry import EventType, UnknownEventType, all_event_types, event_type, register

__all__ = [
    "CONTENT_TYPE",
    "Envelope",
    "EventType",
    "UnknownEventType",
    "all_event_types",
    "event_type",
    "new_envelope",
    "register",
]
