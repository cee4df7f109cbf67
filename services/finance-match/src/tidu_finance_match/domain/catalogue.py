"""Institutions and products: the catalogue as data, loaded and validated with clear errors.

The file format is the one of ``reference/products.yaml`` (a copy of
``shared/data/products.yaml``): ``institutions`` and ``products`` lists.
Amounts in 万元, terms in months (fractions allowed), rates and fees in percent
a year, all parsed to ``Decimal`` (YAML floats go through ``str`` so ``3.6``
stays ``3.6``).

Validation collects *every* problem (``products[3].gates.min_credit_grade:
unknown credit grade 'Z'``) and raises one :class:`CatalogueError`. Unknown
keys are errors, with a "did you mean" hint: a misspelt gate must never be
silently dropped, since that would widen who a product matches.

Decisions where the brief or the data were silent:

- Optional product keys beyond the demo file: ``valid_from`` / ``valid_to``
  (the validity window, inclusive; absent = open), ``tier_exclusive`` (bool),
  ``subsidy``. Optional institution key: ``first_response_working_days``
  (default 3), the working days an institution has to accept or decline a
  pushed demand.
- Envelopes: loans and bridge funds need ``amount``, ``term_months`` and
  ``rate_pct``; guarantees need ``amount``, ``term_months`` and ``fee_pct``;
  equity funds and listing services need none.
- ``collateral: receivables`` implies the ``requires_confirmed_receivable``
  gate and ``collateral: as_existing`` implies ``requires_existing_loan``;
  mortgage / IP pledge / counter-guarantee / equipment / equity pledge imply
  the ``collateral`` gate (the demand must offer that security).
- A product is *tier-exclusive* (ranked first) when its data says so or, by
  default, when it has a ``qualifications_any`` gate that accepts only tiers of
  the cultivation ladder (科技型 / 创新型 / 专精特新 / 小巨人 / 单项冠军). So
  专精特新贷, 小巨人贷, the 专精特新 fund and board are exclusive;
  知识价值信用贷 (also open to 高新技术企业) and the policy guarantee are not.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from tidu_finance_match.domain.credit_grades import is_valid_grade, normalize_grade
from tidu_finance_match.domain.errors import CatalogueError
from tidu_finance_match.domain.gates import Check, CheckKeys, Gates, check_keys, compile_checks
from tidu_finance_match.domain.vocabulary import (
    QUALIFICATION_KINDS,
    TIER_QUALIFICATIONS,
    CollateralKind,
    InstitutionKind,
    ProductKind,
    Purpose,
    SizeClass,
)

DEFAULT_FIRST_RESPONSE_WORKING_DAYS = 3


@dataclass(frozen=True, slots=True)
class DecimalRange:
    min: Decimal | None
    max: Decimal | None

    def contains(self, value: Decimal) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    @property
    def midpoint(self) -> Decimal | None:
        if self.min is None or self.max is None:
            return self.min if self.max is None else self.max
        return (self.min + self.max) / 2


@dataclass(frozen=True, slots=True)
class Subsidy:
    interest_subsidy_share: Decimal | None = None
    cap_pct_of_loan: Decimal | None = None
    cap_per_project_year: Decimal | None = None
    """万元."""


@dataclass(frozen=True, slots=True)
class Institution:
    code: str
    name: str
    kind: InstitutionKind
    first_response_working_days: int = DEFAULT_FIRST_RESPONSE_WORKING_DAYS
    notes: str = ""


class RankingInputs(NamedTuple):
    """Product figures the ranking reads, as floats, computed once at load (scores are not money)."""

    amount_max: float | None
    term_min: float | None
    term_max: float | None
    cost_mid: float | None
    """Mid-point of the rate (loans, bridge funds) or fee (guarantees) envelope, % a year."""


@dataclass(frozen=True, slots=True)
class Product:
    code: str
    name: str
    kind: ProductKind
    institution_code: str
    gates: Gates = field(default_factory=Gates)
    collateral: CollateralKind | None = None
    amount: DecimalRange | None = None
    """万元."""
    term_months: DecimalRange | None = None
    rate_pct: DecimalRange | None = None
    fee_pct: DecimalRange | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    tier_exclusive: bool | None = None
    """``None`` at construction = derive from the qualification gate (see module docstring)."""
    notes: str = ""
    subsidy: Subsidy | None = None
    checks: tuple[Check, ...] = field(init=False, repr=False, compare=False)
    check_keys: CheckKeys = field(init=False, repr=False, compare=False)
    """The checks' shared keys (what a matching run looks each gate's result up by)."""
    ranking: RankingInputs = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.tier_exclusive is None:
            quals = self.gates.qualifications_any
            object.__setattr__(self, "tier_exclusive", bool(quals) and set(quals) <= TIER_QUALIFICATIONS)
        object.__setattr__(
            self,
            "checks",
            compile_checks(
                self.gates,
                kind=self.kind,
                min_amount=self.amount.min if self.amount is not None else None,
                valid_from=self.valid_from,
                valid_to=self.valid_to,
                collateral=self.collateral,
            ),
        )
        object.__setattr__(self, "check_keys", check_keys(self.checks))
        cost = self.cost_pct
        mid = cost.midpoint if cost is not None else None
        object.__setattr__(
            self,
            "ranking",
            RankingInputs(
                amount_max=_float(self.amount.max if self.amount is not None else None),
                term_min=_float(self.term_months.min if self.term_months is not None else None),
                term_max=_float(self.term_months.max if self.term_months is not None else None),
                cost_mid=_float(mid),
            ),
        )

    @property
    def cost_pct(self) -> DecimalRange | None:
        """The price envelope: the rate for loans and bridge funds, the fee for guarantees."""
        return self.rate_pct if self.rate_pct is not None else self.fee_pct


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


@dataclass(frozen=True, slots=True)
class Catalogue:
    institutions: tuple[Institution, ...]
    products: tuple[Product, ...]
    _institutions_by_code: Mapping[str, Institution] = field(init=False, repr=False, compare=False)
    _products_by_code: Mapping[str, Product] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_institutions_by_code", {i.code: i for i in self.institutions})
        object.__setattr__(self, "_products_by_code", {p.code: p for p in self.products})

    def institution(self, code: str) -> Institution:
        return self._institutions_by_code[code]

    def product(self, code: str) -> Product:
        return self._products_by_code[code]

    def products_of(self, institution_code: str) -> tuple[Product, ...]:
        return tuple(p for p in self.products if p.institution_code == institution_code)


# --- parsing ----------------------------------------------------------------------------------------

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_REGION_PREFIX = re.compile(r"^[0-9]{1,6}$")
_INDUSTRY_PREFIX = re.compile(r"^[A-T][0-9]{0,4}$")

TOP_KEYS = frozenset({"institutions", "products"})
INSTITUTION_KEYS = frozenset({"code", "name", "kind", "first_response_working_days", "notes"})
PRODUCT_KEYS = frozenset(
    {
        "code",
        "name",
        "kind",
        "institution",
        "collateral",
        "amount",
        "term_months",
        "rate_pct",
        "fee_pct",
        "gates",
        "notes",
        "subsidy",
        "valid_from",
        "valid_to",
        "tier_exclusive",
    }
)
GATE_KEYS = frozenset(Gates.__dataclass_fields__)
RANGE_KEYS = frozenset({"min", "max"})
SUBSIDY_KEYS = frozenset(Subsidy.__dataclass_fields__)

_ENVELOPES_REQUIRED: dict[ProductKind, tuple[str, ...]] = {
    ProductKind.LOAN: ("amount", "term_months", "rate_pct"),
    ProductKind.BRIDGE_FUND: ("amount", "term_months", "rate_pct"),
    ProductKind.GUARANTEE: ("amount", "term_months", "fee_pct"),
    ProductKind.EQUITY_FUND: (),
    ProductKind.LISTING_SERVICE: (),
}


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")


def _check_keys(p: _Problems, path: str, data: Mapping[str, Any], allowed: frozenset[str]) -> None:
    for key in data:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            suffix = f" (did you mean {hint[0]!r}?)" if hint else f" (allowed: {', '.join(sorted(allowed))})"
            p.add(f"{path}.{key}", f"unknown key{suffix}")


def _decimal(
    p: _Problems, path: str, value: Any, *, low: Decimal | None = Decimal(0), high: Decimal | None = None
) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        p.add(path, f"expected a number, got {value!r}")
        return None
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        p.add(path, f"expected a number, got {value!r}")
        return None
    if not d.is_finite():
        p.add(path, f"expected a finite number, got {value!r}")
        return None
    if low is not None and d < low:
        p.add(path, f"must be ≥ {low}, got {value!r}")
        return None
    if high is not None and d > high:
        p.add(path, f"must be ≤ {high}, got {value!r}")
        return None
    return d


def _int(p: _Problems, path: str, value: Any, *, low: int = 0) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        p.add(path, f"expected a whole number, got {value!r}")
        return None
    if value < low:
        p.add(path, f"must be ≥ {low}, got {value!r}")
        return None
    return value


def _str(p: _Problems, path: str, value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        p.add(path, f"expected non-empty text, got {value!r}")
        return None
    return value.strip()


def _bool(p: _Problems, path: str, value: Any) -> bool | None:
    if not isinstance(value, bool):
        p.add(path, f"expected true or false, got {value!r}")
        return None
    return value


def _date(p: _Problems, path: str, value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    p.add(path, f"expected a date (YYYY-MM-DD), got {value!r}")
    return None


def _enum(p: _Problems, path: str, value: Any, enum: type[Any]) -> Any:
    try:
        return enum(value)
    except ValueError:
        p.add(path, f"unknown value {value!r}; expected one of {', '.join(e.value for e in enum)}")
        return None


def _str_list(p: _Problems, path: str, value: Any) -> list[str] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        p.add(path, f"expected a non-empty list, got {value!r}")
        return None
    out = []
    for i, item in enumerate(value):
        if isinstance(item, int) and not isinstance(item, bool):
            item = str(item)
        s = _str(p, f"{path}[{i}]", item)
        if s is not None:
            out.append(s)
    return out


def _range(p: _Problems, path: str, value: Any, *, high: Decimal | None = None) -> DecimalRange | None:
    if not isinstance(value, Mapping):
        p.add(path, f"expected {{min, max}}, got {value!r}")
        return None
    _check_keys(p, path, value, RANGE_KEYS)
    if "min" not in value and "max" not in value:
        p.add(path, "needs min and/or max")
        return None
    lo = _decimal(p, f"{path}.min", value["min"], high=high) if "min" in value else None
    hi = _decimal(p, f"{path}.max", value["max"], high=high) if "max" in value else None
    if lo is not None and hi is not None and lo > hi:
        p.add(path, f"min {lo} is greater than max {hi}")
        return None
    return DecimalRange(lo, hi)


def _gates(p: _Problems, path: str, data: Any) -> Gates:
    if data is None:
        return Gates()
    if not isinstance(data, Mapping):
        p.add(path, f"expected a mapping of gates, got {data!r}")
        return Gates()
    _check_keys(p, path, data, GATE_KEYS)
    kw: dict[str, Any] = {}
    hundred = Decimal(100)
    for key, value in data.items():
        at = f"{path}.{key}"
        if key in ("region_prefix", "industry_prefix", "eligible_any"):
            items = _str_list(p, at, value)
            if items is None:
                continue
            pattern = {"region_prefix": _REGION_PREFIX, "industry_prefix": _INDUSTRY_PREFIX}.get(key)
            bad = [s for s in items if pattern is not None and not pattern.match(s)]
            for s in bad:
                what = "GB/T 2260 digits" if key == "region_prefix" else "a GB/T 4754 section letter and digits"
                p.add(at, f"{s!r} is not a prefix of {what}")
            if not bad:
                kw[key] = tuple(items)
        elif key in ("qualifications_any", "size_class_any", "purpose_any"):
            items = _str_list(p, at, value)
            if items is None:
                continue
            if key == "qualifications_any":
                allowed = QUALIFICATION_KINDS
            elif key == "size_class_any":
                allowed = frozenset(s.value for s in SizeClass)
            else:
                allowed = frozenset(s.value for s in Purpose)
            unknown = [s for s in items if s not in allowed]
            for s in unknown:
                hint = difflib.get_close_matches(s, sorted(allowed), n=1)
                p.add(at, f"unknown value {s!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""))
            if not unknown:
                kw[key] = tuple(Purpose(s) for s in items) if key == "purpose_any" else tuple(items)
        elif key in ("min_years_established", "min_ip_class_i", "min_ip_class_ii", "min_ip_class_i_or_ii"):
            n = _int(p, at, value)
            if n is not None:
                kw[key] = n
        elif key == "min_operating_revenue":
            d = _decimal(p, at, value)
            if d is not None:
                kw[key] = d
        elif key in ("max_debt_ratio_pct", "min_rd_ratio_pct"):
            d = _decimal(p, at, value, high=hundred)
            if d is not None:
                kw[key] = d
        elif key == "min_credit_grade":
            if not isinstance(value, str) or not is_valid_grade(value):
                p.add(at, f"unknown credit grade {value!r}; expected AAA, AA, A, BBB, BB, B, CCC, CC, C or D")
            else:
                kw[key] = normalize_grade(value)
        elif key in ("requires_confirmed_receivable", "requires_existing_loan"):
            b = _bool(p, at, value)
            if b is not None:
                kw[key] = b
    return Gates(**kw)


def _institution(p: _Problems, path: str, data: Any) -> Institution | None:
    if not isinstance(data, Mapping):
        p.add(path, f"expected a mapping, got {data!r}")
        return None
    _check_keys(p, path, data, INSTITUTION_KEYS)
    before = len(p.items)
    code = _str(p, f"{path}.code", data.get("code"))
    if code is not None and not _CODE.match(code):
        p.add(f"{path}.code", f"{code!r} must be lower-case letters, digits, '-' or '_'")
    name = _str(p, f"{path}.name", data.get("name"))
    kind = _enum(p, f"{path}.kind", data.get("kind"), InstitutionKind)
    days = DEFAULT_FIRST_RESPONSE_WORKING_DAYS
    if "first_response_working_days" in data:
        days = _int(p, f"{path}.first_response_working_days", data["first_response_working_days"], low=1) or days
    notes = data.get("notes", "")
    if not isinstance(notes, str):
        p.add(f"{path}.notes", "expected text")
    if len(p.items) > before or code is None or name is None or kind is None:
        return None
    return Institution(code=code, name=name, kind=kind, first_response_working_days=days, notes=notes.strip())


def _product(p: _Problems, path: str, data: Any, institution_codes: set[str]) -> Product | None:
    if not isinstance(data, Mapping):
        p.add(path, f"expected a mapping, got {data!r}")
        return None
    _check_keys(p, path, data, PRODUCT_KEYS)
    before = len(p.items)
    code = _str(p, f"{path}.code", data.get("code"))
    if code is not None and not _CODE.match(code):
        p.add(f"{path}.code", f"{code!r} must be lower-case letters, digits, '-' or '_'")
    name = _str(p, f"{path}.name", data.get("name"))
    kind = _enum(p, f"{path}.kind", data.get("kind"), ProductKind)
    inst = _str(p, f"{path}.institution", data.get("institution"))
    if inst is not None and inst not in institution_codes:
        hint = difflib.get_close_matches(inst, sorted(institution_codes), n=1)
        p.add(
            f"{path}.institution",
            f"unknown institution {inst!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""),
        )
    collateral = None
    if "collateral" in data:
        collateral = _enum(p, f"{path}.collateral", data["collateral"], CollateralKind)
    envelopes: dict[str, DecimalRange | None] = {}
    for key in ("amount", "term_months", "rate_pct", "fee_pct"):
        if key in data:
            envelopes[key] = _range(p, f"{path}.{key}", data[key], high=Decimal(100) if key.endswith("_pct") else None)
    if kind is not None:
        for key in _ENVELOPES_REQUIRED[kind]:
            if key not in data:
                p.add(f"{path}.{key}", f"required for a {kind.value} product")
    term = envelopes.get("term_months")
    if term is not None and term.min is not None and term.min <= 0:
        p.add(f"{path}.term_months.min", "must be greater than 0")
    gates = _gates(p, f"{path}.gates", data.get("gates"))
    valid_from = _date(p, f"{path}.valid_from", data["valid_from"]) if "valid_from" in data else None
    valid_to = _date(p, f"{path}.valid_to", data["valid_to"]) if "valid_to" in data else None
    if valid_from is not None and valid_to is not None and valid_from > valid_to:
        p.add(f"{path}.valid_to", f"{valid_to} is before valid_from {valid_from}")
    tier_exclusive = None
    if "tier_exclusive" in data:
        tier_exclusive = _bool(p, f"{path}.tier_exclusive", data["tier_exclusive"])
    subsidy = None
    if "subsidy" in data:
        raw = data["subsidy"]
        if not isinstance(raw, Mapping):
            p.add(f"{path}.subsidy", f"expected a mapping, got {raw!r}")
        else:
            _check_keys(p, f"{path}.subsidy", raw, SUBSIDY_KEYS)
            subsidy = Subsidy(**{k: _decimal(p, f"{path}.subsidy.{k}", v) for k, v in raw.items() if k in SUBSIDY_KEYS})
    notes = data.get("notes", "")
    if not isinstance(notes, str):
        p.add(f"{path}.notes", "expected text")
        notes = ""
    if len(p.items) > before or code is None or name is None or kind is None or inst is None:
        return None
    return Product(
        code=code,
        name=name,
        kind=kind,
        institution_code=inst,
        gates=gates,
        collateral=collateral,
        amount=envelopes.get("amount"),
        term_months=term,
        rate_pct=envelopes.get("rate_pct"),
        fee_pct=envelopes.get("fee_pct"),
        valid_from=valid_from,
        valid_to=valid_to,
        tier_exclusive=tier_exclusive,
        notes=notes.strip(),
        subsidy=subsidy,
    )


def _list(p: _Problems, data: Mapping[str, Any], key: str) -> Iterable[Any]:
    value = data.get(key)
    if value is None:
        p.add(key, "missing (expected a list)")
        return []
    if not isinstance(value, list):
        p.add(key, f"expected a list, got {type(value).__name__}")
        return []
    return value


def parse_catalogue(data: Any, *, source: str = "<data>") -> Catalogue:
    """Validate products.yaml-shaped data; raise :class:`CatalogueError` listing every problem."""
    p = _Problems()
    if not isinstance(data, Mapping):
        raise CatalogueError(
            [f"<root>: expected a mapping with institutions and products, got {data!r}"], source=source
        )
    _check_keys(p, "<root>", data, TOP_KEYS)
    institutions: list[Institution] = []
    seen: set[Any] = set()
    for i, raw in enumerate(_list(p, data, "institutions")):
        code = raw.get("code") if isinstance(raw, Mapping) else None
        if code is not None and code in seen:
            p.add(f"institutions[{i}].code", f"duplicate institution code {code!r}")
            continue
        seen.add(code)
        inst = _institution(p, f"institutions[{i}]", raw)
        if inst is not None:
            institutions.append(inst)
    institution_codes = {c for c in seen if isinstance(c, str)}
    products: list[Product] = []
    product_codes: set[Any] = set()
    for i, raw in enumerate(_list(p, data, "products")):
        code = raw.get("code") if isinstance(raw, Mapping) else None
        if code is not None and code in product_codes:
            p.add(f"products[{i}].code", f"duplicate product code {code!r}")
            continue
        product_codes.add(code)
        product = _product(p, f"products[{i}]", raw, institution_codes)
        if product is not None:
            products.append(product)
    if p.items:
        raise CatalogueError(p.items, source=source)
    return Catalogue(institutions=tuple(institutions), products=tuple(products))


def load_catalogue(path: str | Path) -> Catalogue:
    """Load and validate a catalogue file (YAML or JSON)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError([f"<file>: not valid YAML: {exc}"], source=str(path)) from exc
    return parse_catalogue(data, source=str(path))


def reference_catalogue_text() -> str:
    return resources.files("tidu_finance_match").joinpath("reference", "products.yaml").read_text(encoding="utf-8")


def load_reference_catalogue() -> Catalogue:
    """The demo catalogue shipped with the service (``reference/products.yaml``)."""
    return parse_catalogue(yaml.safe_load(reference_catalogue_text()), source="reference/products.yaml")
