"""Loading and validating the catalogue; credit grades."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from tidu_finance_match.domain.catalogue import (
    load_catalogue,
    parse_catalogue,
    reference_catalogue_text,
)
from tidu_finance_match.domain.credit_grades import BASE_GRADES, grade_rank, meets_minimum, normalize_grade
from tidu_finance_match.domain.errors import CatalogueError, DomainError
from tidu_finance_match.domain.vocabulary import CollateralKind, InstitutionKind, ProductKind, Purpose

D = Decimal


def base_data() -> dict:
    return yaml.safe_load(reference_catalogue_text())


def problems_of(data) -> list[str]:
    with pytest.raises(CatalogueError) as err:
        parse_catalogue(data)
    assert err.value.code == "catalogue_invalid"
    return list(err.value.problems)


def test_reference_catalogue_loads(catalogue):
    assert len(catalogue.institutions) == 6 and len(catalogue.products) == 12
    assert catalogue.institution("demo-bridge").kind is InstitutionKind.GOVERNMENT_FUND
    assert catalogue.institution("demo-rcb").first_response_working_days == 3
    kvc = catalogue.product("knowledge-value-credit")
    assert kvc.rate_pct.min == D("3.6") and kvc.rate_pct.max == D("5.5")
    assert kvc.amount.max == D("300")
    assert kvc.gates.qualifications_any == ("tech_sme", "high_tech")
    bridge = catalogue.product("bridge-fund")
    assert bridge.kind is ProductKind.BRIDGE_FUND and bridge.term_months.min == D("0.25")
    assert catalogue.product("policy-guarantee").fee_pct.max == D("1.0")
    upgrade = catalogue.product("tech-upgrade-loan")
    assert upgrade.gates.purpose_any == (Purpose.TECHNICAL_UPGRADE, Purpose.DIGITAL_TRANSFORMATION, Purpose.EQUIPMENT)
    assert upgrade.subsidy is not None and upgrade.subsidy.cap_per_project_year == D("1000")
    assert upgrade.collateral is CollateralKind.MORTGAGE
    assert [p.code for p in catalogue.products_of("demo-fund")] == ["srdi-growth-fund"]


def test_tier_exclusive_is_derived_and_overridable(catalogue):
    exclusive = {p.code for p in catalogue.products if p.tier_exclusive}
    assert exclusive == {"srdi-loan", "little-giant-loan", "srdi-growth-fund", "srdi-board"}
    data = base_data()
    data["products"][0]["tier_exclusive"] = True
    assert parse_catalogue(data).product("knowledge-value-credit").tier_exclusive is True


def test_reference_file_keeps_its_comments():
    text = reference_catalogue_text()
    assert text.startswith("# Demo catalogue of financing products")
    assert "# reported: early maximum 300万 per firm" in text


def test_load_catalogue_from_a_file(tmp_path: Path):
    path = tmp_path / "products.yaml"
    path.write_text(reference_catalogue_text(), encoding="utf-8")
    assert len(load_catalogue(path).products) == 12
    path.write_text("institutions: [", encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_catalogue(path)


def test_unknown_keys_are_errors_with_a_hint():
    data = base_data()
    data["products"][1]["gates"]["min_operating_revenu"] = 500
    data["products"][2]["colateral"] = "none"
    problems = problems_of(data)
    assert "products[1].gates.min_operating_revenu: unknown key (did you mean 'min_operating_revenue'?)" in problems
    assert "products[2].colateral: unknown key (did you mean 'collateral'?)" in problems


def test_every_problem_is_listed_at_once():
    data = base_data()
    data["products"][0]["amount"] = {"min": 300, "max": 10}
    data["products"][1]["gates"]["min_credit_grade"] = "Z"
    data["products"][2]["institution"] = "demo-fnd"
    data["products"][3]["code"] = "srdi-loan"
    data["products"][4].pop("rate_pct")
    data["products"][5]["gates"]["purpose_any"] = ["technical_upgrad"]
    data["products"][6]["gates"]["max_debt_ratio_pct"] = 170
    data["products"][7]["gates"]["size_class_any"] = ["tiny"]
    data["products"][8]["kind"] = "mortgage"
    data["products"][9]["gates"]["min_years_established"] = True
    data["products"][10]["gates"]["region_prefix"] = ["CQ"]
    data["institutions"][0]["kind"] = "bnak"
    problems = problems_of(data)
    expected_fragments = [
        "products[0].amount: min 300 is greater than max 10",
        "products[1].gates.min_credit_grade: unknown credit grade 'Z'",
        "products[2].institution: unknown institution 'demo-fnd' (did you mean 'demo-fund'?)",
        "products[3].code: duplicate product code 'srdi-loan'",
        "products[4].rate_pct: required for a loan product",
        "products[5].gates.purpose_any: unknown value 'technical_upgrad' (did you mean 'technical_upgrade'?)",
        "products[6].gates.max_debt_ratio_pct: must be ≤ 100",
        "products[7].gates.size_class_any: unknown value 'tiny'",
        "products[8].kind: unknown value 'mortgage'",
        "products[9].gates.min_years_established: expected a whole number, got True",
        "products[10].gates.region_prefix: 'CQ' is not a prefix of GB/T 2260 digits",
        "institutions[0].kind: unknown value 'bnak'",
    ]
    for fragment in expected_fragments:
        assert any(p.startswith(fragment) for p in problems), (fragment, problems)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ([], "<root>: expected a mapping"),
        ({"institutions": [], "products": "x"}, "products: expected a list"),
        ({"products": []}, "institutions: missing"),
        ({"institutions": [{"code": "Bad Code", "name": "x", "kind": "bank"}], "products": []}, "must be lower-case"),
        (
            {
                "institutions": [{"code": "i", "name": "x", "kind": "bank"}],
                "products": [{"code": "p", "name": "n", "kind": "loan", "institution": "i", "amount": {"min": "x"}}],
            },
            "products[0].amount.min: expected a number",
        ),
        (
            {
                "institutions": [{"code": "i", "name": "x", "kind": "bank"}],
                "products": [
                    {
                        "code": "p",
                        "name": "n",
                        "kind": "listing_service",
                        "institution": "i",
                        "valid_from": "2025-13-01",
                    }
                ],
            },
            "products[0].valid_from: expected a date",
        ),
    ],
)
def test_structural_errors(data, fragment):
    assert any(fragment in p for p in problems_of(data))


def test_optional_keys():
    data = {
        "institutions": [{"code": "i", "name": "x", "kind": "bank", "first_response_working_days": 5}],
        "products": [
            {
                "code": "p",
                "name": "n",
                "kind": "equity_fund",
                "institution": "i",
                "valid_from": "2025-01-01",
                "valid_to": "2025-12-31",
                "gates": {"eligible_any": ["srdi-2026"], "min_ip_class_ii": 2},
            }
        ],
    }
    cat = parse_catalogue(data)
    assert cat.institution("i").first_response_working_days == 5
    p = cat.product("p")
    assert (str(p.valid_from), str(p.valid_to)) == ("2025-01-01", "2025-12-31")
    assert p.gates.eligible_any == ("srdi-2026",) and p.gates.min_ip_class_ii == 2


# --- credit grades -------------------------------------------------------------------------------


def test_grade_order():
    ranks = [grade_rank(g) for g in BASE_GRADES]
    assert ranks == sorted(ranks, reverse=True)
    assert grade_rank("AA+") > grade_rank("AA") > grade_rank("AA-") > grade_rank("A+")
    assert meets_minimum("BBB", "B") and not meets_minimum("B-", "B") and meets_minimum("B+", "B")
    assert not meets_minimum("D", "C")


@pytest.mark.parametrize(("raw", "canonical"), [(" aa ", "AA"), ("a＋", "A+"), ("BBB－", "BBB-"), ("d", "D")])
def test_grade_normalisation(raw, canonical):
    assert normalize_grade(raw) == canonical


@pytest.mark.parametrize("bad", ["", "E", "AAAA", "D+", "A++", "+"])
def test_bad_grades(bad):
    with pytest.raises(DomainError) as err:
        grade_rank(bad)
    assert err.value.code == "invalid_credit_grade"
