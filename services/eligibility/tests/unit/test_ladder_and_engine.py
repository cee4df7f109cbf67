"""The next tier on the ladder (domain-rules §10) and the engine's public surface."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from tidu_eligibility.domain.engine import evaluate
from tidu_eligibility.domain.inputs import InputError, parse_inputs
from tidu_eligibility.domain.ruleset_loader import RuleSetNotFound

Run = Callable[..., Any]


def _q(kind: str, granted: str = "2023-01-01", expires: str | None = "2026-12-31", level: str = "provincial") -> dict:
    return {"kind": kind, "level": level, "granted_on": granted, "expires_on": expires}


@pytest.mark.parametrize(
    ("qualifications", "as_of", "district", "tier", "held"),
    [
        ([], date(2024, 6, 1), "500114", "pool", None),  # a pool is in force for 黔江区
        ([], date(2024, 6, 1), "500113", "tech_sme", None),  # none for 巴南区
        ([], date(2026, 6, 1), "500114", "tech_sme", None),  # Qianjiang's 2022-2025 plan has ended
        ([_q("tech_sme")], date(2024, 6, 1), "500114", "innovative", "tech_sme"),
        ([_q("tech_sme")], date(2026, 6, 1), "500114", "srdi", "tech_sme"),  # 2026: tech SME may apply for 专精特新
        ([_q("innovative_sme")], date(2024, 6, 1), "500114", "srdi", "innovative"),
        ([_q("srdi_sme"), _q("tech_sme")], date(2024, 6, 1), "500114", "little_giant", "srdi"),
        ([_q("srdi_sme", expires="2023-12-31")], date(2024, 6, 1), "500113", "tech_sme", None),
        ([_q("little_giant", level="national")], date(2024, 6, 1), "500114", "single_champion", "little_giant"),
        ([_q("high_tech", level="national")], date(2024, 6, 1), "500113", "tech_sme", None),  # a parallel label
    ],
)
def test_next_tier(run: Run, qualifications: list, as_of: date, district: str, tier: str, held: str | None) -> None:
    firm = {"enterprise": {"industry_code": "M7310", "district_code": district}, "qualifications": qualifications}
    a = run("size", firm, as_of=as_of)
    assert (a.next_tier.tier, a.next_tier.held) == (tier, held)


def test_next_tier_names_the_rule_set_in_force(run: Run, innovative_firm: dict) -> None:
    a = run("innovative-2022", innovative_firm, year=2024)
    assert (a.next_tier.tier, a.next_tier.held, a.next_tier.ruleset_id) == ("srdi", "innovative", "srdi-2022")


def test_listed_is_the_top(run: Run) -> None:
    a = run("size", {"qualifications": [_q("listed", expires=None)]})
    assert a.next_tier is None


def test_to_dict_is_json_with_decimals_as_strings(run: Run, srdi22_firm: dict) -> None:
    data = run("srdi-2022", srdi22_firm, year=2024).to_dict()
    text = json.dumps(data, ensure_ascii=False)
    assert json.loads(text) == data
    assert data["result"] == "eligible"
    assert data["ruleset"] == {
        "id": "srdi-2022",
        "version": 1,
        "title": "专精特新中小企业认定标准（2022）",
        "tier": "srdi",
        "effective_from": "2022-06-01",
        "effective_to": "2026-03-31",
        "citation": "《优质中小企业梯度培育管理暂行办法》（工信部企业〔2022〕63号）附件2 专精特新中小企业认定标准",
    }
    ratio = next(t for t in data["trace"] if t["key"] == "rd.ratio")
    assert ratio["value"] == "0.05"
    assert ratio["reads"] == [
        {"input": "rd_expense", "year": 2024, "value": "250"},
        {"input": "operating_revenue", "year": 2024, "value": "5000"},
    ]
    assert data["score"]["points"] == 72


def test_module_level_evaluate_with_the_packaged_rule_sets(innovative_firm: dict) -> None:
    a = evaluate("innovative", date(2025, 6, 1), None, innovative_firm)
    assert (a.ruleset.id, a.year, a.result.value) == ("innovative-2022", 2024, "eligible")


def test_accepts_parsed_inputs(run: Run, innovative_firm: dict) -> None:
    assert run("innovative-2022", parse_inputs(innovative_firm), year=2024).score.points == 90


def test_unknown_target(run: Run) -> None:
    with pytest.raises(RuleSetNotFound):
        run("champion", {})


def test_bad_inputs(run: Run) -> None:
    with pytest.raises(InputError, match="years"):
        run("srdi", {"years": "lots"})


def test_every_trace_line_cites_a_clause(run: Run, srdi22_firm: dict, lg22_firm: dict, pool_firm: dict) -> None:
    for a in (
        run("srdi-2022", srdi22_firm, year=2024),
        run("little-giant-2022", lg22_firm, year=2024),
        run("pool", pool_firm, as_of=date(2024, 6, 1), year=2023),
    ):
        assert all(t.clause for t in a.trace)
