"""Dates in query strings written as dates. Pydantic's lax mode reads a number (``?from=0.0``,
``?as_of=1700000000``) as a Unix time and answers for 1970 or some other day the user never asked
for (found by tests/fuzz); these validators refuse anything but ISO 8601 text with a 422."""

from __future__ import annotations

import re

from pydantic import BeforeValidator

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_day(value: object) -> object:
    """``YYYY-MM-DD`` only (other values pass through to the field's own validation)."""
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value.strip()):
        raise ValueError("日期格式应为 YYYY-MM-DD | date must be YYYY-MM-DD")
    return value


def iso_instant(value: object) -> object:
    """ISO 8601 date-time text only (it starts with ``YYYY-MM-DD``)."""
    if isinstance(value, str) and not _ISO_DAY.match(value.strip()):
        raise ValueError("时间应为 ISO 8601 格式，如 2025-09-26T10:00:00+08:00 | must be ISO 8601")
    return value


IsoDayText = BeforeValidator(iso_day)
IsoInstantText = BeforeValidator(iso_instant)
