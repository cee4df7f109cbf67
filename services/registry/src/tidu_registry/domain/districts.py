"""GB/T 2260 districts known to the registry (reference/districts.csv, extensible by operators).

The shipped list covers 重庆市 and the 南昌市 districts the targets name. Operators add codes (a new
district, another province's) at run time: the service keeps them in its database and builds the
registry with :meth:`Districts.extended`; :meth:`Districts.add` remains for in-process additions.

Regions nest by code (GB/T 2260): ``XX0000`` (province or municipality) holds every ``XX….``,
``XXYY00`` (a prefecture-level city) holds every ``XXYY..``; 重庆市 ``500000`` therefore holds both its
districts (``5001..``) and counties (``5002..``). :func:`is_within` answers that, and district
targets use it to count a region's enterprises.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from tidu_registry.domain.errors import DomainValidationError, Violation

KINDS = frozenset(
    {"province", "municipality", "autonomous_region", "city", "prefecture", "district", "county", "county_city"}
)


@dataclass(frozen=True, slots=True)
class District:
    code: str
    name: str
    province: str
    kind: str


def is_well_formed(code: str) -> bool:
    return len(code) == 6 and code.isascii() and code.isdigit()


def is_within(code: str, region: str) -> bool:
    """Whether district ``code`` lies in ``region`` (itself, or a province/city containing it)."""
    if region.endswith("0000"):
        return code[:2] == region[:2]
    if region.endswith("00"):
        return code[:4] == region[:4]
    return code == region


class Districts:
    """The codes the registry accepts, by code."""

    def __init__(self, districts: Iterable[District]) -> None:
        self._by_code = {d.code: d for d in districts}

    def contains(self, code: str) -> bool:
        return code in self._by_code

    __contains__ = contains

    def get(self, code: str) -> District | None:
        return self._by_code.get(code)

    def add(self, district: District) -> None:
        self._by_code[district.code] = district

    def extended(self, districts: Iterable[District]) -> Districts:
        """A new registry with ``districts`` added (or replacing same-code entries); this one unchanged."""
        return Districts([*self._by_code.values(), *districts])

    def all(self) -> list[District]:
        return sorted(self._by_code.values(), key=lambda d: d.code)

    def within(self, region: str) -> list[District]:
        return [d for d in self.all() if is_within(d.code, region)]

    def __iter__(self) -> Iterator[District]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self._by_code)

    def check(self, raw: object, field: str = "district_code") -> tuple[str, Violation | None]:
        """The trimmed code and its violation (``district_code_shape`` or ``unknown_district``), if any."""
        code = str(raw).strip() if not isinstance(raw, float) else str(int(raw))
        if not is_well_formed(code):
            return code, Violation(
                field,
                "district_code_shape",
                f"区县代码应为6位数字（GB/T 2260），实际为“{code}”",
                f"a district code has six digits (GB/T 2260), not {code!r}",
            )
        if code not in self._by_code:
            return code, Violation(field, "unknown_district", f"未知的区县代码 {code}", f"unknown district {code}")
        return code, None

    def validate(self, raw: object, field: str = "district_code") -> str:
        code, violation = self.check(raw, field)
        if violation is not None:
            raise DomainValidationError([violation])
        return code


def parse_districts_csv(text: str) -> list[District]:
    """Rows ``code,name,province,kind``; lines starting with ``#`` are comments."""
    lines = [line for line in text.lstrip("\ufeff").splitlines() if line.strip() and not line.startswith("#")]
    return [
        District(r["code"].strip(), r["name"].strip(), r["province"].strip(), r["kind"].strip())
        for r in csv.DictReader(lines)
    ]


def new_district(code: str, name: str, province: str, kind: str) -> District:
    """An operator's addition, checked: six digits, a name, a province, a known kind."""
    violations: list[Violation] = []
    code, name, province, kind = code.strip(), name.strip(), province.strip(), kind.strip()
    if not is_well_formed(code):
        violations.append(
            Violation("code", "district_code_shape", "区县代码应为6位数字", "a district code has six digits")
        )
    if not name:
        violations.append(Violation("name", "required", "名称为必填项", "name is required"))
    if not province:
        violations.append(Violation("province", "required", "所属省份为必填项", "province is required"))
    if kind not in KINDS:
        violations.append(
            Violation(
                "kind",
                "invalid_choice",
                f"类型应为以下之一：{', '.join(sorted(KINDS))}",
                f"kind must be one of: {', '.join(sorted(KINDS))}",
            )
        )
    if violations:
        raise DomainValidationError(violations)
    return District(code, name, province, kind)


@lru_cache(maxsize=1)
def default_districts() -> Districts:
    """The shipped list (read once, on first use)."""
    text = resources.files("tidu_registry.reference").joinpath("districts.csv").read_text("utf-8")
    return Districts(parse_districts_csv(text))
