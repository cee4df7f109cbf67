"""Errors the registry domain raises.

Every refusal carries a machine code and a message in Chinese and in English, so that the HTTP layer can
render it without knowing the rule. Validation never stops at the first problem: a
:class:`DomainValidationError` holds every :class:`Violation` found in the record (or the import row).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: the field (or import column) it concerns, a machine code, and two messages."""

    field: str
    code: str
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, str]:
        return {
            "field": self.field,
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


class DomainError(Exception):
    """A request the domain refuses (an illegal state change, a rule broken)."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}


class DomainValidationError(DomainError, ValueError):
    """Input that breaks one or more rules; ``violations`` names every one of them."""

    def __init__(self, violations: Iterable[Violation]) -> None:
        found = tuple(violations)
        if not found:
            raise ValueError("DomainValidationError needs at least one violation")
        self.violations: tuple[Violation, ...] = found
        super().__init__(
            "validation_failed",
            "；".join(v.message_zh for v in found),
            "; ".join(v.message_en for v in found),
        )

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.violations)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(v.field for v in self.violations)

    def as_dict(self) -> dict[str, object]:
        return {**super().as_dict(), "violations": [v.as_dict() for v in self.violations]}


class TransitionError(DomainError):
    """A state change that the aggregate's current state does not allow (pool stage, revoked title …)."""
