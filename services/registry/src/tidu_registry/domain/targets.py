"""District targets (目标清单): targets per region, indicator and year, and progress against them.

``reference/targets.yaml`` holds the plans' figures. Each indicator is a stock at year end
(``cumulative: true``) in a unit (a count unless stated: 万家 and 万件 are 10,000). The registry computes
an actual for two sorts of indicator:

- ``qualification: KIND`` — enterprises of the region holding a valid KIND on the measurement date;
- the ``enterprises`` indicator — enterprises of the region registered by that date (the platform's
  registry, not every market entity: the 市场监管局's figure stays the reference);

others (market entities, trademarks, digital workshops) have no computed actual: their progress rows
carry the target and leave actual, percentage and shortfall empty.

``yearly_flow_targets`` ("每年培育 … 以上") count new recognitions in a year (qualifications first granted
in it); a mapping of names to numbers applies to every year, a mapping of years to such mappings to
those years.

Decisions:

- the measurement date of year Y is 31 December of Y, or today while Y is in progress; years after
  today have no actual;
- region membership follows GB/T 2260 (``districts.is_within``): 500000 counts all of 重庆市;
- progress per year: ``percentage`` = actual / target × 100 rounded half-up to 0.1; ``shortfall`` =
  target − actual, never below 0 (over-achievement: percentage above 100, shortfall 0); a year with
  an actual but no target has neither percentage nor shortfall;
- an enterprise counts in the region of its current district (moves between districts are rare and the
  history of the district field is available to a finer query if ever needed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from tidu_registry.domain.districts import is_well_formed, is_within
from tidu_registry.domain.errors import DomainValidationError, Violation
from tidu_registry.domain.qualifications import Qualification, QualificationKind

UNIT_SCALE: Mapping[str, int] = {"count": 1, "个": 1, "家": 1, "件": 1, "万家": 10_000, "万件": 10_000}
ENTERPRISES_INDICATOR = "enterprises"

# Flow-target names that are not also stock indicators of the same region.
FLOW_QUALIFICATIONS: Mapping[str, QualificationKind] = {
    "tech_smes": QualificationKind.TECH_SME,
    "innovative_smes": QualificationKind.INNOVATIVE_SME,
    "srdi_smes": QualificationKind.SRDI_SME,
    "little_giants": QualificationKind.LITTLE_GIANT,
    "single_champions": QualificationKind.SINGLE_CHAMPION,
    "gazelles": QualificationKind.GAZELLE,
    "unicorns": QualificationKind.UNICORN,
    "hard_tech": QualificationKind.HARD_TECH,
    "high_tech": QualificationKind.HIGH_TECH,
}

_PCT = Decimal("0.1")


class Measure(StrEnum):
    QUALIFICATION = "qualification"
    ENTERPRISES = "enterprises"
    EXTERNAL = "external"  # not computed by the registry


@dataclass(frozen=True, slots=True)
class IndicatorTarget:
    key: str
    zh: str
    unit: str
    cumulative: bool
    targets: Mapping[int, Decimal]
    qualification: QualificationKind | None = None
    owner: str | None = None

    @property
    def measure(self) -> Measure:
        if self.qualification is not None:
            return Measure.QUALIFICATION
        if self.key == ENTERPRISES_INDICATOR:
            return Measure.ENTERPRISES
        return Measure.EXTERNAL

    @property
    def scale(self) -> int:
        return UNIT_SCALE.get(self.unit, 1)


@dataclass(frozen=True, slots=True)
class FlowTarget:
    """At least ``value`` new ``qualification`` recognitions in ``year`` (``None``: every year)."""

    key: str
    qualification: QualificationKind
    value: Decimal
    year: int | None


@dataclass(frozen=True, slots=True)
class RegionTargets:
    region: str
    source: str
    indicators: Mapping[str, IndicatorTarget]
    flow_targets: tuple[FlowTarget, ...] = ()

    def flow_targets_for(self, year: int) -> list[FlowTarget]:
        """Flow targets that apply in ``year``: a year's own figure replaces the every-year one."""
        own = {f.key: f for f in self.flow_targets if f.year == year}
        general = {f.key: f for f in self.flow_targets if f.year is None}
        return list({**general, **own}.values())


@dataclass(frozen=True, slots=True)
class TargetBook:
    regions: Mapping[str, RegionTargets]


@dataclass(frozen=True, slots=True)
class YearProgress:
    year: int
    target: Decimal | None
    actual: Decimal | None
    percentage: Decimal | None
    shortfall: Decimal | None


# --- loading -------------------------------------------------------------------------------------


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(f"not a number: {value!r}")
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def _indicator(key: str, raw: Mapping[str, Any], where: str, problems: list[Violation]) -> IndicatorTarget | None:
    try:
        targets = {int(year): _decimal(value) for year, value in (raw.get("targets") or {}).items()}
        kind = raw.get("qualification")
        return IndicatorTarget(
            key=key,
            zh=str(raw.get("zh", key)),
            unit=str(raw.get("unit", "count")),
            cumulative=bool(raw.get("cumulative", True)),
            targets=dict(sorted(targets.items())),
            qualification=QualificationKind(kind) if kind is not None else None,
            owner=raw.get("owner"),
        )
    except (ValueError, TypeError, AttributeError) as exc:
        problems.append(Violation(where, "invalid_target", f"目标配置有误：{exc}", f"invalid target: {exc}"))
        return None


def _flow_targets(
    raw: Mapping[Any, Any], indicators: Mapping[str, IndicatorTarget], where: str, problems: list[Violation]
) -> list[FlowTarget]:
    def one(key: str, value: object, year: int | None) -> FlowTarget | None:
        stock = indicators.get(key)
        kind = stock.qualification if stock is not None and stock.qualification else FLOW_QUALIFICATIONS.get(key)
        if kind is None:
            problems.append(
                Violation(
                    f"{where}.{key}", "unknown_indicator", f"无法识别的指标 {key}", f"unknown flow indicator {key}"
                )
            )
            return None
        try:
            return FlowTarget(key, kind, _decimal(value), year)
        except ValueError as exc:
            problems.append(
                Violation(f"{where}.{key}", "invalid_target", f"目标配置有误：{exc}", f"invalid target: {exc}")
            )
            return None

    found: list[FlowTarget | None] = []
    for key, value in raw.items():
        if isinstance(value, Mapping):
            found.extend(one(str(k), v, int(key)) for k, v in value.items())
        else:
            found.append(one(str(key), value, None))
    return [f for f in found if f is not None]


def parse_targets(document: Mapping[str, Any]) -> TargetBook:
    """A target book from the YAML structure (``regions: {code: {source, indicators, yearly_flow_targets}}``),
    every problem named at once."""
    problems: list[Violation] = []
    regions: dict[str, RegionTargets] = {}
    for code, raw in (document.get("regions") or {}).items():
        region = str(code)
        where = f"regions.{region}"
        if not is_well_formed(region):
            problems.append(
                Violation(where, "district_code_shape", "地区代码应为6位数字", "a region code has six digits")
            )
            continue
        indicators = {
            key: ind
            for key, value in (raw.get("indicators") or {}).items()
            if (ind := _indicator(str(key), value, f"{where}.indicators.{key}", problems)) is not None
        }
        flows = _flow_targets(
            raw.get("yearly_flow_targets") or {}, indicators, f"{where}.yearly_flow_targets", problems
        )
        regions[region] = RegionTargets(region, str(raw.get("source", "")), indicators, tuple(flows))
    if problems:
        raise DomainValidationError(problems)
    return TargetBook(regions)


def load_targets(text: str) -> TargetBook:
    return parse_targets(yaml.safe_load(text) or {})


@lru_cache(maxsize=1)
def default_targets() -> TargetBook:
    """The shipped ``reference/targets.yaml`` (read once, on first use)."""
    return load_targets(resources.files("tidu_registry.reference").joinpath("targets.yaml").read_text("utf-8"))


# --- actuals -------------------------------------------------------------------------------------


def measurement_date(year: int, today: date) -> date | None:
    """31 December of ``year``, today while the year runs, ``None`` for a year not yet begun."""
    if year > today.year:
        return None
    return min(date(year, 12, 31), today)


@dataclass(frozen=True, slots=True)
class Holding:
    """A qualification held by an enterprise of a district (the registry's rows, flattened)."""

    uscc: str
    district_code: str
    qualification: Qualification


def count_holders(holdings: Iterable[Holding], *, kind: QualificationKind, region: str, on: date) -> int:
    """Distinct enterprises of ``region`` holding a valid ``kind`` on ``on``."""
    return len(
        {
            h.uscc
            for h in holdings
            if h.qualification.kind == kind and is_within(h.district_code, region) and h.qualification.is_valid_on(on)
        }
    )


def count_new_recognitions(holdings: Iterable[Holding], *, kind: QualificationKind, region: str, year: int) -> int:
    """Distinct enterprises of ``region`` first granted ``kind`` in ``year`` (renewals do not count)."""
    return len(
        {
            h.uscc
            for h in holdings
            if h.qualification.kind == kind
            and h.qualification.granted_on.year == year
            and is_within(h.district_code, region)
        }
    )


def count_enterprises(enterprises: Iterable[tuple[str, date]], *, region: str, on: date) -> int:
    """Enterprises (``(district_code, established_on)``) of ``region`` established by ``on``."""
    return sum(1 for district, established in enterprises if established <= on and is_within(district, region))


# --- progress ------------------------------------------------------------------------------------


def year_progress(year: int, target: Decimal | None, actual: Decimal | None) -> YearProgress:
    if target is None or actual is None:
        return YearProgress(year, target, actual, None, None)
    percentage = (actual / target * 100).quantize(_PCT, ROUND_HALF_UP) if target > 0 else None
    return YearProgress(year, target, actual, percentage, max(target - actual, Decimal(0)))


def progress(
    indicator: IndicatorTarget, actual_counts: Mapping[int, int | None], years: Iterable[int] | None = None
) -> list[YearProgress]:
    """Target, actual (in the target's unit), percentage and shortfall per year.

    ``actual_counts`` are raw counts (enterprises); ``years`` default to every year with a target or a
    count, in order.
    """
    wanted = sorted(set(years) if years is not None else set(indicator.targets) | set(actual_counts))
    scale = Decimal(indicator.scale)
    rows = []
    for year in wanted:
        count = actual_counts.get(year)
        actual = None if count is None else Decimal(count) / scale
        rows.append(year_progress(year, indicator.targets.get(year), actual))
    return rows
