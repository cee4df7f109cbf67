"""GB/T 4754-2017 industry codes: a section letter plus 2-4 digits whose division (the first two
digits) belongs to that section."""

from __future__ import annotations

import re

# Divisions (两位数大类) of each section (门类).
SECTION_DIVISIONS: dict[str, range] = {
    "A": range(1, 6), "B": range(6, 13), "C": range(13, 44), "D": range(44, 47), "E": range(47, 51),
    "F": range(51, 53), "G": range(53, 61), "H": range(61, 63), "I": range(63, 66), "J": range(66, 70),
    "K": range(70, 71), "L": range(71, 73), "M": range(73, 76), "N": range(76, 80), "O": range(80, 83),
    "P": range(83, 84), "Q": range(84, 86), "R": range(86, 91), "S": range(91, 97), "T": range(97, 98),
}  # fmt: skip

_SHAPE = re.compile(r"^([A-T])(\d{2,4})?$")


def industry_problem(code: str) -> tuple[str, str, str] | None:
    """None when ``code`` is well formed, else (machine code, Chinese, English)."""
    m = _SHAPE.match(code)
    if not m:
        return ("industry_code_shape", "行业代码格式应为门类字母加2-4位数字，如 C3825", "expected e.g. C3825")
    digits = m.group(2)
    if digits and int(digits[:2]) not in SECTION_DIVISIONS[m.group(1)]:
        return (
            "industry_code_division",
            f"行业大类 {digits[:2]} 不属于门类 {m.group(1)}",
            "division not in section",
        )
    return None
