"""Gates: the hard criteria of a product, as data, and one small pure function per gate.

A product's :class:`Gates` are data (loaded from the catalogue). At load time
:func:`compile_checks` turns a product's gates into a tuple of
``(function, parameter)`` pairs, so matching one demand is a loop of plain
calls over :class:`~tidu_finance_match.domain.enterprise.EnterpriseFacts`
computed once per enterprise.

Each gate returns a :class:`GateResult`: ``pass``, ``fail`` or ``unknown``,
its machine ``code`` (the catalogue key it implements, e.g.
``min_operating_revenue``), the ``required`` and ``actual`` values
(JSON-friendly: str, int, bool, Decimal, lists/dicts of those, or None), a
Chinese and an English message that quote both, and for ``unknown`` the input
fields that are ``missing``. A gate that does not apply to a demand returns
``None`` and is not listed (only ``product_kind`` does so, when the demand does
not restrict kinds).

**Unknown never passes silently.** A gate is ``unknown`` when the enterprise's
data it needs is missing (no district, no revenue for the data year, no credit
grade, no size assessment ...). A product with no failing gate but at least
one unknown gate is *not* matched: the matcher lists it under ``needs_data``
with the missing fields, so the enterprise (or its commissioner) can complete
the data, and it is never pushed to an institution. A product with a failing
gate is ``not_matched`` and lists every failing and every unknown gate.
Where a missing input cannot change the answer the gate decides anyway
(``min_ip_class_i_or_ii`` passes on class Ⅰ alone when class Ⅱ is unknown).

Qualifications are never unknown: the registry is the record, and a kind not
on record is not held. Demand-side facts (purpose, collateral offered) are
statements of the demand and never unknown, except ``has_existing_loan``,
which a demand may leave unstated.

Gate codes, in the order results are listed:

=============================  ===========================================================
``validity``                   the product is on offer on the matching date (valid_from/valid_to)
``product_kind``               the demand asked for this kind of product (only if it restricts kinds)
``min_amount``                 requested amount ≥ the product's minimum amount
``region_prefix``              district code starts with one of the prefixes
``industry_prefix``            GB/T 4754 industry code starts with one of the prefixes
``qualifications_any``         holds any one of the qualification kinds, valid on the date
``eligible_any``               latest assessment of any listed rule set is ``eligible``
``size_class_any``             size class (from the latest ``size-*`` assessment) is one of these
``min_years_established``      whole years since ``established_on`` ≥ n
``min_operating_revenue``      operating revenue of the data year ≥ n 万元
``max_debt_ratio_pct``         total_liabilities / total_assets ≤ n %
``min_rd_ratio_pct``           rd_expense / operating_revenue ≥ n %
``min_ip_class_i``             Ⅰ类 IP count ≥ n
``min_ip_class_ii``            Ⅱ类 IP count ≥ n
``min_ip_class_i_or_ii``       Ⅰ类 + Ⅱ类 IP count ≥ n
``min_credit_grade``           credit grade at least this (see :mod:`credit_grades`)
``collateral``                 the demand offers the security the product takes (mortgage, IP pledge,
                               counter-guarantee, equipment, equity pledge; derived from ``collateral``)
``requires_confirmed_receivable``  the demand offers confirmed receivables
``requires_existing_loan``     the enterprise declares an existing loan to renew or bridge
``purpose_any``                the demand's purpose is one of these
=============================  ===========================================================

Boundaries: every minimum is met *at* its threshold and every maximum is met at
its threshold ("不低于" / "不高于").

Performance: a gate computes only the status and the machine-readable values;
its Chinese and English messages are rendered when read
(``GateResult.message_zh`` / ``message_en``) from those values, so matching a
demand against a thousand products does not format thousands of strings that
nobody reads. ``GateResult`` is a ``NamedTuple`` (immutable, and several
times cheaper to build than a frozen dataclass on this hot path).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from enum import StrEnum
from operator import itemgetter
from typing import Any, NamedTuple

from tidu_finance_match.domain.credit_grades import grade_rank, normalize_grade
from tidu_finance_match.domain.demands import Demand
from tidu_finance_match.domain.enterprise import EnterpriseFacts
from tidu_finance_match.domain.vocabulary import (
    COLLATERAL_ZH,
    PURPOSE_ZH,
    QUALIFICATION_ZH,
    SIZE_CLASS_ZH,
    CollateralKind,
    ProductKind,
    Purpose,
)


class GateStatus(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"


PASS = GateStatus.PASS
FAIL = GateStatus.FAIL
UNKNOWN = GateStatus.UNKNOWN

GATE_CODES: tuple[str, ...] = (
    "validity",
    "product_kind",
    "min_amount",
    "region_prefix",
    "industry_prefix",
    "qualifications_any",
    "eligible_any",
    "size_class_any",
    "min_years_established",
    "min_operating_revenue",
    "max_debt_ratio_pct",
    "min_rd_ratio_pct",
    "min_ip_class_i",
    "min_ip_class_ii",
    "min_ip_class_i_or_ii",
    "min_credit_grade",
    "collateral",
    "requires_confirmed_receivable",
    "requires_existing_loan",
    "purpose_any",
)

# Security kinds that the ``collateral`` gate checks. Receivables are checked by
# ``requires_confirmed_receivable`` and ``as_existing`` by ``requires_existing_loan``.
COLLATERAL_GATED: frozenset[CollateralKind] = frozenset(
    {
        CollateralKind.MORTGAGE,
        CollateralKind.IP_PLEDGE,
        CollateralKind.COUNTER_GUARANTEE,
        CollateralKind.EQUIPMENT,
        CollateralKind.EQUITY_PLEDGE,
    }
)

PRODUCT_KIND_ZH: dict[str, str] = {
    ProductKind.LOAN: "贷款",
    ProductKind.GUARANTEE: "融资担保",
    ProductKind.EQUITY_FUND: "股权投资",
    ProductKind.LISTING_SERVICE: "挂牌上市服务",
    ProductKind.BRIDGE_FUND: "转贷应急资金",
}


class GateResult(NamedTuple):
    """One gate's verdict. ``required``/``actual`` are JSON-friendly; ``context`` feeds the messages."""

    code: str
    status: GateStatus
    required: Any
    actual: Any
    missing: tuple[str, ...] = ()
    context: tuple[Any, ...] = ()

    @property
    def message_zh(self) -> str:
        return _RENDERERS[self.code](self)[0]

    @property
    def message_en(self) -> str:
        return _RENDERERS[self.code](self)[1]

    def as_dict(self) -> dict[str, Any]:
        zh, en = _RENDERERS[self.code](self)
        return {
            "code": self.code,
            "status": self.status.value,
            "required": self.required,
            "actual": self.actual,
            "missing": list(self.missing),
            "message_zh": zh,
            "message_en": en,
        }


@dataclass(frozen=True, slots=True)
class Gates:
    """A product's hard criteria as data. Empty / None / False = no such gate."""

    region_prefix: tuple[str, ...] = ()
    industry_prefix: tuple[str, ...] = ()
    qualifications_any: tuple[str, ...] = ()
    eligible_any: tuple[str, ...] = ()
    size_class_any: tuple[str, ...] = ()
    min_years_established: int | None = None
    min_operating_revenue: Decimal | None = None
    max_debt_ratio_pct: Decimal | None = None
    min_rd_ratio_pct: Decimal | None = None
    min_ip_class_i: int | None = None
    min_ip_class_ii: int | None = None
    min_ip_class_i_or_ii: int | None = None
    min_credit_grade: str | None = None
    requires_confirmed_receivable: bool = False
    requires_existing_loan: bool = False
    purpose_any: tuple[Purpose, ...] = ()


GateFn = Callable[[Any, EnterpriseFacts, Demand], GateResult | None]


class Check(NamedTuple):
    """A compiled gate: the function, its parameter, and an interned id of the pair.

    Two products with the same gate and threshold share the id, so one matching
    run evaluates each distinct (gate, threshold) once (the functions are pure).
    """

    fn: GateFn
    param: Any
    key: int


_CHECK_KEYS: dict[tuple[GateFn, Any], int] = {}


def make_check(fn: GateFn, param: Any) -> Check:
    key = _CHECK_KEYS.setdefault((fn, param), len(_CHECK_KEYS))
    return Check(fn, param, key)


class CheckKeys(NamedTuple):
    """A product's check keys in gate order, and getters of its results, computed once at load.

    ``get_all(results)`` is ``tuple(results[k] for k in all)`` in one C call (an
    :func:`operator.itemgetter`), the hot path of matching a thousand products.
    """

    all: tuple[int, ...]
    """Every check's key."""
    any_kind: tuple[int, ...]
    """Every key but ``product_kind``'s: that gate does not apply (returns ``None``, is not listed)
    when the demand does not restrict kinds, so matching such a demand skips it."""
    get_all: Callable[[Any], tuple[Any, ...]]
    get_any_kind: Callable[[Any], tuple[Any, ...]]


class _FewGetter:
    """``tuple(results[k] for k in keys)`` for fewer than two keys (``itemgetter`` of one key
    returns the item, not a 1-tuple). A class, not a lambda, so products stay picklable."""

    __slots__ = ("keys",)

    def __init__(self, keys: tuple[int, ...]) -> None:
        self.keys = keys

    def __call__(self, results: Any) -> tuple[Any, ...]:
        return tuple(results[k] for k in self.keys)

    def __reduce__(self) -> tuple[type[_FewGetter], tuple[tuple[int, ...]]]:
        return (_FewGetter, (self.keys,))


def _getter(keys: tuple[int, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """``lambda results: tuple(results[k] for k in keys)``, as fast as it gets."""
    return itemgetter(*keys) if len(keys) >= 2 else _FewGetter(keys)


def check_keys(checks: tuple[Check, ...]) -> CheckKeys:
    every = tuple(c.key for c in checks)
    any_kind = tuple(c.key for c in checks if c.fn is not gate_product_kind)
    return CheckKeys(every, any_kind, _getter(every), _getter(any_kind))


_CENT = Decimal("0.01")
_R = GateResult


# --- product-side gates ----------------------------------------------------------------------------


def gate_validity(window: tuple[date | None, date | None], facts: EnterpriseFacts, demand: Demand) -> GateResult:
    valid_from, valid_to = window
    day = facts.as_of
    required = {
        "valid_from": valid_from.isoformat() if valid_from else None,
        "valid_to": valid_to.isoformat() if valid_to else None,
    }
    if (valid_from is not None and day < valid_from) or (valid_to is not None and day > valid_to):
        return _R("validity", FAIL, required, day.isoformat())
    return _R("validity", PASS, required, day.isoformat())


def gate_product_kind(kind: ProductKind, facts: EnterpriseFacts, demand: Demand) -> GateResult | None:
    wanted = demand.product_kinds
    if wanted is None:
        return None
    return _R("product_kind", PASS if kind in wanted else FAIL, sorted(k.value for k in wanted), kind.value)


def gate_min_amount(minimum: Decimal, facts: EnterpriseFacts, demand: Demand) -> GateResult:
    return _R("min_amount", PASS if demand.amount >= minimum else FAIL, minimum, demand.amount)


# --- enterprise profile --------------------------------------------------------------------------


def _prefix_gate(code: str, value: str | None, prefixes: tuple[str, ...], field_name: str) -> GateResult:
    if value is None:
        return _R(code, UNKNOWN, prefixes, None, (field_name,))
    for prefix in prefixes:
        if value.startswith(prefix):
            return _R(code, PASS, prefixes, value, (), (prefix,))
    return _R(code, FAIL, prefixes, value)


def gate_region_prefix(prefixes: tuple[str, ...], facts: EnterpriseFacts, demand: Demand) -> GateResult:
    return _prefix_gate("region_prefix", facts.district_code, prefixes, "district_code")


def gate_industry_prefix(prefixes: tuple[str, ...], facts: EnterpriseFacts, demand: Demand) -> GateResult:
    return _prefix_gate("industry_prefix", facts.industry_code, prefixes, "industry_code")


def gate_qualifications_any(kinds: tuple[str, ...], facts: EnterpriseFacts, demand: Demand) -> GateResult:
    valid = facts.valid_qualifications
    held = tuple(k for k in kinds if k in valid)
    if held:
        return _R("qualifications_any", PASS, kinds, held, (), tuple((k, valid[k].expires_on) for k in held))
    lapsed = facts.lapsed_qualifications
    context = tuple((k, lapsed[k].expires_on) for k in kinds if k in lapsed)
    return _R("qualifications_any", FAIL, kinds, tuple(sorted(valid)), (), context)


def gate_eligible_any(rule_sets: tuple[str, ...], facts: EnterpriseFacts, demand: Demand) -> GateResult:
    latest = facts.latest_assessments
    actual: dict[str, str | None] = {}
    open_ones: list[str] = []
    for rs in rule_sets:
        a = latest.get(rs)
        actual[rs] = a.result.value if a is not None else None
        if a is not None and a.result == "eligible":
            return _R("eligible_any", PASS, rule_sets, actual, (), (rs, a.assessed_at.date()))
        if a is None or a.result == "undetermined":
            open_ones.append(rs)
    if open_ones:
        return _R("eligible_any", UNKNOWN, rule_sets, actual, tuple(f"assessment:{rs}" for rs in open_ones))
    return _R("eligible_any", FAIL, rule_sets, actual)


def gate_size_class_any(classes: tuple[str, ...], facts: EnterpriseFacts, demand: Demand) -> GateResult:
    size = facts.size_class
    if size is None:
        return _R("size_class_any", UNKNOWN, classes, None, ("size_class",))
    return _R("size_class_any", PASS if size in classes else FAIL, classes, size)


def gate_min_years_established(minimum: int, facts: EnterpriseFacts, demand: Demand) -> GateResult:
    years = facts.years_established
    if years is None:
        return _R("min_years_established", UNKNOWN, minimum, None, ("established_on",))
    return _R("min_years_established", PASS if years >= minimum else FAIL, minimum, years)


# --- indicators ------------------------------------------------------------------------------------


def gate_min_operating_revenue(minimum: Decimal, facts: EnterpriseFacts, demand: Demand) -> GateResult:
    revenue = facts.operating_revenue
    year = (facts.data_year,)
    if revenue is None:
        return _R("min_operating_revenue", UNKNOWN, minimum, None, ("operating_revenue",), year)
    return _R("min_operating_revenue", PASS if revenue >= minimum else FAIL, minimum, revenue, (), year)


def gate_max_debt_ratio_pct(maximum: Decimal, facts: EnterpriseFacts, demand: Demand) -> GateResult:
    ratio = facts.debt_ratio_pct
    year = (facts.data_year,)
    if ratio is None:
        return _R("max_debt_ratio_pct", UNKNOWN, maximum, None, facts.missing_for_debt_ratio, year)
    # Shown rounded *up*, so a ratio that fails never displays as the threshold itself.
    shown = ratio.quantize(_CENT, rounding=ROUND_UP)
    return _R("max_debt_ratio_pct", PASS if ratio <= maximum else FAIL, maximum, shown, (), year)


def gate_min_rd_ratio_pct(minimum: Decimal, facts: EnterpriseFacts, demand: Demand) -> GateResult:
    ratio = facts.rd_ratio_pct
    year = (facts.data_year,)
    if ratio is None:
        return _R("min_rd_ratio_pct", UNKNOWN, minimum, None, facts.missing_for_rd_ratio, year)
    shown = ratio.quantize(_CENT, rounding=ROUND_DOWN)
    return _R("min_rd_ratio_pct", PASS if ratio >= minimum else FAIL, minimum, shown, (), year)


def _ip_gate(code: str, minimum: int, count: int | None, field_name: str) -> GateResult:
    if count is None:
        return _R(code, UNKNOWN, minimum, None, (field_name,))
    return _R(code, PASS if count >= minimum else FAIL, minimum, count)


def gate_min_ip_class_i(minimum: int, facts: EnterpriseFacts, demand: Demand) -> GateResult:
    return _ip_gate("min_ip_class_i", minimum, facts.ip_class_i, "ip_class_i")


def gate_min_ip_class_ii(minimum: int, facts: EnterpriseFacts, demand: Demand) -> GateResult:
    return _ip_gate("min_ip_class_ii", minimum, facts.ip_class_ii, "ip_class_ii")


def gate_min_ip_class_i_or_ii(minimum: int, facts: EnterpriseFacts, demand: Demand) -> GateResult:
    i, ii = facts.ip_class_i, facts.ip_class_ii
    code = "min_ip_class_i_or_ii"
    if i is not None and ii is not None:
        return _R(code, PASS if i + ii >= minimum else FAIL, minimum, i + ii)
    known_field = "ip_class_i" if i is not None else "ip_class_ii"
    known = i if i is not None else ii
    if known is not None and known >= minimum:
        # The missing count cannot change the answer.
        return _R(code, PASS, minimum, known, (), (known_field,))
    missing = tuple(name for name, v in (("ip_class_i", i), ("ip_class_ii", ii)) if v is None)
    return _R(code, UNKNOWN, minimum, known, missing)


def gate_min_credit_grade(minimum: str, facts: EnterpriseFacts, demand: Demand) -> GateResult:
    rank = facts.credit_rank
    if rank is None:
        return _R("min_credit_grade", UNKNOWN, minimum, None, ("credit_grade",))
    return _R("min_credit_grade", PASS if rank >= grade_rank(minimum) else FAIL, minimum, facts.credit_grade)


# --- demand ---------------------------------------------------------------------------------------


def gate_collateral(kind: CollateralKind, facts: EnterpriseFacts, demand: Demand) -> GateResult:
    offered = demand.collateral_offered
    return _R("collateral", PASS if kind in offered else FAIL, kind.value, tuple(sorted(c.value for c in offered)))


def gate_requires_confirmed_receivable(_: bool, facts: EnterpriseFacts, demand: Demand) -> GateResult:
    offered = CollateralKind.RECEIVABLES in demand.collateral_offered
    return _R("requires_confirmed_receivable", PASS if offered else FAIL, True, offered)


def gate_requires_existing_loan(_: bool, facts: EnterpriseFacts, demand: Demand) -> GateResult:
    has = demand.has_existing_loan
    if has is None:
        return _R("requires_existing_loan", UNKNOWN, True, None, ("has_existing_loan",))
    return _R("requires_existing_loan", PASS if has else FAIL, True, has)


def gate_purpose_any(purposes: tuple[Purpose, ...], facts: EnterpriseFacts, demand: Demand) -> GateResult:
    purpose = demand.purpose
    return _R("purpose_any", PASS if purpose in purposes else FAIL, tuple(p.value for p in purposes), purpose.value)


# --- many thresholds at once ----------------------------------------------------------------------
#
# A catalogue varies the thresholds of the indicator gates from product to product (a synthetic
# catalogue of 1,000 has some 150 distinct revenue minimums): matching evaluates each distinct one,
# and for these gates does it in one call per gate. Each gives exactly what the gate gives
# threshold by threshold (tests/unit/test_gates.py holds them to that).

BatchFn = Callable[[tuple[Any, ...], EnterpriseFacts, Demand], list[GateResult]]
_new = tuple.__new__


def batch_min_operating_revenue(
    minimums: tuple[Decimal, ...], facts: EnterpriseFacts, demand: Demand
) -> list[GateResult]:
    revenue = facts.operating_revenue
    if revenue is None:
        return [gate_min_operating_revenue(m, facts, demand) for m in minimums]
    year = (facts.data_year,)
    return [_new(_R, ("min_operating_revenue", PASS if revenue >= m else FAIL, m, revenue, (), year)) for m in minimums]


def batch_max_debt_ratio_pct(maximums: tuple[Decimal, ...], facts: EnterpriseFacts, demand: Demand) -> list[GateResult]:
    ratio = facts.debt_ratio_pct
    if ratio is None:
        return [gate_max_debt_ratio_pct(m, facts, demand) for m in maximums]
    year = (facts.data_year,)
    shown = ratio.quantize(_CENT, rounding=ROUND_UP)
    return [_new(_R, ("max_debt_ratio_pct", PASS if ratio <= m else FAIL, m, shown, (), year)) for m in maximums]


def batch_min_rd_ratio_pct(minimums: tuple[Decimal, ...], facts: EnterpriseFacts, demand: Demand) -> list[GateResult]:
    ratio = facts.rd_ratio_pct
    if ratio is None:
        return [gate_min_rd_ratio_pct(m, facts, demand) for m in minimums]
    year = (facts.data_year,)
    shown = ratio.quantize(_CENT, rounding=ROUND_DOWN)
    return [_new(_R, ("min_rd_ratio_pct", PASS if ratio >= m else FAIL, m, shown, (), year)) for m in minimums]


BATCHES: dict[GateFn, BatchFn] = {
    gate_min_operating_revenue: batch_min_operating_revenue,
    gate_max_debt_ratio_pct: batch_max_debt_ratio_pct,
    gate_min_rd_ratio_pct: batch_min_rd_ratio_pct,
}
"""Gates that can be evaluated for many parameters in one call: gate → ``batch(params, facts, demand)``,
the results in the order of ``params``."""


# --- messages -------------------------------------------------------------------------------------


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _zh_list(items: Any) -> str:
    return "、".join(items)


def _year_texts(r: GateResult) -> tuple[str, str]:
    year = r.context[0] if r.context else None
    return (f"{year}年", f" ({year})") if year is not None else ("", "")


def _render_validity(r: GateResult) -> tuple[str, str]:
    vf, vt, day = r.required["valid_from"], r.required["valid_to"], r.actual
    if r.status is PASS:
        return (
            f"产品在办理期内（{vf or '不限'} 至 {vt or '不限'}）",
            f"product is on offer ({vf or 'open'} to {vt or 'open'})",
        )
    if vf is not None and day < vf:
        return f"产品自 {vf} 起办理，{day} 尚未开办", f"product is on offer from {vf}; not yet on {day}"
    return f"产品已于 {vt} 停办", f"product was withdrawn after {vt}"


def _render_product_kind(r: GateResult) -> tuple[str, str]:
    label = PRODUCT_KIND_ZH[r.actual]
    if r.status is PASS:
        return f"产品类型“{label}”符合需求", f"product kind {r.actual} is one the demand asks for"
    wanted = _zh_list(PRODUCT_KIND_ZH[k] for k in r.required)
    return f"需求只接受{wanted}，本产品为{label}", f"demand asks for {', '.join(r.required)}; product is {r.actual}"


def _render_min_amount(r: GateResult) -> tuple[str, str]:
    a, m = _num(r.actual), _num(r.required)
    if r.status is PASS:
        return (
            f"需求金额 {a} 万元不低于产品起点 {m} 万元",
            f"requested {a} 万元 is at least the product's minimum {m} 万元",
        )
    return f"需求金额 {a} 万元低于产品起点 {m} 万元", f"requested {a} 万元 is below the product's minimum {m} 万元"


def _render_prefix(r: GateResult) -> tuple[str, str]:
    zh_name, en_name = (
        ("注册地行政区划代码", "district code") if r.code == "region_prefix" else ("行业代码", "industry code")
    )
    shown = _zh_list(r.required)
    if r.status is UNKNOWN:
        return (
            f"缺少{zh_name}，无法判断是否在产品范围（以 {shown} 开头）内",
            f"{en_name} missing; product requires one starting with {', '.join(r.required)}",
        )
    if r.status is PASS:
        prefix = r.context[0]
        return f"{zh_name} {r.actual} 在产品范围（以 {prefix} 开头）内", f"{en_name} {r.actual} starts with {prefix}"
    return (
        f"{zh_name} {r.actual} 不在产品范围内（须以 {shown} 开头）",
        f"{en_name} {r.actual} does not start with any of {', '.join(r.required)}",
    )


def _render_qualifications(r: GateResult) -> tuple[str, str]:
    if r.status is PASS:
        zh = _zh_list(f"{QUALIFICATION_ZH.get(k, k)}（有效期至 {exp or '长期'}）" for k, exp in r.context)
        en = ", ".join(f"{k} (valid until {exp or 'no expiry'})" for k, exp in r.context)
        return f"持有有效资质：{zh}", f"holds a valid {en}"
    names = _zh_list(QUALIFICATION_ZH.get(k, k) for k in r.required)
    note_zh = "".join(f"；{QUALIFICATION_ZH.get(k, k)}已于 {exp} 到期" for k, exp in r.context)
    note_en = "".join(f"; {k} expired on {exp}" for k, exp in r.context)
    return (
        f"须持有以下任一有效资质：{names}；企业未持有{note_zh}",
        f"requires a valid qualification of any of {', '.join(r.required)}; none held{note_en}",
    )


def _render_eligible(r: GateResult) -> tuple[str, str]:
    if r.status is PASS:
        rs, day = r.context
        return f"最新评估 {rs}：符合（{day}）", f"latest assessment under {rs} is eligible ({day})"
    if r.status is UNKNOWN:
        open_ones = [m.removeprefix("assessment:") for m in r.missing]
        return (
            f"缺少以下规则的确定评估结果：{_zh_list(open_ones)}",
            f"no determined assessment under {', '.join(open_ones)}",
        )
    return (
        f"最新评估均为不符合：{_zh_list(r.required)}",
        f"latest assessments are not eligible under {', '.join(r.required)}",
    )


def _render_size(r: GateResult) -> tuple[str, str]:
    allowed = _zh_list(SIZE_CLASS_ZH.get(c, c) for c in r.required)
    allowed_en = ", ".join(r.required)
    if r.status is UNKNOWN:
        return (
            f"缺少企业规模评估结果（产品面向{allowed}企业）",
            f"no size-class assessment on record; product serves {allowed_en} enterprises",
        )
    size_zh = SIZE_CLASS_ZH.get(r.actual, r.actual)
    if r.status is PASS:
        return f"企业规模为{size_zh}，在产品支持范围（{allowed}）内", f"size class {r.actual} is one of {allowed_en}"
    return f"企业规模为{size_zh}，产品仅面向{allowed}企业", f"size class {r.actual} is not one of {allowed_en}"


def _render_years(r: GateResult) -> tuple[str, str]:
    m, y = r.required, r.actual
    if r.status is UNKNOWN:
        return f"缺少成立日期（要求成立满 {m} 年）", f"establishment date missing; product requires {m} whole years"
    if r.status is PASS:
        return f"成立已满 {y} 年，不少于 {m} 年", f"established {y} whole years ago (≥ {m})"
    return f"成立满 {y} 年，不足要求的 {m} 年", f"established {y} whole years ago; {m} required"


def _render_revenue(r: GateResult) -> tuple[str, str]:
    y_zh, y_en = _year_texts(r)
    m = _num(r.required)
    if r.status is UNKNOWN:
        return (
            f"缺少{y_zh}营业收入数据（要求不低于 {m} 万元）",
            f"operating revenue{y_en} missing; at least {m} 万元 required",
        )
    v = _num(r.actual)
    if r.status is PASS:
        return f"{y_zh}营业收入 {v} 万元，不低于 {m} 万元", f"operating revenue{y_en} {v} 万元 ≥ {m} 万元"
    return (
        f"{y_zh}营业收入 {v} 万元，低于要求的 {m} 万元",
        f"operating revenue{y_en} {v} 万元 is below the required {m} 万元",
    )


def _render_debt(r: GateResult) -> tuple[str, str]:
    y_zh, y_en = _year_texts(r)
    m = _num(r.required)
    if r.status is UNKNOWN:
        return (
            f"缺少{y_zh}资产或负债数据，无法计算资产负债率（要求不高于 {m}%）",
            f"debt ratio{y_en} cannot be computed ({', '.join(r.missing)} missing); at most {m}% required",
        )
    v = _num(r.actual)
    if r.status is PASS:
        return f"{y_zh}资产负债率 {v}%，不高于 {m}%", f"debt ratio{y_en} {v}% ≤ {m}%"
    return f"{y_zh}资产负债率 {v}%，高于上限 {m}%", f"debt ratio{y_en} {v}% exceeds the maximum {m}%"


def _render_rd(r: GateResult) -> tuple[str, str]:
    y_zh, y_en = _year_texts(r)
    m = _num(r.required)
    if r.status is UNKNOWN:
        return (
            f"缺少{y_zh}研发费用或营业收入，无法计算研发投入强度（要求不低于 {m}%）",
            f"R&D ratio{y_en} cannot be computed ({', '.join(r.missing)} missing); at least {m}% required",
        )
    v = _num(r.actual)
    if r.status is PASS:
        return f"{y_zh}研发费用占营业收入 {v}%，不低于 {m}%", f"R&D ratio{y_en} {v}% ≥ {m}%"
    return f"{y_zh}研发费用占营业收入 {v}%，低于要求的 {m}%", f"R&D ratio{y_en} {v}% is below the required {m}%"


_IP_NAMES = {
    "min_ip_class_i": ("Ⅰ类知识产权", "class I IP"),
    "min_ip_class_ii": ("Ⅱ类知识产权", "class II IP"),
    "min_ip_class_i_or_ii": ("Ⅰ类和Ⅱ类知识产权合计", "class I + II IP"),
}


def _render_ip(r: GateResult) -> tuple[str, str]:
    zh, en = _IP_NAMES[r.code]
    m, n = r.required, r.actual
    if r.status is UNKNOWN:
        return (
            f"缺少知识产权数量（{_zh_list(r.missing)}），要求{zh}不少于 {m} 件",
            f"IP count missing ({', '.join(r.missing)}); at least {m} {en} required",
        )
    if r.status is PASS and r.context:
        which_zh, which_en = ("Ⅰ类", "class I") if r.context[0] == "ip_class_i" else ("Ⅱ类", "class II")
        return f"仅{which_zh}知识产权 {n} 件已不少于 {m} 件", f"{n} {which_en} IP alone meet the minimum of {m}"
    if r.status is PASS:
        return f"{zh} {n} 件，不少于 {m} 件", f"{n} {en} (≥ {m})"
    return f"{zh} {n} 件，少于要求的 {m} 件", f"{n} {en}; {m} required"


def _render_credit(r: GateResult) -> tuple[str, str]:
    m = r.required
    if r.status is UNKNOWN:
        return (
            f"无信用评级记录（要求不低于 {m}；需企业授权信用查询）",
            f"no credit grade on record (at least {m} required; needs a consented credit look-up)",
        )
    if r.status is PASS:
        return f"信用评级 {r.actual}，不低于 {m}", f"credit grade {r.actual} is at least {m}"
    return f"信用评级 {r.actual}，低于要求的 {m}", f"credit grade {r.actual} is below the required {m}"


def _render_collateral(r: GateResult) -> tuple[str, str]:
    label = COLLATERAL_ZH[CollateralKind(r.required)]
    if r.status is PASS:
        return f"可提供产品所需的{label}", f"demand offers the {r.required} the product takes"
    return f"产品需要{label}，需求未提供", f"product requires {r.required}; the demand does not offer it"


def _render_receivable(r: GateResult) -> tuple[str, str]:
    if r.status is PASS:
        return "可提供经核心企业确权的应收账款", "demand offers receivables confirmed by the debtor"
    return (
        "产品需要经核心企业确权的应收账款，需求未提供",
        "product requires receivables confirmed by the debtor; the demand offers none",
    )


def _render_existing_loan(r: GateResult) -> tuple[str, str]:
    if r.status is UNKNOWN:
        return (
            "产品面向有存量贷款的企业，需求未说明是否有存量贷款",
            "product serves enterprises with an existing loan; the demand does not say whether it has one",
        )
    if r.status is PASS:
        return "有存量贷款，可办理续贷/转贷", "has an existing loan to renew or bridge"
    return (
        "产品仅面向有存量贷款需续贷或转贷的企业，企业未申报存量贷款",
        "product serves only enterprises renewing or bridging an existing loan; none declared",
    )


def _render_purpose(r: GateResult) -> tuple[str, str]:
    label = PURPOSE_ZH[Purpose(r.actual)]
    if r.status is PASS:
        return f"融资用途“{label}”在产品支持范围内", f"purpose {r.actual} is one the product funds"
    allowed = _zh_list(PURPOSE_ZH[Purpose(p)] for p in r.required)
    return (
        f"融资用途“{label}”不在产品支持范围（{allowed}）内",
        f"purpose {r.actual} is not one of {', '.join(r.required)}",
    )


_RENDERERS: dict[str, Callable[[GateResult], tuple[str, str]]] = {
    "validity": _render_validity,
    "product_kind": _render_product_kind,
    "min_amount": _render_min_amount,
    "region_prefix": _render_prefix,
    "industry_prefix": _render_prefix,
    "qualifications_any": _render_qualifications,
    "eligible_any": _render_eligible,
    "size_class_any": _render_size,
    "min_years_established": _render_years,
    "min_operating_revenue": _render_revenue,
    "max_debt_ratio_pct": _render_debt,
    "min_rd_ratio_pct": _render_rd,
    "min_ip_class_i": _render_ip,
    "min_ip_class_ii": _render_ip,
    "min_ip_class_i_or_ii": _render_ip,
    "min_credit_grade": _render_credit,
    "collateral": _render_collateral,
    "requires_confirmed_receivable": _render_receivable,
    "requires_existing_loan": _render_existing_loan,
    "purpose_any": _render_purpose,
}
assert set(_RENDERERS) == set(GATE_CODES)


# --- compilation ----------------------------------------------------------------------------------


def compile_checks(
    gates: Gates,
    *,
    kind: ProductKind,
    min_amount: Decimal | None,
    valid_from: date | None,
    valid_to: date | None,
    collateral: CollateralKind | None,
) -> tuple[Check, ...]:
    """The product's gates as ``(function, parameter)`` pairs, in :data:`GATE_CODES` order."""
    checks: list[Check] = []
    if valid_from is not None or valid_to is not None:
        checks.append(make_check(gate_validity, (valid_from, valid_to)))
    checks.append(make_check(gate_product_kind, kind))
    if min_amount is not None and min_amount > 0:
        checks.append(make_check(gate_min_amount, min_amount))
    if gates.region_prefix:
        checks.append(make_check(gate_region_prefix, gates.region_prefix))
    if gates.industry_prefix:
        checks.append(make_check(gate_industry_prefix, gates.industry_prefix))
    if gates.qualifications_any:
        checks.append(make_check(gate_qualifications_any, gates.qualifications_any))
    if gates.eligible_any:
        checks.append(make_check(gate_eligible_any, gates.eligible_any))
    if gates.size_class_any:
        checks.append(make_check(gate_size_class_any, gates.size_class_any))
    if gates.min_years_established is not None:
        checks.append(make_check(gate_min_years_established, gates.min_years_established))
    if gates.min_operating_revenue is not None:
        checks.append(make_check(gate_min_operating_revenue, gates.min_operating_revenue))
    if gates.max_debt_ratio_pct is not None:
        checks.append(make_check(gate_max_debt_ratio_pct, gates.max_debt_ratio_pct))
    if gates.min_rd_ratio_pct is not None:
        checks.append(make_check(gate_min_rd_ratio_pct, gates.min_rd_ratio_pct))
    if gates.min_ip_class_i is not None:
        checks.append(make_check(gate_min_ip_class_i, gates.min_ip_class_i))
    if gates.min_ip_class_ii is not None:
        checks.append(make_check(gate_min_ip_class_ii, gates.min_ip_class_ii))
    if gates.min_ip_class_i_or_ii is not None:
        checks.append(make_check(gate_min_ip_class_i_or_ii, gates.min_ip_class_i_or_ii))
    if gates.min_credit_grade is not None:
        checks.append(make_check(gate_min_credit_grade, normalize_grade(gates.min_credit_grade)))
    if collateral in COLLATERAL_GATED:
        checks.append(make_check(gate_collateral, collateral))
    if gates.requires_confirmed_receivable or collateral is CollateralKind.RECEIVABLES:
        checks.append(make_check(gate_requires_confirmed_receivable, True))
    if gates.requires_existing_loan or collateral is CollateralKind.AS_EXISTING:
        checks.append(make_check(gate_requires_existing_loan, True))
    if gates.purpose_any:
        checks.append(make_check(gate_purpose_any, gates.purpose_any))
    return tuple(checks)


def evaluate_gates(checks: tuple[Check, ...], facts: EnterpriseFacts, demand: Demand) -> list[GateResult]:
    """Run every check; ``None`` results (gate not applicable) are dropped."""
    results = []
    for fn, param, _ in checks:
        r = fn(param, facts, demand)
        if r is not None:
            results.append(r)
    return results
