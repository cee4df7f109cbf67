"""GB/T 4754-2017 industry codes (国民经济行业分类): a section letter plus 2-4 digits whose division
(the first two digits) belongs to that section, e.g. ``C3825``; a bare section letter (``C``) is also
accepted.

Only the shape and the section/division pairing are checked: the 97 divisions (大类) are listed below,
the ~1,400 groups and classes are not, so ``C3899`` passes although no such class exists.

Decision: a code given without its section letter (``3825``) is an error whose message suggests the
full code (``C3825``); it is not completed silently.
"""

from __future__ import annotations

import re
import unicodedata

from tidu_registry.domain.errors import DomainValidationError, Violation

# Divisions (两位数大类) of each section (门类).
SECTION_DIVISIONS: dict[str, range] = {
    "A": range(1, 6), "B": range(6, 13), "C": range(13, 44), "D": range(44, 47), "E": range(47, 51),
    "F": range(51, 53), "G": range(53, 61), "H": range(61, 63), "I": range(63, 66), "J": range(66, 70),
    "K": range(70, 71), "L": range(71, 73), "M": range(73, 76), "N": range(76, 80), "O": range(80, 83),
    "P": range(83, 84), "Q": range(84, 86), "R": range(86, 91), "S": range(91, 97), "T": range(97, 98),
}  # fmt: skip

SECTION_NAMES: dict[str, str] = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}

_SHAPE = re.compile(r"^([A-T])(\d{2,4})?$")
_DIGITS_ONLY = re.compile(r"^\d{2,4}$")


def normalise(raw: object) -> str:
    text = raw if isinstance(raw, str) else str(raw)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.strip().upper()


def section_of(division: int) -> str | None:
    """The section letter that holds a two-digit division, or ``None`` when no section does."""
    for section, divisions in SECTION_DIVISIONS.items():
        if division in divisions:
            return section
    return None


def industry_problem(code: str) -> tuple[str, str, str] | None:
    """None when ``code`` (already normalised) is well formed, else (machine code, Chinese, English)."""
    m = _SHAPE.match(code)
    if not m:
        if _DIGITS_ONLY.match(code) and (section := section_of(int(code[:2]))) is not None:
            return (
                "industry_code_shape",
                f"行业代码缺少门类字母，应为 {section}{code}",
                f"the industry code lacks its section letter: {section}{code}",
            )
        return (
            "industry_code_shape",
            f"行业代码“{code}”格式应为门类字母加2-4位数字，如 C3825",
            f"industry code {code!r} must be a section letter A-T and 2-4 digits, e.g. C3825",
        )
    section, digits = m.group(1), m.group(2)
    if digits and int(digits[:2]) not in SECTION_DIVISIONS[section]:
        divisions = SECTION_DIVISIONS[section]
        span = f"{divisions[0]:02d}-{divisions[-1]:02d}" if len(divisions) > 1 else f"{divisions[0]:02d}"
        return (
            "industry_code_division",
            f"行业大类 {digits[:2]} 不属于门类 {section}（{SECTION_NAMES[section]}，大类 {span}）",
            f"division {digits[:2]} is not in section {section} (divisions {span})",
        )
    return None


def check(raw: object, field: str = "industry_code") -> tuple[str, Violation | None]:
    code = normalise(raw)
    problem = industry_problem(code)
    return code, None if problem is None else Violation(field, *problem)


def validate(raw: object, field: str = "industry_code") -> str:
    code, violation = check(raw, field)
    if violation is not None:
        raise DomainValidationError([violation])
    return code
