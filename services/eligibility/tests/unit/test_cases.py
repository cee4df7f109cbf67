"""Runs every case file of tests/cases: rule set + inputs -> result, score, key trace lines, gaps.

A case file is a YAML list of cases::

    - name: what it shows
      target: innovative-2022          # rule-set id or tier
      as_of: 2025-06-01
      year: 2024                       # optional: defaults to as_of.year - 1
      review: false                    # optional
      inputs: {enterprise: ..., years: ..., qualifications: ..., awards: ...}
      expect:
        ruleset: innovative-2022       # or {id: ..., version: ...}
        result: eligible
        score: 90                      # null where the rule set does not score or the score is open
        score_range: [70, 90]
        groups: {innovation: 30}
        size_class: small
        missing: [main_business_revenue@2023]     # exactly these (any order)
        trace:                         # key -> fields of that line in to_dict() form
          rd_ratio: {value: "0.04", points: 15}
        gaps:                          # each must match one gap (listed fields only)
          - {kind: prerequisite, key: prerequisite}
        next_tier: srdi
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from tidu_eligibility.domain.engine import Engine

CASES_DIR = Path(__file__).resolve().parents[1] / "cases"


def _load() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            params.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return params


def _matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _matches(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list) and isinstance(actual, list) and expected and isinstance(expected[0], dict):
        return all(any(_matches(e, a) for a in actual) for e in expected)
    return expected == actual


def test_case_files_exist() -> None:
    assert len(_load()) >= 20


@pytest.mark.parametrize("case", _load())
def test_case(engine: Engine, case: dict[str, Any]) -> None:
    as_of = case["as_of"] if isinstance(case["as_of"], date) else date.fromisoformat(case["as_of"])
    a = engine.evaluate(case["target"], as_of, case.get("year"), case["inputs"], review=case.get("review", False))
    got = a.to_dict()
    expect = case["expect"]
    ruleset = expect.get("ruleset")
    if isinstance(ruleset, str):
        assert got["ruleset"]["id"] == ruleset
    elif ruleset is not None:
        assert _matches(ruleset, got["ruleset"]), got["ruleset"]
    assert got["result"] == expect["result"], (got["result"], got["missing"], got["notes"])
    if "score" in expect:
        assert (got["score"] or {}).get("points") == expect["score"]
    if "score_range" in expect:
        assert [got["score"]["points_min"], got["score"]["points_max"]] == expect["score_range"]
    if "groups" in expect:
        groups = {g["key"]: g["points"] for g in got["score"]["groups"]}
        assert {k: groups[k] for k in expect["groups"]} == expect["groups"]
    if "size_class" in expect:
        assert got["size_class"] == expect["size_class"]
    if "missing" in expect:
        assert sorted(got["missing"]) == sorted(expect["missing"])
    for key, fields in (expect.get("trace") or {}).items():
        line = next((t for t in got["trace"] if t["key"] == key), None)
        assert line is not None, f"no trace line {key}"
        assert _matches(fields, line), (key, line)
    for gap in expect.get("gaps") or []:
        assert any(_matches(gap, g) for g in got["gaps"]), (gap, got["gaps"])
    if "next_tier" in expect:
        assert (got["next_tier"] or {}).get("tier") == expect["next_tier"]
