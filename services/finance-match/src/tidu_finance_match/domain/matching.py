"""Matching a financing demand against the product catalogue.

``match(demand, snapshot, products, as_of)`` evaluates every product's hard
gates (see :mod:`gates`) against the enterprise facts and the demand, and sorts
the products into three lists:

- ``matched``: every gate passes. Ranked, each with its passing gates as the
  reasons and a score breakdown.
- ``needs_data``: no gate fails but at least one is unknown (missing data).
  Not matched, never pushed to an institution; lists the unknown gates with the
  missing fields, and the passing ones.
- ``not_matched``: at least one gate fails. Lists **each** failing gate, each
  unknown gate, and the passing ones.

Ranking (data-driven, :class:`RankingWeights`): tier-exclusive products first
(``exclusive_first``), then by a score in [0, 1] that is the weighted mean of

- ``amount_fit``: the share of the requested amount the product's maximum
  covers (1.0 when the maximum reaches the request). Amounts below the
  product's minimum are a hard gate (``min_amount``), above its maximum only
  lower this score: a 300万 product is still worth showing for a 500万 demand.
- ``term_fit``: 1.0 when the requested term is inside the product's term
  envelope, else the ratio of the nearer bound to the request (or vice versa).
  Terms are negotiable, so never a gate.
- ``rate``: cheapness of the product's price (the mid-point of the rate
  envelope for loans, the fee envelope for guarantees) on a linear scale from
  ``rate_ceiling_pct`` (0.0) to ``rate_floor_pct`` (1.0).
- ``speed``: the institution's record: 1 − p50 decision time / ``speed_horizon_hours``
  (clamped). Its weight is multiplied by the demand's urgency
  (``speed_multiplier_by_urgency``), so urgent demands favour fast deciders.

A component that does not apply (no envelope, no term requested, no decision
record yet) scores ``neutral`` (0.5) rather than being dropped, so a product is
neither rewarded nor punished for data it does not have. Ties are broken by
product code, so the order is deterministic.

Scores are floats (they are not money). Money stays Decimal.

Performance: each product's gates are compiled at load time into
``(function, parameter, key)`` checks, and its check keys into getters of its
results (:class:`~tidu_finance_match.domain.gates.CheckKeys`). One matching run
evaluates each distinct (gate, threshold) once into a list indexed by key
(which checks those are is worked out once per tuple of products and kept), then
works column-wise over the products in C loops (``map``/``compress``): each
product's results tuple in one call, whether any of its keys fails or is
unknown by set disjointness, the misses built without a Python call each; only
the products that pass every gate are scored in a Python loop. Results are
shared between products (one object per distinct gate and threshold), and
messages and score bases are rendered only when read. For re-matching many
open demands after a catalogue change, compute :func:`enterprise_facts` once
per enterprise and call :func:`rematch_product` for each changed product.
The catalogue is long-lived: a composition root that calls ``gc.freeze()``
after loading it keeps full collections from re-scanning it, which trims the
latency tail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from itertools import chain, compress, repeat
from operator import call, not_
from types import MappingProxyType
from typing import Any, NamedTuple, cast

from tidu_finance_match.domain.catalogue import Product
from tidu_finance_match.domain.demands import Demand
from tidu_finance_match.domain.enterprise import EnterpriseFacts, EnterpriseSnapshot, enterprise_facts
from tidu_finance_match.domain.errors import DomainError
from tidu_finance_match.domain.gates import (
    BATCHES,
    FAIL,
    PASS,
    UNKNOWN,
    BatchFn,
    Check,
    GateResult,
    gate_product_kind,
)
from tidu_finance_match.domain.vocabulary import ProductKind


class MatchStatus(StrEnum):
    MATCHED = "matched"
    NEEDS_DATA = "needs_data"
    NOT_MATCHED = "not_matched"


def _default_urgency_multipliers() -> Mapping[str, float]:
    return MappingProxyType({"low": 0.5, "normal": 1.0, "high": 1.5, "urgent": 2.0})


@dataclass(frozen=True, slots=True)
class RankingWeights:
    amount_fit: float = 0.35
    term_fit: float = 0.15
    rate: float = 0.30
    speed: float = 0.20
    speed_multiplier_by_urgency: Mapping[str, float] = field(default_factory=_default_urgency_multipliers)
    neutral: float = 0.5
    rate_floor_pct: float = 0.0
    rate_ceiling_pct: float = 8.0
    speed_horizon_hours: float = 240.0
    exclusive_first: bool = True

    def __post_init__(self) -> None:
        for name in ("amount_fit", "term_fit", "rate", "speed"):
            if getattr(self, name) < 0:
                raise DomainError("invalid_weights", f"{name} must be ≥ 0")
        if self.rate_ceiling_pct <= self.rate_floor_pct:
            raise DomainError("invalid_weights", "rate_ceiling_pct must exceed rate_floor_pct")
        if self.speed_horizon_hours <= 0:
            raise DomainError("invalid_weights", "speed_horizon_hours must be > 0")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> RankingWeights:
        """Weights from configuration data (unknown keys are an error)."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise DomainError("invalid_weights", f"unknown ranking weight(s): {', '.join(sorted(unknown))}")
        kw = dict(data)
        if "speed_multiplier_by_urgency" in kw:
            kw["speed_multiplier_by_urgency"] = MappingProxyType(
                {**_default_urgency_multipliers(), **kw["speed_multiplier_by_urgency"]}
            )
        return cls(**kw)


DEFAULT_WEIGHTS = RankingWeights()


class ScoreComponent(NamedTuple):
    """One term of the ranking score. ``basis`` holds the values the messages quote."""

    name: str
    value: float
    """In [0, 1]."""
    weight: float
    """Effective weight (after the urgency multiplier)."""
    contribution: float
    """weight × value / Σ weights: the components' contributions add up to the score."""
    basis: tuple[Any, ...]

    @property
    def basis_zh(self) -> str:
        return _render_basis(self)[0]

    @property
    def basis_en(self) -> str:
        return _render_basis(self)[1]

    def as_dict(self) -> dict[str, Any]:
        zh, en = _render_basis(self)
        return {
            "name": self.name,
            "value": round(self.value, 4),
            "weight": round(self.weight, 4),
            "contribution": round(self.contribution, 4),
            "basis_zh": zh,
            "basis_en": en,
        }


def _fmt(d: Decimal) -> str:
    return f"{d.normalize():f}"


def _render_basis(c: ScoreComponent) -> tuple[str, str]:
    return _texts(c.name, c.value, c.basis)


def _texts(name: str, value: float, basis: tuple[Any, ...]) -> tuple[str, str]:
    # Only a partial amount fit quotes the value: leave it out of the cache key otherwise.
    return _basis_texts(name, value if basis[0] == "partial" else 0.0, basis)


@lru_cache(maxsize=8192)
def _basis_texts(name: str, value: float, b: tuple[Any, ...]) -> tuple[str, str]:
    """The texts of a score component: pure in (name, value, basis), so cached across products and
    requests (a catalogue repeats its envelopes; a demand's amount and term repeat per request)."""
    tag = b[0]
    if tag == "na":
        return {
            "amount_fit": ("产品无额度上限信息", "no amount ceiling"),
            "term_fit": ("无期限可比", "no term to compare"),
            "rate": ("无利率或费率信息", "no rate or fee"),
            "speed": ("机构暂无审批时效记录", "no decision-time record yet"),
        }[name]
    if name == "amount_fit":
        top, amount = _fmt(b[1]), _fmt(b[2])
        if tag == "covers":
            return (
                f"额度上限 {top} 万元可覆盖需求 {amount} 万元",
                f"ceiling {top} 万元 covers the {amount} 万元 requested",
            )
        return (
            f"额度上限 {top} 万元，覆盖需求 {amount} 万元的 {value:.0%}",
            f"ceiling {top} 万元 covers {value:.0%} of the {amount} 万元 requested",
        )
    if name == "term_fit":
        term = _fmt(b[1])
        low = _fmt(b[2]) if b[2] is not None else "—"
        high = _fmt(b[3]) if b[3] is not None else "—"
        if tag == "inside":
            return f"期限 {term} 个月在产品期限 {low}–{high} 个月内", f"term {term} months inside {low}–{high}"
        return f"期限 {term} 个月，产品期限 {low}–{high} 个月", f"term {term} months outside {low}–{high}"
    if name == "rate":
        mid = _fmt(b[1])
        if tag == "rate":
            return f"年利率区间中值 {mid}%", f"mid-point rate {mid}% a year"
        return f"担保费率区间中值 {mid}%", f"mid-point fee {mid}% a year"
    hours = b[1]
    return f"机构审批时间中位数 {hours:.1f} 小时", f"institution's median decision time {hours:.1f} h"


COMPONENT_NAMES: tuple[str, str, str, str] = ("amount_fit", "term_fit", "rate", "speed")


@lru_cache(maxsize=16384)
def _component_dict(name: str, value: float, weight: float, total: float, basis: tuple[Any, ...]) -> dict[str, Any]:
    zh, en = _texts(name, value, basis)
    return {
        "name": name,
        "value": round(value, 4),
        "weight": round(weight, 4),
        "contribution": round((weight * value / total) if total > 0 else 0.0, 4),
        "basis_zh": zh,
        "basis_en": en,
    }


class ProductMatch(NamedTuple):
    """A matched product. ``components`` (the score breakdown) is built when read."""

    rank: int
    product: Product
    score: float
    values: tuple[float, float, float, float]
    """Component values in :data:`COMPONENT_NAMES` order, each in [0, 1]."""
    weights: tuple[float, float, float, float]
    """Effective weights in the same order (speed already multiplied by urgency)."""
    requested_amount: Decimal
    requested_term_months: Decimal | None
    decision_p50_hours: float | None
    reasons: tuple[GateResult, ...]
    """The gates it passes: why it matches."""

    @property
    def product_code(self) -> str:
        return self.product.code

    @property
    def product_name(self) -> str:
        return self.product.name

    @property
    def institution_code(self) -> str:
        return self.product.institution_code

    @property
    def kind(self) -> ProductKind:
        return self.product.kind

    @property
    def tier_exclusive(self) -> bool:
        return bool(self.product.tier_exclusive)

    @property
    def components(self) -> tuple[ScoreComponent, ...]:
        total = sum(self.weights)
        return tuple(
            ScoreComponent(name, v, w, (w * v / total) if total > 0 else 0.0, b)
            for name, v, w, b in zip(COMPONENT_NAMES, self.values, self.weights, self._bases(), strict=True)
        )

    def component_dicts(self) -> list[dict[str, Any]]:
        """``[c.as_dict() for c in self.components]``, without building the components (the hot
        path of rendering a thousand products' score breakdowns). The dicts are shared between
        calls: read them, do not change them."""
        total = sum(self.weights)
        return [
            _component_dict(name, v, w, total, b)
            for name, v, w, b in zip(COMPONENT_NAMES, self.values, self.weights, self._bases(), strict=True)
        ]

    def _bases(self) -> tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]:
        p = self.product
        na = ("na",)
        top = p.amount.max if p.amount is not None else None
        if top is None:
            amount_b: tuple[Any, ...] = na
        else:
            amount_b = ("covers" if top >= self.requested_amount else "partial", top, self.requested_amount)
        term, env = self.requested_term_months, p.term_months
        if term is None or env is None:
            term_b: tuple[Any, ...] = na
        else:
            term_b = ("inside" if env.contains(term) else "outside", term, env.min, env.max)
        cost = p.cost_pct
        mid = cost.midpoint if cost is not None else None
        rate_b = na if mid is None else ("rate" if p.rate_pct is not None else "fee", mid)
        speed_b = na if self.decision_p50_hours is None else ("p50", self.decision_p50_hours)
        return amount_b, term_b, rate_b, speed_b


class ProductMiss(NamedTuple):
    """A product that did not match: ``failed`` gates (not_matched) or only ``unknown`` ones (needs_data)."""

    product: Product
    status: MatchStatus
    results: tuple[GateResult, ...]
    """Every applicable gate's result, in gate order."""

    @property
    def failed(self) -> tuple[GateResult, ...]:
        return tuple(r for r in self.results if r.status is FAIL)

    @property
    def unknown(self) -> tuple[GateResult, ...]:
        return tuple(r for r in self.results if r.status is UNKNOWN)

    @property
    def passed(self) -> tuple[GateResult, ...]:
        return tuple(r for r in self.results if r.status is PASS)

    @property
    def product_code(self) -> str:
        return self.product.code

    @property
    def product_name(self) -> str:
        return self.product.name

    @property
    def institution_code(self) -> str:
        return self.product.institution_code

    @property
    def kind(self) -> ProductKind:
        return self.product.kind

    @property
    def missing(self) -> tuple[str, ...]:
        """Input fields whose absence made gates unknown (what to complete)."""
        return _missing(self.unknown)


def _missing(unknown: tuple[GateResult, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for r in unknown:
        for m in r.missing:
            seen.setdefault(m, None)
    return tuple(seen)


@dataclass(frozen=True, slots=True)
class ProductEvaluation:
    product: Product
    status: MatchStatus
    passed: tuple[GateResult, ...]
    failed: tuple[GateResult, ...]
    unknown: tuple[GateResult, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        return _missing(self.unknown)


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    demand_id: str
    uscc: str
    as_of: date
    matched: tuple[ProductMatch, ...]
    needs_data: tuple[ProductMiss, ...]
    not_matched: tuple[ProductMiss, ...]

    @property
    def matched_codes(self) -> tuple[str, ...]:
        return tuple(m.product.code for m in self.matched)

    @property
    def needs_data_codes(self) -> tuple[str, ...]:
        return tuple(m.product.code for m in self.needs_data)


_Memo = dict[int, GateResult | None]
_Values = tuple[float, float, float, float]
_MISSING: Any = object()


def _run_checks(product: Product, facts: EnterpriseFacts, demand: Demand, memo: _Memo) -> tuple[int, list[GateResult]]:
    """All applicable gate results and the worst status: 0 all pass, 1 some unknown, 2 some fail."""
    results: list[GateResult] = []
    worst = 0
    for fn, param, key in product.checks:
        r = memo.get(key, _MISSING)
        if r is _MISSING:
            r = memo[key] = fn(param, facts, demand)
        if r is None:
            continue
        results.append(r)
        status = r.status
        if status is not PASS:
            if status is FAIL:
                worst = 2
            elif worst == 0:
                worst = 1
    return worst, results


def _split(results: list[GateResult]) -> tuple[tuple[GateResult, ...], tuple[GateResult, ...], tuple[GateResult, ...]]:
    return (
        tuple(r for r in results if r.status is PASS),
        tuple(r for r in results if r.status is FAIL),
        tuple(r for r in results if r.status is UNKNOWN),
    )


_STATUS = (MatchStatus.MATCHED, MatchStatus.NEEDS_DATA, MatchStatus.NOT_MATCHED)


def evaluate_product(product: Product, facts: EnterpriseFacts, demand: Demand) -> ProductEvaluation:
    """Run one product's gates (e.g. to re-match open demands against a changed product)."""
    worst, results = _run_checks(product, facts, demand, {})
    passed, failed, unknown = _split(results)
    return ProductEvaluation(product, _STATUS[worst], passed, failed, unknown)


class DemandCheck(NamedTuple):
    """One product's gates for one demand (from :func:`rematch_product`); lists are built when read."""

    demand_id: str
    status: MatchStatus
    results: tuple[GateResult, ...]

    @property
    def failed(self) -> tuple[GateResult, ...]:
        return tuple(r for r in self.results if r.status is FAIL)

    @property
    def unknown(self) -> tuple[GateResult, ...]:
        return tuple(r for r in self.results if r.status is UNKNOWN)

    @property
    def passed(self) -> tuple[GateResult, ...]:
        return tuple(r for r in self.results if r.status is PASS)


def rematch_product(product: Product, open_demands: Iterable[tuple[Demand, EnterpriseFacts]]) -> list[DemandCheck]:
    """Evaluate one new or changed product against many open demands.

    Facts are per enterprise and date: compute them once per enterprise (several demands of one
    enterprise share them). A demand whose status for the product changed is what the use case
    acts on (push newly matched, tell the institution of no-longer-matched pending cases, re-rank).
    """
    out: list[DemandCheck] = []
    append = out.append
    checks = product.checks
    for demand, facts in open_demands:
        results: list[GateResult] = []
        worst = 0
        for fn, param, _ in checks:
            r = fn(param, facts, demand)
            if r is None:
                continue
            results.append(r)
            if r.status is FAIL:
                worst = 2
            elif worst == 0 and r.status is UNKNOWN:
                worst = 1
        append(DemandCheck(demand.demand_id, _STATUS[worst], tuple(results)))
    return out


class _Scorer:
    """Per-demand scoring state: the demand's figures as floats and the weights, computed once."""

    __slots__ = ("amount", "ceiling", "hours", "neutral", "span", "speed_values", "term", "total", "weights")

    def __init__(self, demand: Demand, weights: RankingWeights, decision_speed: Mapping[str, timedelta] | None) -> None:
        speed_weight = weights.speed * weights.speed_multiplier_by_urgency.get(demand.urgency.value, 1.0)
        self.weights = (weights.amount_fit, weights.term_fit, weights.rate, speed_weight)
        self.total = sum(self.weights)
        self.amount = float(demand.amount)
        self.term = float(demand.term_months) if demand.term_months is not None else None
        self.neutral = weights.neutral
        self.ceiling = weights.rate_ceiling_pct
        self.span = weights.rate_ceiling_pct - weights.rate_floor_pct
        self.hours: dict[str, float] = {}
        self.speed_values: dict[str, float] = {}
        for inst, p50 in (decision_speed or {}).items():
            hours = p50.total_seconds() / 3600
            self.hours[inst] = hours
            self.speed_values[inst] = _clamp(1.0 - hours / weights.speed_horizon_hours)

    def score(self, product: Product) -> tuple[float, _Values]:
        """The product's score and its component values (amount, term, rate, speed)."""
        scores, values = self.scores((product,))
        return scores[0], values[0]

    def scores(self, products: Iterable[Product]) -> tuple[list[float], list[_Values]]:
        """:meth:`score` of each product, as a list of scores and one of component values (one
        loop over many: the hot path of ranking)."""
        scores: list[float] = []
        values: list[_Values] = []
        score_append, values_append = scores.append, values.append
        neutral, amount, term, ceiling, span = self.neutral, self.amount, self.term, self.ceiling, self.span
        speed_of, total = self.speed_values.get, self.total
        w0, w1, w2, w3 = self.weights
        for product in products:
            r = product.ranking
            top = r.amount_max
            amount_v = neutral if top is None else 1.0 if top >= amount else top / amount
            lo, hi = r.term_min, r.term_max
            if term is None or (lo is None and hi is None):
                term_v = neutral
            elif lo is not None and term < lo:
                term_v = term / lo
            elif hi is not None and term > hi:
                term_v = hi / term
            else:
                term_v = 1.0
            mid = r.cost_mid
            if mid is None:
                rate_v = neutral
            else:
                x = (ceiling - mid) / span
                rate_v = 0.0 if x < 0.0 else 1.0 if x > 1.0 else x  # _clamp
            speed_v = speed_of(product.institution_code, neutral)
            if total <= 0:
                score_append(neutral)
            else:
                score_append(round((w0 * amount_v + w1 * term_v + w2 * rate_v + w3 * speed_v) / total, 4))
            values_append((amount_v, term_v, rate_v, speed_v))
        return scores, values


def _clamp(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


class _Plan(NamedTuple):
    """What matching a demand against a sequence of products evaluates and reads, per product in
    order: each distinct check once, then each product's results by its check keys.

    ``singles`` are the checks evaluated one call each, ``batches`` those of a gate that takes many
    thresholds in one call (:data:`~tidu_finance_match.domain.gates.BATCHES`). Where a field comes
    in two variants, the plain one has every check and ``_any_kind`` every check but
    ``product_kind``'s (that gate does not apply, returns ``None`` and is not listed, when the
    demand does not restrict kinds).
    """

    singles: tuple[Check, ...]
    """For each distinct check key, the check of the first product that has it (the one whose
    parameter the shared result quotes, as when the products are evaluated in order)."""
    singles_any_kind: tuple[Check, ...]
    batches: tuple[tuple[BatchFn, tuple[int, ...], tuple[Any, ...]], ...]
    """``(batch, keys, params)``: ``batch(params, …)`` gives the results of ``keys``, in order."""
    keys: list[tuple[int, ...]]
    """Each product's check keys."""
    keys_any_kind: list[tuple[int, ...]]
    getters: list[Callable[[Any], tuple[Any, ...]]]
    """Each product's results getter (:class:`~tidu_finance_match.domain.gates.CheckKeys`)."""
    getters_any_kind: list[Callable[[Any], tuple[Any, ...]]]
    size: int
    """1 + the greatest key: the length of a run's results list, indexed by key."""


_PLANS: dict[int, tuple[tuple[Product, ...], _Plan]] = {}
_PLANS_KEPT = 8


def _plan(products: Sequence[Product]) -> _Plan:
    """The plan for ``products``: kept for a tuple (a loaded catalogue's, matched again and
    again), made afresh for anything else."""
    cacheable = type(products) is tuple
    if cacheable:
        kept = _PLANS.get(id(products))
        if kept is not None and kept[0] is products:
            return kept[1]
    cks = [p.check_keys for p in products]
    keys = [ck.all for ck in cks]
    checks = list(chain.from_iterable([p.checks for p in products]))
    # Built from the end, a key's entry ends up holding its first check.
    first = dict(zip(reversed(list(chain.from_iterable(keys))), reversed(checks), strict=True))
    singles: list[Check] = []
    grouped: dict[BatchFn, tuple[list[int], list[Any]]] = {}
    for c in first.values():
        batch = BATCHES.get(c.fn)
        if batch is None:
            singles.append(c)
        else:
            batch_keys, params = grouped.setdefault(batch, ([], []))
            batch_keys.append(c.key)
            params.append(c.param)
    plan = _Plan(
        singles=tuple(singles),
        singles_any_kind=tuple(c for c in singles if c.fn is not gate_product_kind),
        batches=tuple((batch, tuple(ks), tuple(ps)) for batch, (ks, ps) in grouped.items()),
        keys=keys,
        keys_any_kind=[ck.any_kind for ck in cks],
        getters=[ck.get_all for ck in cks],
        getters_any_kind=[ck.get_any_kind for ck in cks],
        size=max(first, default=-1) + 1,
    )
    if cacheable:
        if len(_PLANS) >= _PLANS_KEPT:  # old catalogues: let them go
            _PLANS.clear()
        _PLANS[id(products)] = (cast(tuple[Product, ...], products), plan)
    return plan


_new = tuple.__new__


def _misses(
    products: Sequence[Product], mask: Sequence[bool], status: MatchStatus, results: Sequence[Any]
) -> list[ProductMiss]:
    """The products ``mask`` selects as misses of ``status``, each with its gate results (C loops)."""
    return list(map(_new, repeat(ProductMiss), zip(compress(products, mask), repeat(status), compress(results, mask))))


def match_facts(
    demand: Demand,
    facts: EnterpriseFacts,
    products: Iterable[Product],
    *,
    weights: RankingWeights = DEFAULT_WEIGHTS,
    decision_speed: Mapping[str, timedelta] | None = None,
) -> MatchOutcome:
    """:func:`match` over precomputed facts (compute them once per enterprise and date)."""
    if not isinstance(products, Sequence):
        products = tuple(products)
    plan = _plan(products)
    if demand.product_kinds is not None:
        singles, keys, getters = plan.singles, plan.keys, plan.getters
    else:
        singles, keys, getters = plan.singles_any_kind, plan.keys_any_kind, plan.getters_any_kind
    # Each distinct (gate, threshold) once, results by key; the keys that fail or are unknown.
    by_key: list[GateResult | None] = [None] * plan.size
    fail: set[int] = set()
    unknown: set[int] = set()
    dropped = False
    for fn, param, key in singles:
        r = by_key[key] = fn(param, facts, demand)
        if r is None:
            dropped = True
        else:
            status = r.status
            if status is FAIL:
                fail.add(key)
            elif status is UNKNOWN:
                unknown.add(key)
    for batch, batch_keys, params in plan.batches:
        for key, r in zip(batch_keys, batch(params, facts, demand), strict=True):
            by_key[key] = r
            status = r.status
            if status is FAIL:
                fail.add(key)
            elif status is UNKNOWN:
                unknown.add(key)
    # Column-wise over the products (C loops): each one's results, whether any of its gates fails.
    results = list(map(call, getters, repeat(by_key)))
    passes = list(map(fail.isdisjoint, keys))
    fails = list(map(not_, passes))
    not_matched = _misses(products, fails, MatchStatus.NOT_MATCHED, results)
    # The rest: needs data (an unknown gate) or matches.
    candidates, candidate_keys, candidate_results = (
        list(compress(products, passes)),
        list(compress(keys, passes)),
        list(compress(results, passes)),
    )
    known = list(map(unknown.isdisjoint, candidate_keys))
    unsure = list(map(not_, known))
    needs_data = _misses(candidates, unsure, MatchStatus.NEEDS_DATA, candidate_results)
    scorer = _Scorer(demand, weights, decision_speed)
    winners = list(compress(candidates, known))
    reasons = list(compress(candidate_results, known))
    scores, values = scorer.scores(winners)
    exclusive_first = weights.exclusive_first
    sort_keys = [(not (exclusive_first and p.tier_exclusive), -s, p.code) for p, s in zip(winners, scores, strict=True)]
    if dropped:  # a gate that does not apply is not listed
        reasons = [_applicable(rs) for rs in reasons]
        needs_data = [m._replace(results=_applicable(m.results)) for m in needs_data]
        not_matched = [m._replace(results=_applicable(m.results)) for m in not_matched]
    order = sorted(range(len(winners)), key=sort_keys.__getitem__)
    amount, term, hours, w = demand.amount, demand.term_months, scorer.hours, scorer.weights
    institutions = [p.institution_code for p in winners]
    matched = tuple(
        _new(
            ProductMatch,
            (rank, winners[i], scores[i], values[i], w, amount, term, hours.get(institutions[i]), reasons[i]),
        )
        for rank, i in enumerate(order, start=1)
    )
    return MatchOutcome(
        demand_id=demand.demand_id,
        uscc=demand.uscc,
        as_of=facts.as_of,
        matched=matched,
        needs_data=tuple(needs_data),
        not_matched=tuple(not_matched),
    )


def _applicable(results: tuple[GateResult | None, ...]) -> tuple[GateResult, ...]:
    return tuple(r for r in results if r is not None)


def score_components(
    product: Product,
    demand: Demand,
    weights: RankingWeights = DEFAULT_WEIGHTS,
    decision_p50: timedelta | None = None,
) -> tuple[float, tuple[ScoreComponent, ...]]:
    """The ranking score of one product for a demand and its breakdown (gates not checked)."""
    speed = {product.institution_code: decision_p50} if decision_p50 is not None else None
    scorer = _Scorer(demand, weights, speed)
    score, values = scorer.score(product)
    pm = ProductMatch(
        0,
        product,
        score,
        values,
        scorer.weights,
        demand.amount,
        demand.term_months,
        scorer.hours.get(product.institution_code),
        (),
    )
    return score, pm.components


def match(
    demand: Demand,
    snapshot: EnterpriseSnapshot,
    products: Iterable[Product],
    as_of: date,
    *,
    weights: RankingWeights = DEFAULT_WEIGHTS,
    decision_speed: Mapping[str, timedelta] | None = None,
) -> MatchOutcome:
    """Match one demand against products as of a date.

    ``decision_speed`` maps an institution code to its p50 decision time
    (:func:`tidu_finance_match.domain.decision_stats.decision_times`).
    """
    if demand.uscc != snapshot.uscc:
        raise DomainError(
            "enterprise_mismatch",
            f"demand {demand.demand_id} is of {demand.uscc}, snapshot of {snapshot.uscc}",
            demand_uscc=demand.uscc,
            snapshot_uscc=snapshot.uscc,
        )
    return match_facts(
        demand,
        enterprise_facts(snapshot, as_of),
        products,
        weights=weights,
        decision_speed=decision_speed,
    )


__all__ = [
    "DEFAULT_WEIGHTS",
    "DemandCheck",
    "MatchOutcome",
    "MatchStatus",
    "ProductEvaluation",
    "ProductMatch",
    "ProductMiss",
    "RankingWeights",
    "ScoreComponent",
    "evaluate_product",
    "match",
    "match_facts",
    "rematch_product",
    "score_components",
]
