"""Typed inputs of an assessment (domain-rules §3) and their parsing from plain dicts.

The input dict has four keys, every field named exactly as the data dictionary names it::

    {
      "enterprise": {"uscc": ..., "name": ..., "district_code": "500114", "industry_code": "C3825",
                     "established_on": "2019-05-01", "independent_legal_person": true,
                     "niche_market_since": "2016-01-01", "own_brand": true,
                     "main_product": {"text": ..., "strategic_emerging": true, "six_foundations": false,
                                      "key_chain_link": false, "supplies_chain_leader": false}},
      "years": {"2024": {"operating_revenue": "3000", "rd_expense": "120", ...}, "2023": {...}},
      "qualifications": [{"kind": "high_tech", "level": "national", "granted_on": "2023-01-01",
                          "expires_on": "2025-12-31", "document_no": "..."}],
      "awards": [{"kind": "st_award", "level": "provincial", "rank": 2, "year": 2023},
                 {"kind": "chuangke", "level": "national_top500", "year": 2024}]
    }

``years`` may also be a list of rows each carrying ``"year"``. Every field may be absent or null:
absent means *unknown* (not zero, not false) for the enterprise and the yearly figures. The
qualification and award lists are closed: a qualification or award that is not listed is not held.
Money is in 万元 as Decimal (int, str or Decimal; a float is read through its shortest repr). Unknown
keys are rejected, so that a misspelt field cannot silently become a missing one.

One extension to §3: the qualification kind ``time_honoured_brand`` (中华老字号), which §6 indicator 4
of ``srdi-2022`` reads but the data dictionary does not list.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final

RD_INSTITUTION_LEVELS: Final = ("none", "below_city", "city", "provincial", "national")
QUALIFICATION_KINDS: Final = frozenset(
    {
        "high_tech",
        "tech_sme",
        "innovative_sme",
        "srdi_sme",
        "little_giant",
        "single_champion",
        "gazelle",
        "unicorn",
        "hard_tech",
        "ip_advantage",
        "ip_demonstration",
        "tech_innovation_demo",
        "listed",
        "regional_equity_listed",
        "time_honoured_brand",
    }
)
QUALIFICATION_LEVELS: Final = frozenset({"national", "provincial", "city", "district"})
AWARD_LEVELS: Final = {
    "st_award": frozenset({"national", "provincial"}),
    "chuangke": frozenset({"national_top500", "national_top50"}),
}
MAIN_PRODUCT_FLAGS: Final = ("strategic_emerging", "six_foundations", "key_chain_link", "supplies_chain_leader")


class InputError(ValueError):
    """The input dict does not follow the data dictionary; the message names the field."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """What the engine knows about a yearly field: type, bounds, unit and bilingual label."""

    name: str
    kind: str  # "decimal" | "integer" | "flag" | "level"
    zh: str
    en: str
    unit: str  # display unit: 万元, 人, 件, 级, 分, %, or "" for flags and levels
    lo: Decimal | None = Decimal(0)  # None: unbounded below
    hi: Decimal | None = None


def _f(name: str, kind: str, zh: str, en: str, unit: str, lo: int | None = 0, hi: int | None = None) -> FieldSpec:
    return FieldSpec(name, kind, zh, en, unit, None if lo is None else Decimal(lo), None if hi is None else Decimal(hi))


YEAR_FIELDS: Final[Mapping[str, FieldSpec]] = {
    f.name: f
    for f in (
        _f("employees", "decimal", "从业人员", "employees", "人"),
        _f("rd_staff", "decimal", "研发人员", "R&D staff", "人"),
        _f("operating_revenue", "decimal", "营业收入", "operating revenue", "万元"),
        _f("main_business_revenue", "decimal", "主营业务收入", "main-business revenue", "万元"),
        _f("net_profit", "decimal", "净利润", "net profit", "万元", lo=None),
        _f("total_assets", "decimal", "资产总额", "total assets", "万元"),
        _f("total_liabilities", "decimal", "负债总额", "total liabilities", "万元"),
        _f("rd_expense", "decimal", "研发费用", "R&D expense", "万元"),
        _f("equity_financing", "decimal", "新增股权融资", "new equity financing", "万元"),
        _f("ip_class_i", "integer", "Ⅰ类知识产权", "class I IP", "件"),
        _f("ip_class_i_self_developed", "integer", "自主研发Ⅰ类知识产权", "self-developed class I IP", "件"),
        _f("ip_class_i_high_value", "integer", "Ⅰ类高价值知识产权", "high-value class I IP", "件"),
        _f("ip_class_ii", "integer", "Ⅱ类知识产权", "class II IP", "件"),
        _f("digital_level", "integer", "数字化水平", "digital level", "级", hi=4),
        _f("quality_cert", "flag", "管理体系认证", "management-system certification", ""),
        _f("quality_award_provincial", "flag", "省级以上质量奖", "provincial-or-higher quality award", ""),
        _f("standards_drafted", "flag", "参与制修订标准", "took part in drafting standards", ""),
        _f("foreign_product_cert", "flag", "发达国家产品认证", "developed-market product certification", ""),
        _f("rd_institution_level", "level", "研发机构级别", "R&D institution level", ""),
        _f("market_share_pct", "decimal", "细分市场占有率", "national niche-market share", "%", hi=100),
        _f("market_rank_domestic", "integer", "国内市场排名", "domestic market rank", "名", lo=1),
        _f("development_score", "decimal", "专精特新发展评价得分", "development score", "分", hi=100),
        _f("srdi_local_score", "integer", "特色化指标得分", "特色化 (local) points", "分", hi=15),
    )
}

ENTERPRISE_FLAGS: Final = {
    "independent_legal_person": ("具有独立法人资格", "independent legal person"),
    "own_brand": ("拥有自主品牌", "own brand"),
}
MAIN_PRODUCT_LABELS: Final = {
    "strategic_emerging": ("主导产品属于战略性新兴产业", "main product in a strategic emerging industry"),
    "six_foundations": ("主导产品属于工业“六基”", "main product in the six industrial foundations"),
    "key_chain_link": ("主导产品在关键产业链环节补短板、锻长板、填空白", "main product on a key chain link"),
    "supplies_chain_leader": ("为产业链龙头企业配套", "supplies a chain leader"),
}
QUALIFICATION_LABELS: Final = {
    "high_tech": ("高新技术企业", "high-tech enterprise"),
    "tech_sme": ("科技型中小企业", "technology-based SME"),
    "innovative_sme": ("创新型中小企业", "innovative SME"),
    "srdi_sme": ("专精特新中小企业", "SRDI SME"),
    "little_giant": ("专精特新“小巨人”企业", "SRDI little giant"),
    "single_champion": ("制造业单项冠军", "manufacturing single champion"),
    "gazelle": ("瞪羚企业", "gazelle"),
    "unicorn": ("独角兽企业", "unicorn"),
    "hard_tech": ("硬科技企业", "hard-tech enterprise"),
    "ip_advantage": ("知识产权优势企业", "IP advantage enterprise"),
    "ip_demonstration": ("知识产权示范企业", "IP demonstration enterprise"),
    "tech_innovation_demo": ("国家级技术创新示范企业", "national technology-innovation demonstration enterprise"),
    "listed": ("上市企业", "listed company"),
    "regional_equity_listed": ("区域性股权市场挂牌企业", "listed on a regional equity market"),
    "time_honoured_brand": ("中华老字号", "China time-honoured brand"),
}


@dataclass(frozen=True, slots=True)
class MainProduct:
    text: str | None = None
    strategic_emerging: bool | None = None
    six_foundations: bool | None = None
    key_chain_link: bool | None = None
    supplies_chain_leader: bool | None = None


@dataclass(frozen=True, slots=True)
class Enterprise:
    uscc: str | None = None
    name: str | None = None
    district_code: str | None = None
    industry_code: str | None = None
    established_on: date | None = None
    independent_legal_person: bool | None = None
    niche_market_since: date | None = None
    main_product: MainProduct = MainProduct()
    own_brand: bool | None = None


@dataclass(frozen=True, slots=True)
class YearRow:
    """One enterprise's figures for one fiscal year; None = not known."""

    year: int
    employees: Decimal | None = None
    rd_staff: Decimal | None = None
    operating_revenue: Decimal | None = None
    main_business_revenue: Decimal | None = None
    net_profit: Decimal | None = None
    total_assets: Decimal | None = None
    total_liabilities: Decimal | None = None
    rd_expense: Decimal | None = None
    equity_financing: Decimal | None = None
    ip_class_i: Decimal | None = None
    ip_class_i_self_developed: Decimal | None = None
    ip_class_i_high_value: Decimal | None = None
    ip_class_ii: Decimal | None = None
    digital_level: Decimal | None = None
    quality_cert: bool | None = None
    quality_award_provincial: bool | None = None
    standards_drafted: bool | None = None
    foreign_product_cert: bool | None = None
    rd_institution_level: str | None = None
    market_share_pct: Decimal | None = None
    market_rank_domestic: Decimal | None = None
    development_score: Decimal | None = None
    srdi_local_score: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Qualification:
    kind: str
    granted_on: date
    level: str | None = None
    expires_on: date | None = None  # None: no expiry recorded (e.g. listed)
    document_no: str | None = None

    def valid_on(self, day: date) -> bool:
        """Valid from granted_on through expires_on, both inclusive."""
        return self.granted_on <= day and (self.expires_on is None or day <= self.expires_on)


@dataclass(frozen=True, slots=True)
class Award:
    kind: str  # st_award | chuangke
    level: str
    year: int
    rank: int | None = None  # rank among the winning units (st_award); None = not known


@dataclass(frozen=True, slots=True)
class Inputs:
    enterprise: Enterprise
    years: Mapping[int, YearRow]
    qualifications: tuple[Qualification, ...] = ()
    awards: tuple[Award, ...] = ()

    def value(self, name: str, year: int) -> Any:
        """A yearly field's value in a year; None when the row or the value is missing."""
        row = self.years.get(year)
        return None if row is None else getattr(row, name)

    def with_year_value(self, name: str, year: int, value: Any) -> Inputs:
        row = self.years.get(year) or YearRow(year)
        years = dict(self.years)
        years[year] = dataclasses.replace(row, **{name: value})
        return dataclasses.replace(self, years=years)

    def with_enterprise_value(self, name: str, value: Any) -> Inputs:
        if name.startswith("main_product."):
            product = dataclasses.replace(self.enterprise.main_product, **{name.split(".", 1)[1]: value})
            return dataclasses.replace(self, enterprise=dataclasses.replace(self.enterprise, main_product=product))
        return dataclasses.replace(self, enterprise=dataclasses.replace(self.enterprise, **{name: value}))

    def with_qualification(self, qualification: Qualification) -> Inputs:
        return dataclasses.replace(self, qualifications=(*self.qualifications, qualification))


# --- parsing --------------------------------------------------------------------------------------------


def parse_inputs(data: Mapping[str, Any] | Inputs) -> Inputs:
    """Build Inputs from a plain dict (JSON-like); raise InputError naming the offending field."""
    if isinstance(data, Inputs):
        return data
    if not isinstance(data, Mapping):
        raise InputError("inputs: expected a mapping")
    _no_unknown(data, {"enterprise", "years", "qualifications", "awards"}, "inputs")
    return Inputs(
        enterprise=_parse_enterprise(data.get("enterprise") or {}),
        years=_parse_years(data.get("years") or {}),
        qualifications=tuple(
            _parse_qualification(q, f"qualifications[{i}]") for i, q in enumerate(_list(data, "qualifications"))
        ),
        awards=tuple(_parse_award(a, f"awards[{i}]") for i, a in enumerate(_list(data, "awards"))),
    )


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise InputError(f"{key}: expected a list")
    return list(value)


def _no_unknown(data: Mapping[str, Any], known: set[str] | frozenset[str], where: str) -> None:
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(unknown)}")


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(f"{where}: expected a mapping")
    return value


def _decimal(value: Any, where: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError(f"{where}: expected a number, got a boolean")
    try:
        if isinstance(value, float):
            result = Decimal(repr(value))
        elif isinstance(value, int | str | Decimal):
            result = Decimal(value)
        else:
            raise InputError(f"{where}: expected a number, got {type(value).__name__}")
    except InvalidOperation:
        raise InputError(f"{where}: not a number: {value!r}") from None
    if not result.is_finite():
        raise InputError(f"{where}: not a finite number: {value!r}")
    return result


def _bool(value: Any, where: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise InputError(f"{where}: expected true or false, got {value!r}")


def _text(value: Any, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InputError(f"{where}: expected text, got {value!r}")


def _date(value: Any, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # type: ignore[attr-defined]
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InputError(f"{where}: not an ISO date: {value!r}") from None
    raise InputError(f"{where}: expected a date, got {value!r}")


def _int(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InputError(f"{where}: expected an integer, got {value!r}")
    try:
        return int(value)
    except ValueError:
        raise InputError(f"{where}: expected an integer, got {value!r}") from None


def _parse_enterprise(raw: Any) -> Enterprise:
    data = _mapping(raw, "enterprise")
    fields = {f.name for f in dataclasses.fields(Enterprise)}
    _no_unknown(data, fields, "enterprise")
    product_raw = _mapping(data.get("main_product") or {}, "enterprise.main_product")
    _no_unknown(product_raw, {"text", *MAIN_PRODUCT_FLAGS}, "enterprise.main_product")
    product = MainProduct(
        text=_text(product_raw.get("text"), "enterprise.main_product.text"),
        **{f: _bool(product_raw.get(f), f"enterprise.main_product.{f}") for f in MAIN_PRODUCT_FLAGS},
    )
    return Enterprise(
        uscc=_text(data.get("uscc"), "enterprise.uscc"),
        name=_text(data.get("name"), "enterprise.name"),
        district_code=_text(data.get("district_code"), "enterprise.district_code"),
        industry_code=_text(data.get("industry_code"), "enterprise.industry_code"),
        established_on=_date(data.get("established_on"), "enterprise.established_on"),
        independent_legal_person=_bool(data.get("independent_legal_person"), "enterprise.independent_legal_person"),
        niche_market_since=_date(data.get("niche_market_since"), "enterprise.niche_market_since"),
        main_product=product,
        own_brand=_bool(data.get("own_brand"), "enterprise.own_brand"),
    )


def _parse_years(raw: Any) -> dict[int, YearRow]:
    rows: list[tuple[int, Mapping[str, Any], str]] = []
    if isinstance(raw, Mapping):
        for key, row in raw.items():
            year = _int(key, f"years[{key!r}]")
            assert year is not None
            row_map = _mapping(row, f"years[{key}]")
            if "year" in row_map and _int(row_map["year"], f"years[{key}].year") != year:
                raise InputError(f"years[{key}].year: differs from its key")
            rows.append((year, row_map, f"years[{key}]"))
    elif isinstance(raw, list | tuple):
        for i, row in enumerate(raw):
            row_map = _mapping(row, f"years[{i}]")
            year = _int(row_map.get("year"), f"years[{i}].year")
            if year is None:
                raise InputError(f"years[{i}].year: required")
            rows.append((year, row_map, f"years[{i}]"))
    else:
        raise InputError("years: expected a mapping of year to row, or a list of rows")
    result: dict[int, YearRow] = {}
    for year, row_map, where in rows:
        if year in result:
            raise InputError(f"{where}: year {year} given twice")
        result[year] = _parse_row(year, row_map, where)
    return result


def _parse_row(year: int, data: Mapping[str, Any], where: str) -> YearRow:
    _no_unknown(data, {"year", *YEAR_FIELDS}, where)
    values: dict[str, Any] = {}
    for name, raw in data.items():
        if name == "year" or raw is None:
            continue
        spec = YEAR_FIELDS[name]
        at = f"{where}.{name}"
        if spec.kind == "flag":
            values[name] = _bool(raw, at)
        elif spec.kind == "level":
            if raw not in RD_INSTITUTION_LEVELS:
                raise InputError(f"{at}: expected one of {', '.join(RD_INSTITUTION_LEVELS)}, got {raw!r}")
            values[name] = raw
        else:
            number = _decimal(raw, at)
            assert number is not None
            if spec.kind == "integer" and number != number.to_integral_value():
                raise InputError(f"{at}: expected a whole number, got {raw!r}")
            if spec.lo is not None and number < spec.lo:
                raise InputError(f"{at}: must be at least {spec.lo}, got {raw!r}")
            if spec.hi is not None and number > spec.hi:
                raise InputError(f"{at}: must be at most {spec.hi}, got {raw!r}")
            values[name] = number
    return YearRow(year=year, **values)


def _parse_qualification(raw: Any, where: str) -> Qualification:
    data = _mapping(raw, where)
    _no_unknown(data, {"kind", "level", "granted_on", "expires_on", "document_no"}, where)
    kind = data.get("kind")
    if kind not in QUALIFICATION_KINDS:
        raise InputError(f"{where}.kind: unknown qualification kind {kind!r}")
    level = _text(data.get("level"), f"{where}.level")
    if level is not None and level not in QUALIFICATION_LEVELS:
        raise InputError(f"{where}.level: expected one of {', '.join(sorted(QUALIFICATION_LEVELS))}, got {level!r}")
    granted_on = _date(data.get("granted_on"), f"{where}.granted_on")
    if granted_on is None:
        raise InputError(f"{where}.granted_on: required")
    expires_on = _date(data.get("expires_on"), f"{where}.expires_on")
    if expires_on is not None and expires_on < granted_on:
        raise InputError(f"{where}.expires_on: before granted_on")
    return Qualification(
        kind=kind,
        level=level,
        granted_on=granted_on,
        expires_on=expires_on,
        document_no=_text(data.get("document_no"), f"{where}.document_no"),
    )


def _parse_award(raw: Any, where: str) -> Award:
    data = _mapping(raw, where)
    _no_unknown(data, {"kind", "level", "rank", "year"}, where)
    kind = data.get("kind")
    if kind not in AWARD_LEVELS:
        raise InputError(f"{where}.kind: expected st_award or chuangke, got {kind!r}")
    level = data.get("level")
    if level not in AWARD_LEVELS[kind]:
        raise InputError(f"{where}.level: expected one of {', '.join(sorted(AWARD_LEVELS[kind]))}, got {level!r}")
    year = _int(data.get("year"), f"{where}.year")
    if year is None:
        raise InputError(f"{where}.year: required")
    rank = _int(data.get("rank"), f"{where}.rank")
    if rank is not None and rank < 1:
        raise InputError(f"{where}.rank: must be at least 1")
    return Award(kind=kind, level=level, year=year, rank=rank)
