"""The shape of a rule-set file and its validation into typed, immutable data.

A rule set file (YAML or JSON) holds::

    id: srdi-2022                       # stable name; versions of one id correct each other in time
    version: 1                          # positive integer
    title: 专精特新中小企业 (2022)
    tier: srdi                          # size | pool | innovative | srdi | little_giant
    evaluator: srdi_2022                # the Python evaluator that reads these parameters
    effective_from: 2022-06-01
    effective_to: 2026-03-31            # inclusive; null = open
    document: 《…》（工信部企业〔2022〕63号）附件2
    district: "500114"                  # optional: a district's own rule set
    notes: [...]                        # optional
    parameters:
      rd_ratio_min:
        type: decimal                   # see PARAMETER_TYPES
        value: "0.03"
        citation: 63号 附件2 …          # document + clause, required
        unit: ratio                     # optional
        unconfirmed: true               # optional: seen only in secondary copies
        note: ...                       # optional

Every threshold and band of a rule lives here with its citation; the evaluators hold none. The
evaluator's required parameters and their types are listed in ``EVALUATOR_PARAMETERS``; a missing,
extra or mistyped one is an error naming the file and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from .bands import BandTable, Cascade, CascadeStep, LevelTable
from .inputs import AWARD_LEVELS, QUALIFICATION_KINDS, QUALIFICATION_LEVELS, RD_INSTITUTION_LEVELS
from .result import RuleSetRef

TIERS: Final = ("size", "pool", "innovative", "srdi", "little_giant")
SIZE_MEASURES: Final = ("staff", "revenue", "assets")


class RuleSetError(ValueError):
    """A rule-set file that does not follow the schema; names the file and the field."""

    def __init__(self, source: str, field: str, message: str) -> None:
        super().__init__(f"{source}: {field}: {message}")
        self.source = source
        self.field = field


@dataclass(frozen=True, slots=True)
class AwardSpec:
    kind: str
    levels: tuple[str, ...]
    max_rank: int | None  # None: any rank
    window_years: int  # the data year and the window_years - 1 before it

    def describe(self) -> str:
        rank = "" if self.max_rank is None else f", rank ≤ {self.max_rank}"
        return f"{self.kind} ({'/'.join(self.levels)}{rank}) in the last {self.window_years} years"


@dataclass(frozen=True, slots=True)
class QualificationSpec:
    kinds: tuple[str, ...]
    levels: tuple[str, ...] | None  # None: any level

    def describe(self) -> str:
        levels = "" if self.levels is None else f" ({'/'.join(self.levels)})"
        return f"valid {' or '.join(self.kinds)}{levels}"


@dataclass(frozen=True, slots=True)
class GroupSpec:
    key: str
    label: str
    maximum: int
    minimum: int | None


@dataclass(frozen=True, slots=True)
class SizeSpec:
    sme_if_any: Mapping[str, Decimal]  # measure -> ceiling (below it: an SME)
    medium_if_all: Mapping[str, Decimal]  # measure -> floor (at or above: medium)
    small_if_all: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    type: str
    value: Any
    citation: str
    unit: str | None = None
    unconfirmed: bool = False
    note: str | None = None

    @property
    def clause(self) -> str:
        return f"{self.citation} (unconfirmed)" if self.unconfirmed else self.citation


@dataclass(frozen=True, slots=True)
class RuleSet:
    id: str
    version: int
    title: str
    tier: str
    evaluator: str
    effective_from: date
    effective_to: date | None
    document: str
    parameters: Mapping[str, Parameter]
    district: str | None = None
    notes: tuple[str, ...] = ()
    source: str = "<memory>"

    def param(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise RuleSetError(self.source, f"parameters.{name}", "required") from None

    def value(self, name: str) -> Any:
        return self.param(name).value

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    @property
    def ref(self) -> RuleSetRef:
        return RuleSetRef(
            id=self.id,
            version=self.version,
            title=self.title,
            tier=self.tier,
            effective_from=self.effective_from,
            effective_to=self.effective_to,
            citation=self.document,
        )


# Parameters each evaluator reads. A name ending in "*" is a family: at least one such parameter.
_AWARD, _QUAL, _DEC, _INT, _TEXT, _LIST = "award", "qualification", "decimal", "integer", "text", "list"
EVALUATOR_PARAMETERS: Final[Mapping[str, Mapping[str, str]]] = {
    "size_class": {
        "industry_categories": "mapping",
        "outside_standard": _LIST,
        "default_category": _TEXT,
        "thresholds_*": "size_class",
    },
    "innovative": {
        "direct_st_award": _AWARD,
        "direct_qualifications": _QUAL,
        "direct_rd_institution_min_level": _TEXT,
        "direct_equity_financing_years": _INT,
        "direct_equity_financing_min": _DEC,
        "pass_mark": _INT,
        "groups": "groups",
        "ip_points": "cascade",
        "rd_ratio_points": "bands",
        "main_business_growth_points": "bands",
        "debt_ratio_points": "bands",
        "main_product_field_points": "cascade",
        "main_business_share_points": "bands",
    },
    "srdi_2022": {
        "niche_years_min": _DEC,
        "rd_expense_min": _DEC,
        "rd_ratio_min": _DEC,
        "revenue_min": _DEC,
        "equity_financing_years": _INT,
        "equity_financing_min_below_revenue": _DEC,
        "pass_mark": _INT,
        "groups": "groups",
        "alt_provincial_award": _AWARD,
        "alt_national_award": _AWARD,
        "alt_rd_average_years": _INT,
        "alt_rd_average_min": _DEC,
        "alt_equity_financing_min": _DEC,
        "alt_chuangke": _AWARD,
        "main_business_share_points": "bands",
        "main_business_growth_points": "bands",
        "niche_years_points": "bands",
        "main_product_field_points": "cascade",
        "digital_level_points": "bands",
        "quality_items": _LIST,
        "quality_points": "bands",
        "net_margin_points": "bands",
        "debt_ratio_points": "bands",
        "local_points_max": _INT,
        "ip_points": "cascade",
        "rd_amount_points": "bands",
        "rd_ratio_points": "bands",
        "rd_staff_share_points": "bands",
        "rd_institution_points": "levels",
    },
    "little_giant_2022": {
        "prerequisite": _QUAL,
        "niche_years_min": _DEC,
        "main_business_share_min": _DEC,
        "main_business_growth_min": _DEC,
        "quality_any_of": _LIST,
        "debt_ratio_max": _DEC,
        "digital_level_min": _DEC,
        "market_share_pct_min": _DEC,
        "direct_national_award": _AWARD,
        "rd_years": _INT,
        "rd_large_revenue_min": _DEC,
        "rd_large_ratio_min": _DEC,
        "rd_medium_revenue_min": _DEC,
        "rd_medium_ratio_min": _DEC,
        "rd_small_equity_financing_min": _DEC,
        "rd_small_rd_total_min": _DEC,
        "rd_small_rd_staff_share_min": _DEC,
        "rd_institution_min_level": _TEXT,
        "ip_class_i_min": _DEC,
        "brand_any_of": _LIST,
        "field_any_of": _LIST,
    },
    "srdi_2026": {
        "prerequisite": _QUAL,
        "niche_years_min": _DEC,
        "revenue_min": _DEC,
        "equity_financing_years": _INT,
        "equity_financing_min": _DEC,
        "main_business_share_min": _DEC,
        "debt_ratio_max": _DEC,
        "rd_years": _INT,
        "rd_expense_min": _DEC,
        "rd_ratio_min": _DEC,
        "ip_class_i_min": _DEC,
        "ip_waiver_award": _AWARD,
        "ip_waiver_rd_institution_min_level": _TEXT,
        "development_score_min": _DEC,
        "market_check": _TEXT,
    },
    "little_giant_2026": {
        "prerequisite": _QUAL,
        "niche_years_min": _DEC,
        "revenue_min": _DEC,
        "main_business_share_min": _DEC,
        "compound_growth_years": _INT,
        "compound_growth_min": _DEC,
        "debt_ratio_max": _DEC,
        "rd_years": _INT,
        "rd_total_min": _DEC,
        "rd_ratio_min": _DEC,
        "ip_self_developed_min": _DEC,
        "ip_waiver_award": _AWARD,
        "market_share_pct_min": _DEC,
        "market_rank_max": _DEC,
        "field_any_of": _LIST,
        "development_score_min": _DEC,
        "review_development_score_years": _INT,
    },
    "pool": {
        "district_code": _TEXT,
        "registered_years_min": _DEC,
        "legal_person_any_of": _LIST,
        "size_ruleset": _TEXT,
        "scope_prefixes": _LIST,
        "rd_ratio_min": _DEC,
        "revenue_min": _DEC,
        "items_required": _INT,
        "item_revenue_min": _DEC,
        "item_growth_min": _DEC,
        "item_debt_ratio_max": _DEC,
    },
}

_TOP_KEYS: Final = frozenset(
    {
        "id",
        "version",
        "title",
        "tier",
        "evaluator",
        "effective_from",
        "effective_to",
        "document",
        "district",
        "notes",
        "parameters",
    }
)
_PARAM_KEYS: Final = frozenset({"type", "value", "citation", "unit", "unconfirmed", "note"})


def parse_ruleset(data: Any, source: str) -> RuleSet:
    """Validate a rule set read from a file into a RuleSet; raise RuleSetError naming the field."""
    if not isinstance(data, Mapping):
        raise RuleSetError(source, "<root>", "expected a mapping")
    for key in data:
        if key not in _TOP_KEYS:
            raise RuleSetError(source, str(key), "unknown field")
    rid = _required_text(data, "id", source)
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise RuleSetError(source, "version", f"expected a positive integer, got {version!r}")
    tier = _required_text(data, "tier", source)
    if tier not in TIERS:
        raise RuleSetError(source, "tier", f"expected one of {', '.join(TIERS)}, got {tier!r}")
    evaluator = _required_text(data, "evaluator", source)
    if evaluator not in EVALUATOR_PARAMETERS:
        raise RuleSetError(source, "evaluator", f"unknown evaluator {evaluator!r}")
    effective_from = _date(data.get("effective_from"), source, "effective_from")
    if effective_from is None:
        raise RuleSetError(source, "effective_from", "required")
    effective_to = _date(data.get("effective_to"), source, "effective_to")
    if effective_to is not None and effective_to < effective_from:
        raise RuleSetError(source, "effective_to", "before effective_from")
    district = data.get("district")
    if district is not None and not isinstance(district, str):
        raise RuleSetError(source, "district", "expected text")
    notes = data.get("notes") or []
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise RuleSetError(source, "notes", "expected a list of text")
    raw_params = data.get("parameters")
    if not isinstance(raw_params, Mapping) or not raw_params:
        raise RuleSetError(source, "parameters", "expected a non-empty mapping")
    parameters = {
        str(name): _parameter(str(name), raw, source, f"parameters.{name}") for name, raw in raw_params.items()
    }
    _check_required(parameters, EVALUATOR_PARAMETERS[evaluator], source)
    return RuleSet(
        id=rid,
        version=version,
        title=_required_text(data, "title", source),
        tier=tier,
        evaluator=evaluator,
        effective_from=effective_from,
        effective_to=effective_to,
        document=_required_text(data, "document", source),
        parameters=parameters,
        district=district,
        notes=tuple(notes),
        source=source,
    )


def _check_required(parameters: Mapping[str, Parameter], required: Mapping[str, str], source: str) -> None:
    families = {name[:-1]: kind for name, kind in required.items() if name.endswith("*")}
    for name, kind in required.items():
        if name.endswith("*"):
            if not any(p.startswith(name[:-1]) for p in parameters):
                raise RuleSetError(source, f"parameters.{name}", "at least one required")
            continue
        if name not in parameters:
            raise RuleSetError(source, f"parameters.{name}", "required")
        if parameters[name].type != kind:
            raise RuleSetError(source, f"parameters.{name}.type", f"expected {kind}, got {parameters[name].type}")
    for name, parameter in parameters.items():
        family = next((kind for prefix, kind in families.items() if name.startswith(prefix)), None)
        if family is not None:
            if parameter.type != family:
                raise RuleSetError(source, f"parameters.{name}.type", f"expected {family}, got {parameter.type}")
        elif name not in required:
            raise RuleSetError(source, f"parameters.{name}", "unknown parameter for this evaluator")


def _required_text(data: Mapping[str, Any], key: str, source: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RuleSetError(source, key, "required text")
    return value


def _date(value: Any, source: str, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # type: ignore[attr-defined]
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise RuleSetError(source, where, f"not a date (YYYY-MM-DD): {value!r}")


def _parameter(name: str, raw: Any, source: str, where: str) -> Parameter:
    if not isinstance(raw, Mapping):
        raise RuleSetError(source, where, "expected a mapping with type, value and citation")
    for key in raw:
        if key not in _PARAM_KEYS:
            raise RuleSetError(source, f"{where}.{key}", "unknown field")
    kind = raw.get("type")
    if kind not in PARAMETER_TYPES:
        raise RuleSetError(source, f"{where}.type", f"unknown type {kind!r} (one of {', '.join(PARAMETER_TYPES)})")
    citation = raw.get("citation")
    if not isinstance(citation, str) or not citation.strip():
        raise RuleSetError(source, f"{where}.citation", "required: the document and clause")
    if "value" not in raw:
        raise RuleSetError(source, f"{where}.value", "required")
    unconfirmed = raw.get("unconfirmed", False)
    if not isinstance(unconfirmed, bool):
        raise RuleSetError(source, f"{where}.unconfirmed", "expected true or false")
    for key in ("unit", "note"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise RuleSetError(source, f"{where}.{key}", "expected text")
    value = PARAMETER_TYPES[kind](raw["value"], _At(source, f"{where}.value"))
    return Parameter(
        name=name,
        type=kind,
        value=value,
        citation=citation,
        unit=raw.get("unit"),
        unconfirmed=unconfirmed,
        note=raw.get("note"),
    )


@dataclass(frozen=True, slots=True)
class _At:
    source: str
    where: str

    def error(self, message: str, sub: str = "") -> RuleSetError:
        return RuleSetError(self.source, self.where + sub, message)


def _to_decimal(value: Any, at: _At, sub: str = "") -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise at.error(f"expected a number, got {value!r}", sub)
    try:
        result = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise at.error(f"not a number: {value!r}", sub) from None
    if not result.is_finite():
        raise at.error(f"not a finite number: {value!r}", sub)
    return result


def _to_int(value: Any, at: _At, sub: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise at.error(f"expected an integer, got {value!r}", sub)
    return value


def _to_text(value: Any, at: _At, sub: str = "") -> str:
    if not isinstance(value, str) or not value:
        raise at.error(f"expected text, got {value!r}", sub)
    return value


def _to_list(value: Any, at: _At) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise at.error("expected a non-empty list")
    return tuple(_to_text(v, at, f"[{i}]") for i, v in enumerate(value))


def _to_mapping(value: Any, at: _At) -> Mapping[str, str]:
    if not isinstance(value, Mapping) or not value:
        raise at.error("expected a non-empty mapping")
    return {_to_text(k, at, f".{k}"): _to_text(v, at, f".{k}") for k, v in value.items()}


def _keys(value: Any, at: _At, allowed: set[str], required: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise at.error("expected a mapping")
    for key in value:
        if key not in allowed:
            raise at.error("unknown field", f".{key}")
    for key in required:
        if key not in value:
            raise at.error("required", f".{key}")
    return value


def _to_bands(value: Any, at: _At) -> BandTable:
    data = _keys(value, at, {"compare", "steps", "else"}, {"compare", "steps", "else"})
    compare = data["compare"]
    if compare not in ("ge", "le"):
        raise at.error(f"expected ge or le, got {compare!r}", ".compare")
    steps = data["steps"]
    if not isinstance(steps, list) or not steps:
        raise at.error("expected a non-empty list of [threshold, points]", ".steps")
    thresholds: list[Decimal] = []
    points: list[int] = []
    for i, step in enumerate(steps):
        if not isinstance(step, list) or len(step) != 2:
            raise at.error("expected [threshold, points]", f".steps[{i}]")
        thresholds.append(_to_decimal(step[0], at, f".steps[{i}][0]"))
        points.append(_to_int(step[1], at, f".steps[{i}][1]"))
    else_points = _to_int(data["else"], at, ".else")
    for i in range(1, len(steps)):
        better = thresholds[i - 1] > thresholds[i] if compare == "ge" else thresholds[i - 1] < thresholds[i]
        if not better:
            raise at.error("thresholds must run from the best band to the worst", f".steps[{i}]")
        if points[i - 1] <= points[i]:
            raise at.error("points must fall from the best band to the worst", f".steps[{i}]")
    if else_points >= points[-1]:
        raise at.error("must be fewer points than the last band", ".else")
    return BandTable(compare, tuple(thresholds), tuple(points), else_points)


def _to_cascade(value: Any, at: _At) -> Cascade:
    data = _keys(value, at, {"steps", "else"}, {"steps", "else"})
    steps = data["steps"]
    if not isinstance(steps, list) or not steps:
        raise at.error("expected a non-empty list", ".steps")
    result: list[CascadeStep] = []
    for i, raw in enumerate(steps):
        step = _keys(raw, at, {"inputs", "at_least", "points"}, {"inputs", "points"})
        step_at = _At(at.source, f"{at.where}.steps[{i}].inputs")
        result.append(
            CascadeStep(
                inputs=_to_list(step["inputs"], step_at),
                at_least=_to_decimal(step.get("at_least", 1), at, f".steps[{i}].at_least"),
                points=_to_int(step["points"], at, f".steps[{i}].points"),
            )
        )
    return Cascade(tuple(result), _to_int(data["else"], at, ".else"))


def _to_levels(value: Any, at: _At) -> LevelTable:
    if not isinstance(value, Mapping):
        raise at.error("expected a mapping of level to points")
    points = {str(k): _to_int(v, at, f".{k}") for k, v in value.items()}
    if set(points) != set(RD_INSTITUTION_LEVELS):
        raise at.error(f"expected exactly the levels {', '.join(RD_INSTITUTION_LEVELS)}")
    return LevelTable({level: points[level] for level in RD_INSTITUTION_LEVELS})


def _to_award(value: Any, at: _At) -> AwardSpec:
    data = _keys(value, at, {"kind", "levels", "max_rank", "window_years"}, {"kind", "levels", "window_years"})
    kind = data["kind"]
    if kind not in AWARD_LEVELS:
        raise at.error(f"unknown award kind {kind!r}", ".kind")
    levels = _to_list(data["levels"], _At(at.source, f"{at.where}.levels"))
    for level in levels:
        if level not in AWARD_LEVELS[kind]:
            raise at.error(f"unknown level {level!r} for {kind}", ".levels")
    max_rank = data.get("max_rank")
    if max_rank is not None:
        max_rank = _to_int(max_rank, at, ".max_rank")
    window = _to_int(data["window_years"], at, ".window_years")
    if window < 1:
        raise at.error("must be at least 1", ".window_years")
    return AwardSpec(kind, levels, max_rank, window)


def _to_qualification(value: Any, at: _At) -> QualificationSpec:
    data = _keys(value, at, {"kinds", "levels"}, {"kinds"})
    kinds = _to_list(data["kinds"], _At(at.source, f"{at.where}.kinds"))
    for kind in kinds:
        if kind not in QUALIFICATION_KINDS:
            raise at.error(f"unknown qualification kind {kind!r}", ".kinds")
    levels = None
    if data.get("levels") is not None:
        levels = _to_list(data["levels"], _At(at.source, f"{at.where}.levels"))
        for level in levels:
            if level not in QUALIFICATION_LEVELS:
                raise at.error(f"unknown level {level!r}", ".levels")
    return QualificationSpec(kinds, levels)


def _to_groups(value: Any, at: _At) -> tuple[GroupSpec, ...]:
    if not isinstance(value, list) or not value:
        raise at.error("expected a non-empty list of groups")
    groups: list[GroupSpec] = []
    for i, raw in enumerate(value):
        data = _keys(raw, at, {"key", "label", "maximum", "minimum"}, {"key", "label", "maximum"})
        minimum = data.get("minimum")
        groups.append(
            GroupSpec(
                key=_to_text(data["key"], at, f"[{i}].key"),
                label=_to_text(data["label"], at, f"[{i}].label"),
                maximum=_to_int(data["maximum"], at, f"[{i}].maximum"),
                minimum=None if minimum is None else _to_int(minimum, at, f"[{i}].minimum"),
            )
        )
    if len({g.key for g in groups}) != len(groups):
        raise at.error("group keys must be unique")
    return tuple(groups)


def _to_size_class(value: Any, at: _At) -> SizeSpec:
    keys = {"sme_if_any", "medium_if_all", "small_if_all"}
    data = _keys(value, at, keys, keys)
    parts: dict[str, dict[str, Decimal]] = {}
    for key in ("sme_if_any", "medium_if_all", "small_if_all"):
        raw = data[key]
        if not isinstance(raw, Mapping) or not raw:
            raise at.error("expected a mapping of staff/revenue/assets to a number", f".{key}")
        part: dict[str, Decimal] = {}
        for measure, number in raw.items():
            if measure not in SIZE_MEASURES:
                raise at.error(f"unknown measure {measure!r} (staff, revenue, assets)", f".{key}")
            part[measure] = _to_decimal(number, at, f".{key}.{measure}")
        parts[key] = part
    if set(parts["medium_if_all"]) != set(parts["small_if_all"]):
        raise at.error("medium and small floors must name the same measures", ".small_if_all")
    for measure, floor in parts["small_if_all"].items():
        if floor > parts["medium_if_all"][measure]:
            raise at.error(f"small floor above the medium floor for {measure}", ".small_if_all")
    return SizeSpec(parts["sme_if_any"], parts["medium_if_all"], parts["small_if_all"])


PARAMETER_TYPES: Final = {
    "decimal": _to_decimal,
    "integer": _to_int,
    "text": _to_text,
    "list": _to_list,
    "mapping": _to_mapping,
    "bands": _to_bands,
    "cascade": _to_cascade,
    "levels": _to_levels,
    "award": _to_award,
    "qualification": _to_qualification,
    "groups": _to_groups,
    "size_class": _to_size_class,
}
