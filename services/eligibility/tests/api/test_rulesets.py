"""Rule sets over HTTP: listing, one version with parameters and citations, uploads that apply from
their date (valid and invalid), persistence across a restart, and a malformed rule-set file that
stops start-up with a clear message."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tidu_eligibility.domain.ruleset_loader import default_ruleset_dir
from tidu_eligibility.domain.ruleset_schema import RuleSetError

YAML = {"Content-Type": "application/yaml"}


def packaged(ruleset_id: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((default_ruleset_dir() / f"{ruleset_id}.yaml").read_text("utf-8"))
    return data


def srdi26_v2(**over: Any) -> dict[str, Any]:
    """srdi-2026 version 2 from 2026-09-01: R&D ratio 4% instead of 3%."""
    data = copy.deepcopy(packaged("srdi-2026"))
    data.update(version=2, effective_from="2026-09-01")
    data["parameters"]["rd_ratio_min"]["value"] = "0.04"
    data["parameters"]["rd_ratio_min"]["citation"] = "更正通知（示例）：研发费用占营业收入比重不低于4%"
    data.update(over)
    return data


def as_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# a firm with R&D at 3.5% of revenue in both years: eligible under v1 (3%), not under v2 (4%)
FIRM = {
    "enterprise": {"industry_code": "C3825", "niche_market_since": "2018-01-01"},
    "indicators": {
        "2025": {"operating_revenue": "4000", "main_business_revenue": "3600", "rd_expense": "140",
                 "total_assets": "2000", "total_liabilities": "1000", "ip_class_i": 2, "equity_financing": "0",
                 "rd_institution_level": "city", "development_score": "70"},
        "2024": {"operating_revenue": "4000", "rd_expense": "140", "equity_financing": "0"},
    },
    "qualifications": [{"kind": "innovative_sme", "level": "provincial", "granted_on": "2025-03-01",
                        "expires_on": "2028-12-31"}],
}  # fmt: skip


async def test_list_shows_every_packaged_rule_set(service: Any, auth_header: Any) -> None:
    _, client = service
    r = await client.get("/v1/rulesets", headers=auth_header("enterprise", uscc="X"))
    assert r.status_code == 200
    got = {(x["id"], x["version"]): x for x in r.json()}
    assert set(got) == {
        ("size-2011", 1),
        ("innovative-2022", 1),
        ("srdi-2022", 1),
        ("little-giant-2022", 1),
        ("srdi-2026", 1),
        ("little-giant-2026", 1),
        ("pool-qianjiang-2022", 1),
    }
    assert got[("srdi-2026", 1)]["in_force"] is True  # today is 2026-06-01 in these tests
    assert got[("srdi-2022", 1)]["in_force"] is False
    assert got[("pool-qianjiang-2022", 1)]["district"] == "500114"
    assert {x["origin"] for x in got.values()} == {"packaged"}


async def test_one_version_shows_parameters_with_citations(service: Any, auth_header: Any) -> None:
    _, client = service
    r = await client.get("/v1/rulesets/innovative-2022?as_of=2025-06-01", headers=auth_header("department", dept="d"))
    assert r.status_code == 200
    assert r.headers["x-rules-version"] == "innovative-2022@1"
    got = r.json()
    params = {p["name"]: p for p in got["parameters"]}
    assert params["pass_mark"]["value"] == 60
    assert params["pass_mark"]["citation"]
    bands = params["rd_ratio_points"]["value"]
    assert bands["compare"] == "ge" and bands["thresholds"][0] == "0.05" and bands["points"][0] == 20
    assert all(p["citation"] for p in got["parameters"])
    assert got["document"].startswith("《")
    assert [v["version"] for v in got["versions"]] == [1]


async def test_a_date_before_the_first_version_is_404(service: Any, auth_header: Any) -> None:
    _, client = service
    r = await client.get("/v1/rulesets/srdi-2022?as_of=2021-01-01", headers=auth_header("admin"))
    assert r.status_code == 404
    assert r.json()["code"] == "ruleset_not_found"
    assert (await client.get("/v1/rulesets/nope", headers=auth_header("admin"))).status_code == 404


async def test_an_uploaded_version_applies_from_its_date(
    service: Any, auth_header: Any, app_client_factory: Any
) -> None:
    app, client = service
    r = await client.post("/v1/rulesets", content=as_yaml(srdi26_v2()), headers={**auth_header("admin"), **YAML})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["ruleset"]["id"], body["ruleset"]["version"], body["ruleset"]["origin"]) == (
        "srdi-2026",
        2,
        "uploaded",
    )
    assert [(c["version"], c["effective_to"], c["closed_by"]) for c in body["closed"]] == [
        (1, "2026-08-31", "srdi-2026@2")
    ]

    async def evaluate(as_of: str) -> tuple[str, str]:
        res = await client.post(
            "/v1/evaluations", json={"ruleset": "srdi-2026", "as_of": as_of, **FIRM}, headers=auth_header("admin")
        )
        assert res.status_code == 200, res.text
        return res.headers["x-rules-version"], res.json()["result"]

    assert await evaluate("2026-08-31") == ("srdi-2026@1", "eligible")
    assert await evaluate("2026-09-01") == ("srdi-2026@2", "not_eligible")
    detail = (await client.get("/v1/rulesets/srdi-2026?as_of=2026-09-01", headers=auth_header("admin"))).json()
    assert next(p for p in detail["parameters"] if p["name"] == "rd_ratio_min")["value"] == "0.04"
    assert [(v["version"], v["effective_to"]) for v in detail["versions"]] == [(1, "2026-08-31"), (2, None)]

    # a restarted service (same database) merges the stored upload with the packaged files again
    async with app_client_factory(
        "eligibility", database_url=app.state.db.url, run_relay=False, run_consumers=False
    ) as (_, again):
        got = (await again.get("/v1/rulesets/srdi-2026?as_of=2026-09-01", headers=auth_header("admin"))).json()
        assert (got["version"], got["origin"], got["uploaded_by"].startswith("admin")) == (2, "uploaded", True)


async def test_a_json_upload_adds_a_district_rule_set(service: Any, auth_header: Any) -> None:
    _, client = service
    data = copy.deepcopy(packaged("pool-qianjiang-2022"))
    data.update(id="pool-banan-2026", district="500113", effective_from="2026-01-01", effective_to=None)
    data["parameters"]["district_code"]["value"] = "500113"
    r = await client.post(
        "/v1/rulesets",
        content=json.dumps(data, ensure_ascii=False),
        headers={**auth_header("admin"), "Content-Type": "application/json"},
    )
    assert r.status_code == 201, r.text
    body = {"tier": "pool", "as_of": "2026-06-01", "enterprise": {"district_code": "500113"}}
    res = await client.post("/v1/evaluations", json=body, headers=auth_header("admin"))
    assert res.headers["x-rules-version"] == "pool-banan-2026@1"


def _without_citation() -> str:
    data = srdi26_v2()
    del data["parameters"]["rd_ratio_min"]["citation"]
    return as_yaml(data)


def _pool_with(**params: Any) -> str:
    data = copy.deepcopy(packaged("pool-qianjiang-2022"))
    data.update(id="pool-x-2026", effective_from="2026-01-01", effective_to=None)
    for name, value in params.items():
        data["parameters"][name]["value"] = value
    return as_yaml(data)


INVALID_UPLOADS: list[tuple[str, int, str, str]] = [
    (_pool_with(size_ruleset="size-1999"), 422, "ruleset_invalid", "<evaluation>"),
    (_without_citation(), 422, "ruleset_invalid", "parameters.rd_ratio_min.citation"),
    (as_yaml(srdi26_v2(evaluator="srdi_2099")), 422, "ruleset_invalid", "evaluator"),
    (as_yaml(srdi26_v2(effective_from="2026-31-01")), 422, "ruleset_invalid", "effective_from"),
    (as_yaml(srdi26_v2(colour="red")), 422, "ruleset_invalid", "colour"),
    (as_yaml(srdi26_v2(version=1)), 409, "ruleset_version_conflict", "version"),
    (as_yaml(srdi26_v2(effective_from="2026-04-01")), 422, "ruleset_invalid", "effective_from"),
    ("id: [unclosed", 422, "ruleset_invalid", "<body>"),
    ("just text", 422, "ruleset_invalid", "<root>"),
]


async def test_an_invalid_upload_is_refused_with_the_loaders_message(service: Any, auth_header: Any) -> None:
    _, client = service
    wrong = []
    for body, status, code, field in INVALID_UPLOADS:
        r = await client.post("/v1/rulesets", content=body, headers={**auth_header("admin"), **YAML})
        problem = r.json()
        errors = problem.get("errors") or [{}]
        if not (
            r.status_code == status
            and problem.get("code") == code
            and errors[0].get("field") == field
            and field in problem.get("detail_en", "")
            and problem.get("detail")
        ):
            wrong.append((field, r.status_code, problem))
    assert wrong == []
    # nothing changed
    r = await client.post(
        "/v1/evaluations", json={"ruleset": "srdi-2026", "as_of": "2027-01-01", **FIRM}, headers=auth_header("admin")
    )
    assert r.headers["x-rules-version"] == "srdi-2026@1"
    assert [
        v["version"]
        for v in (await client.get("/v1/rulesets/srdi-2026", headers=auth_header("admin"))).json()["versions"]
    ] == [1]


async def test_only_admins_upload(service: Any, auth_header: Any) -> None:
    _, client = service
    for role, scope in [("operator", {"district": "500000"}), ("enterprise", {"uscc": "X"}), ("commissioner", {})]:
        r = await client.post(
            "/v1/rulesets", content=as_yaml(srdi26_v2()), headers={**auth_header(role, **scope), **YAML}
        )
        assert r.status_code == 403, role


async def test_a_malformed_rule_set_file_stops_start_up(app_client_factory: Any, tmp_path: Path) -> None:
    data = copy.deepcopy(packaged("pool-qianjiang-2022"))
    data.update(id="pool-test-2026", effective_from="2026-01-01", effective_to=None)
    data["parameters"]["rd_ratio_min"]["value"] = "three percent"
    (tmp_path / "pool-test-2026.yaml").write_text(as_yaml(data), encoding="utf-8")
    with pytest.raises(RuleSetError) as err:
        async with app_client_factory("eligibility", run_relay=False, run_consumers=False, rulesets_dir=tmp_path):
            pass
    assert "pool-test-2026.yaml" in str(err.value)
    assert "parameters.rd_ratio_min.value" in str(err.value)
    assert "not a number" in str(err.value)


async def test_a_valid_rule_set_file_is_loaded_beside_the_packaged_ones(
    app_client_factory: Any, tmp_path: Path, auth_header: Any
) -> None:
    data = copy.deepcopy(packaged("pool-qianjiang-2022"))
    data.update(id="pool-test-2026", district="500113", effective_from="2026-01-01", effective_to=None)
    (tmp_path / "pool-test-2026.yaml").write_text(as_yaml(data), encoding="utf-8")
    async with app_client_factory("eligibility", run_relay=False, run_consumers=False, rulesets_dir=tmp_path) as (
        _,
        client,
    ):
        got = (await client.get("/v1/rulesets/pool-test-2026?as_of=2026-06-01", headers=auth_header("admin"))).json()
        assert (got["origin"], got["district"]) == ("file", "500113")
