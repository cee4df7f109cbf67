"""Match outcomes as JSON: why each product matches, and each gate a product fails, in words
(中文 and English) and machine-readably (gate code, status, required, actual, missing inputs).

Large outcomes (a thousand products) are rendered as plain dicts and written with orjson; a gate
result shared by many products (the matcher evaluates each distinct gate and threshold once) is
rendered once per response. Money and other decimals are JSON strings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from fastapi.responses import Response

from tidu_finance_match.domain.catalogue import Product
from tidu_finance_match.domain.gates import FAIL, PASS, GateResult
from tidu_finance_match.domain.matching import MatchOutcome, ProductMatch, ProductMiss


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, frozenset | set):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, default=_default, option=orjson.OPT_NON_STR_KEYS)


def json_response(content: Any, *, status_code: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(dumps(content), status_code=status_code, media_type="application/json", headers=dict(headers or {}))


def money(value: Decimal | None) -> str | None:
    """万元 as text without trailing zeros (``Decimal('800.0000')`` → ``"800"``)."""
    if value is None:
        return None
    return f"{value.normalize():f}"


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


_SUMMARIES: dict[int, tuple[Product, dict[str, Any]]] = {}


def product_summary(p: Product) -> dict[str, Any]:
    """The product's identity fields (a fresh dict; the template is cached per product object:
    catalogue products live as long as the loaded catalogue)."""
    hit = _SUMMARIES.get(id(p))
    if hit is None or hit[0] is not p:
        if len(_SUMMARIES) > 50_000:
            _SUMMARIES.clear()
        hit = _SUMMARIES[id(p)] = (
            p,
            {
                "product_code": p.code,
                "product_name": p.name,
                "institution_code": p.institution_code,
                "kind": p.kind.value,
            },
        )
    return dict(hit[1])


class OutcomeRenderer:
    """Renders one outcome; memoises gate results by identity (the matcher shares one result
    between all products with the same gate and threshold)."""

    def __init__(self) -> None:
        self._gates: dict[int, dict[str, Any]] = {}

    def gate(self, r: GateResult) -> dict[str, Any]:
        key = id(r)
        d = self._gates.get(key)
        if d is None:
            d = self._gates[key] = r.as_dict()
        return d

    def gates(self, results: tuple[GateResult, ...]) -> list[dict[str, Any]]:
        g = self.gate
        return [g(r) for r in results]

    def _split(self, results: tuple[GateResult, ...]) -> tuple[list[Any], list[Any], list[Any]]:
        """(failed, unknown, passed) gate dicts, in gate order, in one pass."""
        failed: list[Any] = []
        unknown: list[Any] = []
        passed: list[Any] = []
        memo = self._gates
        for r in results:
            d = memo.get(id(r))
            if d is None:
                d = memo[id(r)] = r.as_dict()
            status = r.status
            (passed if status is PASS else failed if status is FAIL else unknown).append(d)
        return failed, unknown, passed

    def matched(self, m: ProductMatch, case: dict[str, Any] | None) -> dict[str, Any]:
        d = product_summary(m.product)
        d["rank"] = m.rank
        d["tier_exclusive"] = m.tier_exclusive
        d["score"] = m.score
        d["score_components"] = m.component_dicts()
        d["reasons"] = self.gates(m.reasons)
        d["case"] = case
        return d

    def needs_data(self, m: ProductMiss) -> dict[str, Any]:
        d = product_summary(m.product)
        _, unknown, passed = self._split(m.results)
        d["missing"] = list(m.missing)
        d["unknown"] = unknown
        d["passed"] = passed
        return d

    def not_matched(self, m: ProductMiss) -> dict[str, Any]:
        d = product_summary(m.product)
        failed, unknown, _ = self._split(m.results)
        d["failed"] = failed
        d["unknown"] = unknown
        return d

    def outcome(
        self,
        outcome: MatchOutcome,
        *,
        case_of: Callable[[str], dict[str, Any] | None] = lambda _code: None,
        keep: Callable[[Product], bool] | None = None,
    ) -> dict[str, Any]:
        """``case_of(product_code)`` adds the case of a pushed product; ``keep`` filters products
        (an institution sees its own)."""
        matched = outcome.matched if keep is None else tuple(m for m in outcome.matched if keep(m.product))
        needs = outcome.needs_data if keep is None else tuple(m for m in outcome.needs_data if keep(m.product))
        misses = outcome.not_matched if keep is None else tuple(m for m in outcome.not_matched if keep(m.product))
        render_miss = self.not_matched
        return {
            "as_of": outcome.as_of.isoformat(),
            "status": "matched" if matched else "needs_data" if needs else "not_matched",
            "counts": {"matched": len(matched), "needs_data": len(needs), "not_matched": len(misses)},
            "matched": [self.matched(m, case_of(m.product.code)) for m in matched],
            "needs_data": [self.needs_data(m) for m in needs],
            "not_matched": [render_miss(m) for m in misses],
        }
