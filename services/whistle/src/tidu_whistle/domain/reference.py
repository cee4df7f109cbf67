"""Reference data: issue categories, department kinds, regions — parsed into frozen values.

The only I/O of the domain is :func:`load_reference`, which reads the YAML/CSV the service ships
in ``tidu_whistle/reference/`` (or another directory an operator names). Everything else here is
pure; :func:`parse_reference` builds a :class:`Reference` from already-loaded documents, so tests
can feed their own data.

Departments. A department is a (region, kind) pair written ``"<GB/T 2260 code>-<kind>"``, e.g.
``500113-jxw`` 巴南区经济信息委, ``500000-jxw`` 重庆市经济信息委. The data lists kinds, not
departments, so every known region is taken to have every known kind. A department's display
name is the region's name followed by the kind's name without its leading 区 (区经济信息委 →
巴南区经济信息委 / 重庆市经济信息委; 工业园区管委会 → 巴南区工业园区管委会).

Regions. ``region_covers(upper, lower)`` follows GB/T 2260: ``xx0000`` covers its province
(or municipality), ``xxxx00`` its prefecture-level city. :meth:`Reference.escalation_region`
gives where a region's issues escalate: ``defaults.escalate_to`` (500000) when that region
covers it, otherwise the nearest known enclosing region (360102 东湖区 → 360100 南昌市), and
``None`` at the top.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from tidu_whistle.domain.errors import DomainError, ErrorCode

_REGION_RE = re.compile(r"^[1-9]\d{5}$")
_KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

CATEGORIES_FILE = "issue_categories.yaml"
DEPARTMENTS_FILE = "departments.yaml"
DISTRICTS_FILE = "districts.csv"


class ReferenceDataError(ValueError):
    """The reference files are inconsistent (a deployment error, not a user error)."""


@dataclass(frozen=True, order=True)
class DepartmentCode:
    region: str
    kind: str

    def __post_init__(self) -> None:
        if not _REGION_RE.match(self.region) or not _KIND_RE.match(self.kind):
            raise DomainError(
                ErrorCode.INVALID_DEPARTMENT_CODE,
                f"not a department code: {self.region!r}-{self.kind!r}",
                value=f"{self.region}-{self.kind}",
            )

    @classmethod
    def parse(cls, text: str | DepartmentCode) -> DepartmentCode:
        if isinstance(text, DepartmentCode):
            return text
        region, sep, kind = str(text).strip().partition("-")
        if not sep:
            raise DomainError(ErrorCode.INVALID_DEPARTMENT_CODE, f"not a department code: {text!r}", value=str(text))
        return cls(region, kind)

    def __str__(self) -> str:
        return f"{self.region}-{self.kind}"


@dataclass(frozen=True)
class DepartmentKind:
    code: str
    name: str  # district form, e.g. 区经济信息委
    en: str
    coordinator: bool = False


@dataclass(frozen=True)
class Category:
    code: str
    zh: str
    lead_kind: str
    co_kinds: tuple[str, ...]
    check_in_working_days: int
    resolve_working_days: int


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    province: str
    level: str  # municipality | district | county | province | city


def region_covers(upper: str, lower: str) -> bool:
    """GB/T 2260 containment: 500000 covers 500113; 360100 covers 360102; a region covers itself."""
    if upper == lower:
        return True
    if upper.endswith("0000"):
        return lower[:2] == upper[:2]
    if upper.endswith("00"):
        return lower[:4] == upper[:4]
    return False


@dataclass(frozen=True)
class Reference:
    categories: Mapping[str, Category]
    kinds: Mapping[str, DepartmentKind]
    regions: Mapping[str, Region]
    escalate_to: str
    coordinator_kind: str
    default_check_in_working_days: int
    default_resolve_working_days: int

    # -- look-ups that raise typed errors -------------------------------------------------
    def category(self, code: str) -> Category:
        try:
            return self.categories[code]
        except KeyError:
            raise DomainError(ErrorCode.UNKNOWN_CATEGORY, f"unknown category {code!r}", category=code) from None

    def region(self, code: str) -> Region:
        try:
            return self.regions[code]
        except KeyError:
            raise DomainError(ErrorCode.UNKNOWN_DISTRICT, f"unknown region {code!r}", district=code) from None

    def department(self, code: str | DepartmentCode) -> DepartmentCode:
        """Parse and check that both the region and the kind are known."""
        dept = DepartmentCode.parse(code)
        if dept.region not in self.regions or dept.kind not in self.kinds:
            raise DomainError(ErrorCode.UNKNOWN_DEPARTMENT, f"unknown department {dept}", department=str(dept))
        return dept

    def department_name(self, code: str | DepartmentCode) -> str:
        dept = self.department(code)
        kind_name = self.kinds[dept.kind].name
        return self.regions[dept.region].name + kind_name.removeprefix("区")

    def coordinator_for(self, district: str) -> DepartmentCode:
        """The district's coordinator (经信委), who triages what cannot be routed."""
        self.region(district)
        return DepartmentCode(district, self.coordinator_kind)

    def escalation_region(self, region: str) -> str | None:
        """One level up: escalate_to when it covers ``region``, else the nearest known ancestor."""
        if region == self.escalate_to:
            return None
        if region_covers(self.escalate_to, region):
            return self.escalate_to
        for candidate in (region[:4] + "00", region[:2] + "0000"):
            if candidate != region and candidate in self.regions and region_covers(candidate, region):
                return candidate
        return None


# -- parsing ------------------------------------------------------------------------------


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ReferenceDataError(f"{where}: expected a non-negative integer, got {value!r}")
    return value


def parse_reference(
    categories_doc: Mapping[str, Any],
    departments_doc: Mapping[str, Any],
    region_rows: Iterable[Mapping[str, str]],
) -> Reference:
    """Build and cross-check a Reference. Raises ReferenceDataError on inconsistent data."""
    kinds: dict[str, DepartmentKind] = {}
    for code, entry in (departments_doc.get("kinds") or {}).items():
        code = str(code)
        if not _KIND_RE.match(code):
            raise ReferenceDataError(f"department kind {code!r}: bad code")
        kinds[code] = DepartmentKind(
            code=code,
            name=str(entry["name"]),
            en=str(entry.get("en", "")),
            coordinator=bool(entry.get("coordinator", False)),
        )
    if not kinds:
        raise ReferenceDataError("departments: no kinds")

    regions: dict[str, Region] = {}
    for row in region_rows:
        code = str(row["code"]).strip()
        if not _REGION_RE.match(code):
            raise ReferenceDataError(f"region {code!r}: not a GB/T 2260 code")
        regions[code] = Region(code, row["name"].strip(), row["province"].strip(), row["kind"].strip())
    if not regions:
        raise ReferenceDataError("districts: no regions")

    defaults = categories_doc.get("defaults") or {}
    check_in = _positive_int(defaults.get("check_in_working_days", 1), "defaults.check_in_working_days")
    resolve = _positive_int(defaults.get("resolve_working_days", 10), "defaults.resolve_working_days")
    escalate_to = str(defaults.get("escalate_to", ""))
    coordinator_kind = str(defaults.get("coordinator_kind", ""))
    if escalate_to not in regions:
        raise ReferenceDataError(f"defaults.escalate_to {escalate_to!r} is not a known region")
    if coordinator_kind not in kinds:
        raise ReferenceDataError(f"defaults.coordinator_kind {coordinator_kind!r} is not a known kind")
    if not kinds[coordinator_kind].coordinator:
        raise ReferenceDataError(f"kind {coordinator_kind!r} is the coordinator kind but not flagged so")

    categories: dict[str, Category] = {}
    for code, entry in (categories_doc.get("categories") or {}).items():
        code = str(code)
        lead = str(entry["lead"])
        co = tuple(str(k) for k in (entry.get("co") or ()))
        for kind in (lead, *co):
            if kind not in kinds:
                raise ReferenceDataError(f"category {code}: unknown department kind {kind!r}")
        if lead in co:
            raise ReferenceDataError(f"category {code}: lead {lead!r} is also listed as co-handling")
        if len(set(co)) != len(co):
            raise ReferenceDataError(f"category {code}: duplicate co-handling kinds")
        categories[code] = Category(
            code=code,
            zh=str(entry.get("zh", code)),
            lead_kind=lead,
            co_kinds=co,
            check_in_working_days=_positive_int(
                entry.get("check_in_working_days", check_in), f"{code}.check_in_working_days"
            ),
            resolve_working_days=_positive_int(
                entry.get("resolve_working_days", resolve), f"{code}.resolve_working_days"
            ),
        )
    if not categories:
        raise ReferenceDataError("issue categories: none")

    return Reference(
        categories=MappingProxyType(categories),
        kinds=MappingProxyType(kinds),
        regions=MappingProxyType(regions),
        escalate_to=escalate_to,
        coordinator_kind=coordinator_kind,
        default_check_in_working_days=check_in,
        default_resolve_working_days=resolve,
    )


def load_reference(directory: Path | None = None) -> Reference:
    """Read the three reference files from ``directory`` (default: the packaged copy)."""
    if directory is None:
        base = resources.files("tidu_whistle.reference")
        categories_text = base.joinpath(CATEGORIES_FILE).read_text(encoding="utf-8")
        departments_text = base.joinpath(DEPARTMENTS_FILE).read_text(encoding="utf-8")
        districts_text = base.joinpath(DISTRICTS_FILE).read_text(encoding="utf-8")
    else:
        categories_text = (directory / CATEGORIES_FILE).read_text(encoding="utf-8")
        departments_text = (directory / DEPARTMENTS_FILE).read_text(encoding="utf-8")
        districts_text = (directory / DISTRICTS_FILE).read_text(encoding="utf-8")
    return parse_reference(
        yaml.safe_load(categories_text),
        yaml.safe_load(departments_text),
        list(csv.DictReader(io.StringIO(districts_text))),
    )
