"""Yearly indicators (年度指标): one record per enterprise and fiscal year, fields of domain-rules §3.

Money is ``Decimal`` in 万元; counts are ``int``; every indicator may be unreported (``None``): a
missing input is what makes an assessment ``undetermined``, so it is never replaced by zero.

Validation names every violation at once:

- type and range: amounts that cannot be negative (all but ``net_profit``), counts ≥ 0,
  ``digital_level`` 0-4, ``market_share_pct`` 0-100, ``market_rank_domestic`` ≥ 1,
  ``development_score`` 0-100, ``srdi_local_score`` 0-15, ``rd_institution_level`` from its vocabulary;
- consistency: ``rd_staff`` ≤ ``employees``; ``main_business_revenue`` ≤ ``operating_revenue``;
  ``rd_expense`` ≤ ``operating_revenue`` unless ``rd_expense_over_revenue_explained`` is set (young
  R&D-heavy firms do spend more than they earn); Ⅰ类 self-developed and high-value IP ≤ all Ⅰ类 IP;
- the year: not after the current year (a year in progress may be reported), not before the year of
  establishment.

A rule is checked only when both its inputs are present. Restating a year is a new set of statements
(``history.diff`` with ``year=``), so the earlier figures stay in the history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from tidu_registry.domain.errors import DomainValidationError, Violation
from tidu_registry.domain.values import (
    FieldSpec,
    Kind,
    ValueParseError,
    field_violation,
    is_blank,
    parse_field,
    parse_fields,
    to_plain,
)

RD_INSTITUTION_LEVELS = ("none", "below_city", "city", "provincial", "national")
MIN_YEAR = 1900

YEAR_SPEC = FieldSpec("year", Kind.INT, "年度", required=True, minimum=MIN_YEAR, maximum=9999)

_M = Kind.DECIMAL
INDICATOR_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("employees", Kind.INT, "从业人员（年平均）", "人", minimum=0),
    FieldSpec("rd_staff", Kind.INT, "研发人员", "人", minimum=0),
    FieldSpec("operating_revenue", _M, "营业收入", "万元", minimum=0),
    FieldSpec("main_business_revenue", _M, "主营业务收入", "万元", minimum=0),
    FieldSpec("net_profit", _M, "净利润", "万元"),
    FieldSpec("total_assets", _M, "资产总额", "万元", minimum=0),
    FieldSpec("total_liabilities", _M, "负债总额", "万元", minimum=0),
    FieldSpec("rd_expense", _M, "研发费用", "万元", minimum=0),
    FieldSpec("equity_financing", _M, "新增股权融资", "万元", minimum=0),
    FieldSpec("ip_class_i", Kind.INT, "Ⅰ类知识产权", "项", minimum=0),
    FieldSpec("ip_class_i_self_developed", Kind.INT, "自主研发Ⅰ类知识产权", "项", minimum=0),
    FieldSpec("ip_class_i_high_value", Kind.INT, "高价值Ⅰ类知识产权", "项", minimum=0),
    FieldSpec("ip_class_ii", Kind.INT, "Ⅱ类知识产权", "项", minimum=0),
    FieldSpec("digital_level", Kind.INT, "数字化水平等级", "级", minimum=0, maximum=4),
    FieldSpec("quality_cert", Kind.BOOL, "管理体系认证"),
    FieldSpec("quality_award_provincial", Kind.BOOL, "省级以上质量奖"),
    FieldSpec("standards_drafted", Kind.BOOL, "参与制修订标准"),
    FieldSpec("foreign_product_cert", Kind.BOOL, "发达国家和地区产品认证"),
    FieldSpec("rd_institution_level", Kind.CHOICE, "研发机构级别", choices=RD_INSTITUTION_LEVELS),
    FieldSpec("market_share_pct", _M, "细分市场占有率", "%", minimum=0, maximum=100),
    FieldSpec("market_rank_domestic", Kind.INT, "国内细分市场排名", "名", minimum=1),
    FieldSpec("development_score", _M, "专精特新发展评价得分", "分", minimum=0, maximum=100),
    FieldSpec("srdi_local_score", _M, "特色化指标得分", "分", minimum=0, maximum=15),
    FieldSpec("rd_expense_over_revenue_explained", Kind.BOOL, "研发费用超过营业收入已说明"),
)
INDICATOR_FIELDS: tuple[str, ...] = tuple(spec.name for spec in INDICATOR_SPECS)


@dataclass(frozen=True, slots=True)
class YearlyIndicators:
    year: int
    employees: int | None = None
    rd_staff: int | None = None
    operating_revenue: Decimal | None = None
    main_business_revenue: Decimal | None = None
    net_profit: Decimal | None = None
    total_assets: Decimal | None = None
    total_liabilities: Decimal | None = None
    rd_expense: Decimal | None = None
    equity_financing: Decimal | None = None
    ip_class_i: int | None = None
    ip_class_i_self_developed: int | None = None
    ip_class_i_high_value: int | None = None
    ip_class_ii: int | None = None
    digital_level: int | None = None
    quality_cert: bool | None = None
    quality_award_provincial: bool | None = None
    standards_drafted: bool | None = None
    foreign_product_cert: bool | None = None
    rd_institution_level: str | None = None
    market_share_pct: Decimal | None = None
    market_rank_domestic: int | None = None
    development_score: Decimal | None = None
    srdi_local_score: Decimal | None = None
    rd_expense_over_revenue_explained: bool | None = None

    def to_record(self) -> dict[str, Any]:
        """Plain values of the indicators (without ``year``): decimals as exact strings."""
        return {name: to_plain(getattr(self, name)) for name in INDICATOR_FIELDS}


def _exceeds(field: str, code: str, zh: str, en: str) -> Violation:
    return Violation(field, code, zh, en)


def _consistency(v: Mapping[str, Any]) -> list[Violation]:
    found: list[Violation] = []

    def both(a: str, b: str) -> bool:
        return v[a] is not None and v[b] is not None

    if both("rd_staff", "employees") and v["rd_staff"] > v["employees"]:
        found.append(
            _exceeds(
                "rd_staff",
                "rd_staff_exceeds_employees",
                f"研发人员（{v['rd_staff']}）不能多于从业人员（{v['employees']}）",
                f"rd_staff ({v['rd_staff']}) exceeds employees ({v['employees']})",
            )
        )
    if both("main_business_revenue", "operating_revenue") and v["main_business_revenue"] > v["operating_revenue"]:
        found.append(
            _exceeds(
                "main_business_revenue",
                "main_business_exceeds_operating_revenue",
                "主营业务收入不能高于营业收入",
                "main_business_revenue exceeds operating_revenue",
            )
        )
    if (
        both("rd_expense", "operating_revenue")
        and v["rd_expense"] > v["operating_revenue"]
        and not v["rd_expense_over_revenue_explained"]
    ):
        found.append(
            _exceeds(
                "rd_expense",
                "rd_expense_exceeds_revenue",
                "研发费用高于营业收入：请核实，或勾选“研发费用超过营业收入已说明”",
                "rd_expense exceeds operating_revenue: check it, or set rd_expense_over_revenue_explained",
            )
        )
    for part in ("ip_class_i_self_developed", "ip_class_i_high_value"):
        if both(part, "ip_class_i") and v[part] > v["ip_class_i"]:
            found.append(
                _exceeds(
                    part,
                    "ip_part_exceeds_class_i",
                    "该项Ⅰ类知识产权数量不能多于Ⅰ类知识产权总数",
                    f"{part} exceeds ip_class_i",
                )
            )
    return found


def _year_violations(year: int, *, established_on: date | None, today: date) -> list[Violation]:
    if year > today.year:
        return [Violation("year", "year_in_future", f"年度 {year} 尚未开始", f"year {year} is in the future")]
    if established_on is not None and year < established_on.year:
        return [
            Violation(
                "year",
                "year_before_establishment",
                f"年度 {year} 早于企业成立年度 {established_on.year}",
                f"year {year} is before the enterprise was established ({established_on.year})",
            )
        ]
    return []


def _check_year(raw: object, *, established_on: date | None, today: date) -> tuple[int | None, list[Violation]]:
    if is_blank(raw):
        return None, [field_violation(YEAR_SPEC, "required")]
    try:
        year = cast(int, parse_field(YEAR_SPEC, raw))
    except ValueParseError as exc:
        return None, [field_violation(YEAR_SPEC, exc.code)]
    return year, _year_violations(year, established_on=established_on, today=today)


def check_indicators(
    data: Mapping[str, object], *, established_on: date | None, today: date
) -> tuple[YearlyIndicators | None, list[Violation]]:
    """Validate one year's indicators without raising: the record (when valid) and every violation."""
    year, violations = _check_year(data.get("year"), established_on=established_on, today=today)
    values, field_violations = parse_fields(INDICATOR_SPECS, data)
    violations.extend(field_violations)
    violations.extend(_consistency(values))
    if violations or year is None:
        return None, violations
    return YearlyIndicators(year=year, **values), []


def parse_indicators(data: Mapping[str, object], *, established_on: date | None, today: date) -> YearlyIndicators:
    """A valid year of indicators, or :class:`DomainValidationError` naming every violation.

    ``established_on`` is the enterprise's registration date (``None``: unknown, the check is skipped);
    ``today`` decides which years are in the future.
    """
    record, violations = check_indicators(data, established_on=established_on, today=today)
    if record is None:
        raise DomainValidationError(violations)
    return record


def indicators_from_record(year: int, record: Mapping[str, Any]) -> YearlyIndicators:
    """Rebuild a year from stored plain values (``to_record`` output or a replayed history)."""
    values: dict[str, Any] = {}
    for spec in INDICATOR_SPECS:
        value = record.get(spec.name)
        if value is not None and spec.kind is Kind.DECIMAL:
            value = Decimal(str(value))
        values[spec.name] = value
    return YearlyIndicators(year=year, **values)
