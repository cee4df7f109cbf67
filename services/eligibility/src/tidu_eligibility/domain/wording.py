"""Units and bilingual wording of thresholds, values and changes."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from .quantity import fmt, fmt_pct, round_down, round_up

WHOLE_UNITS: Final = frozenset({"人", "件", "名", "级", "年"})
_TENTH: Final = Decimal("0.1")
_ONE: Final = Decimal(1)


def show_threshold(t: Decimal, unit: str) -> str:
    if unit == "ratio":
        return f"{fmt(t)} ({fmt_pct(t)})"
    if unit == "%":
        return f"{fmt(t)}%"
    return f"{fmt(t)} {unit}".rstrip()


def show_amount(amount: Decimal, unit: str, *, generous: bool) -> str:
    """A change's size for a message, rounded so that following the message is safe.

    ``generous`` rounds the magnitude up (a gap: the change needed), else down (a margin: the room).
    Money and scores show one decimal, whole units none.
    """
    quantum = _ONE if unit in WHOLE_UNITS else _TENTH
    magnitude = abs(amount)
    shown = round_up(magnitude, quantum) if generous else round_down(magnitude, quantum)
    return f"{fmt(shown) if quantum == _ONE else format(shown, 'f')} {unit}".rstrip()


def signed(amount: Decimal, unit: str, *, generous: bool) -> str:
    return ("+" if amount >= 0 else "-") + show_amount(amount, unit, generous=generous)


def year_zh(year: int | None) -> str:
    return "" if year is None else f"（{year}年）"


def year_en(year: int | None) -> str:
    return "" if year is None else f" {year}"
