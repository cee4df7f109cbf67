"""Bounds on the numbers a request may send, checked before the engine sees them.

The engine computes exactly with decimals; numbers far outside anything an enterprise reports (a
revenue of 1e300 万元, a ratio with 30 decimals) would only exhaust its decimal context. A yearly
value must be below 10^15 in absolute value (万元 or count) with at most 12 decimal places.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from tidu_shared.errors import FieldProblem, ProblemError

MAX_ABS = Decimal(10) ** 15
MAX_PLACES = 12


def _out_of_range(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return False
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError):
        return False  # not a number: the engine names it
    if not number.is_finite():
        return False  # the engine names it
    exponent = number.as_tuple().exponent
    return abs(number) >= MAX_ABS or (isinstance(exponent, int) and exponent < -MAX_PLACES)


def check_indicators(indicators: Mapping[str, Mapping[str, Any]]) -> None:
    """422 naming every yearly value out of range."""
    problems = [
        FieldProblem(
            f"indicators[{year}].{name}",
            "out_of_range",
            f"数值超出可计算范围（绝对值须小于 10^15，最多 {MAX_PLACES} 位小数）",
            f"must be below 10^15 in absolute value with at most {MAX_PLACES} decimal places",
        )
        for year, row in indicators.items()
        if isinstance(row, Mapping)
        for name, value in row.items()
        if _out_of_range(value)
    ]
    if problems:
        raise ProblemError(
            422,
            "input_invalid",
            "评估输入有误",
            "年度指标数值超出可计算范围",
            "yearly values out of range",
            errors=problems,
        )


def unprocessable(exc: ArithmeticError) -> ProblemError:
    return ProblemError(
        422,
        "input_unprocessable",
        "评估输入无法计算",
        "输入数值无法计算（数值过大或精度过高），请检查年度指标",
        f"the inputs cannot be computed with: {type(exc).__name__}",
    )
