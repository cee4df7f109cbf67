"""The fast renderings of a match outcome say exactly what the slow ones say."""

from __future__ import annotations

from typing import Any

from tidu_finance_match.domain.matching import match
from tidu_finance_match.serialize import OutcomeRenderer, dumps


def test_component_dicts_equal_the_components_as_dicts(make: Any, catalogue: Any) -> None:
    outcome = match(make.demand(), make.snapshot(), catalogue.products, make.as_of)
    assert outcome.matched
    for m in outcome.matched:
        assert m.component_dicts() == [c.as_dict() for c in m.components]
    partial = match(make.demand(amount=make.demand().amount * 100), make.snapshot(), catalogue.products, make.as_of)
    for m in partial.matched:
        assert m.component_dicts() == [c.as_dict() for c in m.components]


def test_the_renderer_lists_each_gate_of_each_product(make: Any, catalogue: Any) -> None:
    young = make.snapshot(indicators=None, assessments=())
    outcome = match(make.demand(has_existing_loan=True), young, catalogue.products, make.as_of)
    out = OutcomeRenderer().outcome(outcome)
    assert out["counts"] == {
        "matched": len(outcome.matched),
        "needs_data": len(outcome.needs_data),
        "not_matched": len(outcome.not_matched),
    }
    for entry, miss in zip(out["not_matched"], outcome.not_matched, strict=True):
        assert entry["product_code"] == miss.product.code
        assert entry["failed"] == [r.as_dict() for r in miss.failed]
        assert entry["unknown"] == [r.as_dict() for r in miss.unknown]
    for entry, miss in zip(out["needs_data"], outcome.needs_data, strict=True):
        assert entry["missing"] == list(miss.missing)
        assert entry["passed"] == [r.as_dict() for r in miss.passed]
    for entry, m in zip(out["matched"], outcome.matched, strict=True):
        assert entry["reasons"] == [r.as_dict() for r in m.reasons]
    body = dumps(out)  # Decimals as strings
    assert b'"required":"' in body or b'"required":[' in body
    kept = OutcomeRenderer().outcome(outcome, keep=lambda p: p.institution_code == "demo-ccb")
    codes = {e["product_code"] for part in ("matched", "needs_data", "not_matched") for e in kept[part]}
    assert codes == {p.code for p in catalogue.products if p.institution_code == "demo-ccb"}
