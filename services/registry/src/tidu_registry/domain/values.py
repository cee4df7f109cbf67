"""Field specifications and the parsing of raw scalar values (text, dates, numbers, flags).

One parser serves JSON bodies (already typed values), CSV cells (strings) and XLSX cells (int, float,
datetime, bool), so that the API and the bulk import accept exactly the same things. It is plain Python on
purpose: the import validates 100,000 rows at a time and each row must stay cheap.

Decisions where the data dictionary is silent:

- blank (``None``, empty or whitespace-only text) means "not reported" and becomes ``None``;
- money is ``Decimal`` in 万元 with at most 6 decimal places (to the fen) and below 10^12 in magnitude;
  floats (from XLSX) are read through their shortest repr, so 1234.56 stays 1234.56;
- dates accept ISO ``2024-03-01``, ``20240301``, ``2024/3/1``, ``2024.3.1``, ``2024年3月1日`` and a
  datetime at midnight;
- flags accept true/false, 1/0, yes/no, y/n, t/f, 是/否, 有/无, √/×.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from tidu_registry.domain.errors import Violation


class Kind(StrEnum):
    TEXT = "text"
    DATE = "date"
    BOOL = "bool"
    INT = "int"
    DECIMAL = "decimal"
    CHOICE = "choice"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A field of a record: its type, Chinese label, unit and bounds (inclusive)."""

    name: str
    kind: Kind
    zh: str
    unit: str | None = None
    required: bool = False
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()


MONEY_MAX_SCALE = 6
MONEY_LIMIT = Decimal(10) ** 12

_TRUE = frozenset({"true", "t", "yes", "y", "1", "是", "有", "√", "✓", "对"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "否", "无", "×", "✗", "错"})
_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_THOUSANDS = str.maketrans("", "", ",，_ ")


class ValueParseError(ValueError):
    """A raw value that is not of the expected type; carries the violation code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def clean_text(raw: object) -> str:
    """Text with surrounding whitespace removed and full-width forms folded (NFKC) when not ASCII.

    Integral floats (an XLSX cell holding a phone number) are written without ``.0``.
    """
    if isinstance(raw, str):
        text = raw
    elif isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    else:
        text = str(raw)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).replace("\ufeff", "").replace("\u200b", "")
    return text.strip()


def parse_date(raw: object) -> date:
    if isinstance(raw, datetime):
        if raw.time() != datetime.min.time():
            raise ValueParseError("invalid_date")
        return raw.date()
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        raise ValueParseError("invalid_date")
    text = clean_text(raw)
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    match = _DATE_RE.fullmatch(text)
    if match is not None:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise ValueParseError("invalid_date") from None
    try:
        return parse_date(datetime.fromisoformat(text))
    except ValueError:
        raise ValueParseError("invalid_date") from None


def parse_decimal(raw: object) -> Decimal:
    if isinstance(raw, bool):
        raise ValueParseError("invalid_number")
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        try:
            value = Decimal(clean_text(raw).translate(_THOUSANDS))
        except InvalidOperation:
            raise ValueParseError("invalid_number") from None
    else:
        raise ValueParseError("invalid_number")
    if not value.is_finite():
        raise ValueParseError("invalid_number")
    if _scale(value) > MONEY_MAX_SCALE and _scale(value.normalize()) > MONEY_MAX_SCALE:
        raise ValueParseError("too_many_decimals")
    if abs(value) >= MONEY_LIMIT:
        raise ValueParseError("number_too_large")
    return value


def _scale(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def parse_int(raw: object) -> int:
    if isinstance(raw, bool):
        raise ValueParseError("invalid_integer")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise ValueParseError("invalid_integer")
    if isinstance(raw, str):
        text = clean_text(raw).translate(_THOUSANDS)
        try:
            return int(text)
        except ValueError:
            pass
    try:
        value = parse_decimal(raw)
    except ValueParseError:
        raise ValueParseError("invalid_integer") from None
    if value != value.to_integral_value():
        raise ValueParseError("invalid_integer")
    return int(value)


def parse_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        text = clean_text(raw).casefold()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueParseError("invalid_boolean")


def to_plain(value: object) -> Any:
    """A JSON-safe, canonical form of a domain value (dates ISO, decimals as exact strings)."""
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    return value


def plain_decimal(value: Decimal) -> str:
    """``Decimal('1234.50')`` → ``'1234.5'``, ``Decimal('1E+2')`` → ``'100'``: one spelling per number."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


_MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("{zh}为必填项", "{name} is required"),
    "invalid_date": ("{zh}不是有效日期（应为 YYYY-MM-DD）", "{name} is not a valid date (expected YYYY-MM-DD)"),
    "invalid_number": ("{zh}不是有效数字", "{name} is not a valid number"),
    "too_many_decimals": ("{zh}最多保留6位小数", "{name} has more than 6 decimal places"),
    "number_too_large": ("{zh}数值过大", "{name} is too large"),
    "invalid_integer": ("{zh}应为整数", "{name} must be a whole number"),
    "invalid_boolean": ("{zh}应为“是”或“否”", "{name} must be true or false (是/否)"),
    "invalid_choice": ("{zh}应为以下之一：{choices}", "{name} must be one of: {choices}"),
    "too_long": ("{zh}不能超过{max_length}个字符", "{name} must be at most {max_length} characters"),
    "negative_value": ("{zh}不能为负数", "{name} cannot be negative"),
    "out_of_range": ("{zh}应在{lo}至{hi}之间", "{name} must be between {lo} and {hi}"),
    "below_minimum": ("{zh}不能小于{lo}", "{name} must be at least {lo}"),
}


def field_violation(spec: FieldSpec, code: str) -> Violation:
    zh, en = _MESSAGES[code]
    params = {
        "zh": spec.zh,
        "name": spec.name,
        "choices": ", ".join(spec.choices),
        "max_length": spec.max_length,
        "lo": spec.minimum,
        "hi": spec.maximum,
    }
    return Violation(spec.name, code, zh.format(**params), en.format(**params))


def _bounds_code(spec: FieldSpec, value: Decimal | int) -> str | None:
    lo, hi = spec.minimum, spec.maximum
    if lo is not None and value < lo:
        if hi is not None:
            return "out_of_range"
        return "negative_value" if lo == 0 else "below_minimum"
    if hi is not None and value > hi:
        return "out_of_range"
    return None


def parse_field(spec: FieldSpec, raw: object) -> object:
    """Parse one raw value per its spec; raises :class:`ValueParseError` with the violation code."""
    kind = spec.kind
    if kind is Kind.TEXT:
        text = clean_text(raw)
        if spec.max_length is not None and len(text) > spec.max_length:
            raise ValueParseError("too_long")
        return text
    if kind is Kind.DATE:
        return parse_date(raw)
    if kind is Kind.BOOL:
        return parse_bool(raw)
    if kind is Kind.CHOICE:
        text = clean_text(raw).lower()
        if text not in spec.choices:
            raise ValueParseError("invalid_choice")
        return text
    number: Decimal | int = parse_int(raw) if kind is Kind.INT else parse_decimal(raw)
    code = _bounds_code(spec, number)
    if code is not None:
        raise ValueParseError(code)
    return number


def parse_fields(specs: tuple[FieldSpec, ...], data: Mapping[str, object]) -> tuple[dict[str, Any], list[Violation]]:
    """Parse every field of ``specs`` found in ``data``; missing or blank → ``None``.

    Returns the parsed values and every violation (type, bounds, required), never stopping early.
    """
    values: dict[str, Any] = {}
    violations: list[Violation] = []
    for spec in specs:
        raw = data.get(spec.name)
        if is_blank(raw):
            values[spec.name] = None
            if spec.required:
                violations.append(field_violation(spec, "required"))
            continue
        try:
            values[spec.name] = parse_field(spec, raw)
        except ValueParseError as exc:
            values[spec.name] = None
            violations.append(field_violation(spec, exc.code))
    return values, violations
