"""POST /v1/evaluations: the worked examples of domain-rules §12 through HTTP, the rules version
header, version selection by as_of, and bad input as 4xx problem+json (never a 500)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

CASES = Path(__file__).resolve().parents[1] / "cases" / "worked-examples.yaml"


def as_request(case: dict[str, Any]) -> dict[str, Any]:
    """A case of the domain's case files as the request body (``years`` → ``indicators``)."""
    inputs = case["inputs"]
    body: dict[str, Any] = {
        "enterprise": inputs.get("enterprise", {}),
        "indicators": inputs.get("years", {}),
        "qualifications": inputs.get("qualifications", []),
        "awards": inputs.get("awards", []),
        "as_of": case["as_of"],
    }
    target = case["target"]
    body["tier" if target in ("size", "pool", "innovative", "srdi", "little_giant") else "ruleset"] = target
    if case.get("year") is not None:
        body["year"] = case["year"]
    result: dict[str, Any] = orjson.loads(orjson.dumps(body, default=str, option=orjson.OPT_NON_STR_KEYS))
    return result


def worked_examples() -> list[Any]:
    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    return [pytest.param(c, id=c["name"]) for c in cases]


@pytest.mark.parametrize("case", worked_examples())
async def test_worked_examples_through_http(service: Any, auth_header: Any, case: dict[str, Any]) -> None:
    app, client = service
    body = as_request(case)
    r = await client.post("/v1/evaluations", json=body, headers=auth_header("enterprise", uscc="X"))
    assert r.status_code == 200, r.text
    got = r.json()
    # the route serialises the engine's dataclasses directly: the same JSON as Assessment.to_dict()
    inputs = {"enterprise": body["enterprise"], "years": body["indicators"], "qualifications": body["qualifications"]}
    engine = app.state.eligibility.book.engine
    as_of = dt.date.fromisoformat(body["as_of"])
    assert got == engine.evaluate(case["target"], as_of, case.get("year"), inputs).to_dict()
    expect = case["expect"]
    assert r.headers["x-rules-version"] == f"{got['ruleset']['id']}@{got['ruleset']['version']}"
    assert got["result"] == expect["result"]
    assert sorted(got["missing"]) == sorted(expect.get("missing", got["missing"]))
    if isinstance(expect.get("ruleset"), str):
        assert got["ruleset"]["id"] == expect["ruleset"]
    if "score" in expect:
        assert (got["score"] or {}).get("points") == expect["score"]
    if "groups" in expect:
        assert {g["key"]: g["points"] for g in got["score"]["groups"]} == expect["groups"]
    if "size_class" in expect:
        assert got["size_class"] == expect["size_class"]
    if "next_tier" in expect:
        assert got["next_tier"]["tier"] == expect["next_tier"]
    for key, fields in (expect.get("trace") or {}).items():
        line = next(t for t in got["trace"] if t["key"] == key)
        assert {k: line[k] for k in fields} == fields, key
    for gap in expect.get("gaps", []):
        assert any(all(g.get(k) == v for k, v in gap.items()) for g in got["gaps"]), gap


async def test_response_shape_trace_gaps_and_header(service: Any, auth_header: Any) -> None:
    """srdi-2026 with R&D 2.4% of revenue: not eligible; the trace names clause, inputs with their
    year, value, threshold and pass/fail; the gap is the smallest R&D change."""
    _, client = service
    body = {
        "ruleset": "srdi-2026",
        "as_of": "2026-06-01",
        "enterprise": {"industry_code": "C3825", "niche_market_since": "2018-01-01"},
        "indicators": {
            "2025": {"operating_revenue": "5000", "main_business_revenue": "4500", "rd_expense": "120",
                     "total_assets": "2000", "total_liabilities": "1000", "ip_class_i": 2,
                     "rd_institution_level": "city", "equity_financing": "0", "development_score": "70"},
            "2024": {"operating_revenue": "4000", "rd_expense": "150", "equity_financing": "0"},
        },
        "qualifications": [{"kind": "innovative_sme", "level": "provincial", "granted_on": "2025-03-01",
                            "expires_on": "2028-02-29"}],
    }  # fmt: skip
    r = await client.post("/v1/evaluations", json=body, headers=auth_header("operator", district="500113"))
    assert r.status_code == 200, r.text
    assert r.headers["x-rules-version"] == "srdi-2026@1"
    got = r.json()
    assert got["result"] == "not_eligible"
    assert got["score"] is None  # srdi-2026 does not score
    assert got["ruleset"]["citation"].startswith("《优质中小企业梯度培育管理办法》")
    assert got["year"] == 2025
    rd = [t for t in got["trace"] if t["passed"] is False]
    assert rd, got["trace"]
    line = next(t for t in got["trace"] if any(x["input"] == "rd_expense" and x["year"] == 2025 for x in t["reads"]))
    assert line["clause"] and line["threshold"]
    gap = next(g for g in got["gaps"] if g["kind"] == "condition")
    option = next(o for o in gap["options"] if o["input"] == "rd_expense")
    assert (option["year"], option["required"], option["delta"]) == (2025, "150", "30")
    assert got["next_tier"] is not None


async def test_explain_false_gives_the_decision_only(service: Any, auth_header: Any) -> None:
    _, client = service
    body = {"tier": "size", "as_of": "2025-06-01", "explain": False, "enterprise": {"industry_code": "I6510"},
            "indicators": {"2024": {"employees": 120, "operating_revenue": 800}}}  # fmt: skip
    got = (await client.post("/v1/evaluations", json=body, headers=auth_header("admin"))).json()
    assert (got["result"], got["size_class"], got["trace"], got["gaps"], got["next_tier"]) == (
        "eligible",
        "small",
        [],
        [],
        None,
    )


async def test_tier_selects_the_rule_set_in_force_on_as_of(service: Any, auth_header: Any) -> None:
    _, client = service
    got = {}
    for as_of in ("2022-06-01", "2026-03-31", "2026-04-01", "2027-01-01"):
        body = {"tier": "srdi", "as_of": as_of, "enterprise": {"industry_code": "C3825"}}
        r = await client.post("/v1/evaluations", json=body, headers=auth_header("commissioner"))
        assert r.status_code == 200, r.text
        got[as_of] = (r.headers["x-rules-version"], r.json()["year"])
    assert got == {
        "2022-06-01": ("srdi-2022@1", 2021),
        "2026-03-31": ("srdi-2022@1", 2025),
        "2026-04-01": ("srdi-2026@1", 2025),
        "2027-01-01": ("srdi-2026@1", 2026),
    }


async def test_an_id_after_its_end_applies_its_last_version_with_a_note(service: Any, auth_header: Any) -> None:
    """A 2026 复核 of a 2022 cohort asks for little-giant-2022 by id."""
    _, client = service
    body = {"ruleset": "little-giant-2022", "as_of": "2026-06-01", "enterprise": {}}
    r = await client.post("/v1/evaluations", json=body, headers=auth_header("institution", inst="b1"))
    assert r.status_code == 200
    assert r.headers["x-rules-version"] == "little-giant-2022@1"
    assert any("ended" in n for n in r.json()["notes"])


BAD_INPUT: list[tuple[dict[str, Any], int, str, str]] = [
    ({"enterprise": {"niche_since": "2018-01-01"}}, 422, "input_invalid", "enterprise"),
    ({"indicators": {"2025": {"rd_expenses": "1"}}}, 422, "input_invalid", "indicators[2025]"),
    ({"indicators": {"2025": {"rd_expense": "12,5"}}}, 422, "input_invalid", "indicators[2025].rd_expense"),
    ({"indicators": {"2025": {"rd_expense": "-1"}}}, 422, "input_invalid", "indicators[2025].rd_expense"),
    ({"indicators": {"twenty": {}}}, 422, "input_invalid", "indicators['twenty']"),
    ({"enterprise": {"niche_market_since": "2018-13-01"}}, 422, "input_invalid", "enterprise.niche_market_since"),
    (
        {"indicators": {"2025": {"operating_revenue": "1e300"}}},
        422,
        "input_invalid",
        "indicators[2025].operating_revenue",
    ),
    ({"indicators": {"2025": {"rd_expense": "0.0000000000001"}}}, 422, "input_invalid", "indicators[2025].rd_expense"),
    (
        {"qualifications": [{"kind": "gold_star", "granted_on": "2020-01-01"}]},
        422,
        "input_invalid",
        "qualifications[0].kind",
    ),
    (
        {"awards": [{"kind": "st_award", "level": "galactic", "year": 2024}]},
        422,
        "input_invalid",
        "awards[0].level",
    ),
    ({"as_of": "2026-02-30"}, 422, "validation_failed", "as_of"),
    ({"year": "last"}, 422, "validation_failed", "year"),
    ({"colour": "red"}, 422, "validation_failed", "colour"),
    ({"tier": "srdi"}, 422, "validation_failed", "body"),
    ({"ruleset": "srdi-1999"}, 422, "ruleset_not_found", "ruleset"),
    ({"ruleset": "srdi-2026", "as_of": "2020-01-01"}, 422, "ruleset_not_found", "ruleset"),
]


async def test_bad_input_is_a_problem_naming_the_field(service: Any, auth_header: Any) -> None:
    _, client = service
    wrong = []
    for change, status, code, field in BAD_INPUT:
        body = {"ruleset": "srdi-2026", "as_of": "2026-06-01", "enterprise": {"industry_code": "C3825"}, **change}
        r = await client.post("/v1/evaluations", json=body, headers=auth_header("admin"))
        problem = r.json()
        fields = [e["field"] for e in problem.get("errors", [])]
        ok = (
            r.status_code == status
            and r.headers["content-type"].startswith("application/problem+json")
            and problem.get("code") == code
            and bool(problem.get("detail"))  # Chinese
            and any(f.startswith(field) for f in fields)
        )
        if not ok:
            wrong.append((change, r.status_code, problem))
    assert wrong == []


async def test_unknown_fields_are_named(service: Any, auth_header: Any) -> None:
    _, client = service
    body = {"tier": "innovative", "enterprise": {"colour": "red", "mood": 1}}
    problem = (await client.post("/v1/evaluations", json=body, headers=auth_header("admin"))).json()
    assert problem["errors"][0]["code"] == "unknown_field"
    assert "colour" in problem["errors"][0]["message"] and "mood" in problem["errors"][0]["message"]


async def test_evaluations_need_a_token_and_the_docs_render(service: Any) -> None:
    _, client = service
    r = await client.post("/v1/evaluations", json={"tier": "srdi"})
    assert r.status_code == 401
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"/v1/evaluations", "/v1/rulesets/{ruleset_id}", "/v1/candidates", "/v1/batch-runs/{run_id}"} <= set(paths)
