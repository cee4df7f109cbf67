"""size-2011 (工信部联企业〔2011〕300号): industry → category and every category's table, with values
below, on and above each ceiling and floor (domain-rules §4)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest

# The spec's table, independent of the rule-set file: category -> (SME ceilings, medium floors, small floors)
TABLE: dict[str, tuple[dict[str, int], dict[str, int], dict[str, int]]] = {
    "agriculture": ({"revenue": 20000}, {"revenue": 500}, {"revenue": 50}),
    "industry": ({"staff": 1000, "revenue": 40000}, {"staff": 300, "revenue": 2000}, {"staff": 20, "revenue": 300}),
    "construction": (
        {"revenue": 80000, "assets": 80000},
        {"revenue": 6000, "assets": 5000},
        {"revenue": 300, "assets": 300},
    ),
    "wholesale": ({"staff": 200, "revenue": 40000}, {"staff": 20, "revenue": 5000}, {"staff": 5, "revenue": 1000}),
    "retail": ({"staff": 300, "revenue": 20000}, {"staff": 50, "revenue": 500}, {"staff": 10, "revenue": 100}),
    "transport": ({"staff": 1000, "revenue": 30000}, {"staff": 300, "revenue": 3000}, {"staff": 20, "revenue": 200}),
    "warehousing": ({"staff": 200, "revenue": 30000}, {"staff": 100, "revenue": 1000}, {"staff": 20, "revenue": 100}),
    "postal": ({"staff": 1000, "revenue": 30000}, {"staff": 300, "revenue": 2000}, {"staff": 20, "revenue": 100}),
    "accommodation": ({"staff": 300, "revenue": 10000}, {"staff": 100, "revenue": 2000}, {"staff": 10, "revenue": 100}),
    "catering": ({"staff": 300, "revenue": 10000}, {"staff": 100, "revenue": 2000}, {"staff": 10, "revenue": 100}),
    "information_transmission": (
        {"staff": 2000, "revenue": 100000},
        {"staff": 100, "revenue": 1000},
        {"staff": 10, "revenue": 100},
    ),
    "software_it": ({"staff": 300, "revenue": 10000}, {"staff": 100, "revenue": 1000}, {"staff": 10, "revenue": 50}),
    "real_estate_development": (
        {"revenue": 200000, "assets": 10000},
        {"revenue": 1000, "assets": 5000},
        {"revenue": 100, "assets": 2000},
    ),
    "property_management": (
        {"staff": 1000, "revenue": 5000},
        {"staff": 300, "revenue": 1000},
        {"staff": 100, "revenue": 500},
    ),
    "leasing_business_services": (
        {"staff": 300, "assets": 120000},
        {"staff": 100, "assets": 8000},
        {"staff": 10, "assets": 100},
    ),
    "other": ({"staff": 300}, {"staff": 100}, {"staff": 10}),
}
CODE = {
    "agriculture": "A0111",
    "industry": "C3825",
    "construction": "E4710",
    "wholesale": "F5131",
    "retail": "F5211",
    "transport": "G5411",
    "warehousing": "G5951",
    "postal": "G6010",
    "accommodation": "H6110",
    "catering": "H6210",
    "information_transmission": "I6311",
    "software_it": "I6510",
    "real_estate_development": "K7010",
    "property_management": "K7020",
    "leasing_business_services": "L7211",
    "other": "M7310",
}
FIELD = {"staff": "employees", "revenue": "operating_revenue", "assets": "total_assets"}
STEP = {"staff": D(1), "revenue": D("0.01"), "assets": D("0.01")}


def firm(category: str, values: dict[str, D]) -> dict[str, Any]:
    return {
        "enterprise": {"industry_code": CODE[category]},
        "years": {2024: {FIELD[m]: str(v) for m, v in values.items()}},
    }


def measures(category: str) -> set[str]:
    ceilings, medium, _ = TABLE[category]
    return {*ceilings, *medium}


def cases() -> list[Any]:
    result = []
    for category, (ceilings, medium, small) in TABLE.items():
        used = measures(category)
        at_ceiling = {m: D(ceilings.get(m, medium.get(m, 0))) for m in used}
        for m in used:  # a measure the ceilings do not name stays at its medium floor
            if m not in ceilings:
                at_ceiling[m] = D(medium[m])
        result.append(pytest.param(category, at_ceiling, "large", id=f"{category}-at-ceilings"))
        for m in ceilings:
            below = dict(at_ceiling, **{m: D(ceilings[m]) - STEP[m]})
            result.append(pytest.param(category, below, "medium", id=f"{category}-{m}-below-ceiling"))
        result.append(
            pytest.param(category, {m: D(v) for m, v in medium.items()}, "medium", id=f"{category}-medium-floors")
        )
        for m in medium:
            below = {**{k: D(v) for k, v in medium.items()}, m: D(medium[m]) - STEP[m]}
            result.append(pytest.param(category, below, "small", id=f"{category}-{m}-below-medium"))
        result.append(
            pytest.param(category, {m: D(v) for m, v in small.items()}, "small", id=f"{category}-small-floors")
        )
        for m in small:
            below = {**{k: D(v) for k, v in small.items()}, m: D(small[m]) - STEP[m]}
            result.append(pytest.param(category, below, "micro", id=f"{category}-{m}-below-small"))
    return result


@pytest.mark.parametrize(("category", "values", "expected"), cases())
def test_every_category_below_on_and_above_each_boundary(
    run: Callable[..., Any], category: str, values: dict[str, D], expected: str
) -> None:
    a = run("size-2011", firm(category, values))
    assert a.size_class == expected
    assert a.result.value == ("not_eligible" if expected == "large" else "eligible")
    assert a.missing == ()


@pytest.mark.parametrize(
    ("code", "category"),
    [
        ("A0111", "agriculture"),
        ("B0610", "industry"),
        ("C3825", "industry"),
        ("D4411", "industry"),
        ("E4710", "construction"),
        ("F5131", "wholesale"),
        ("F5211", "retail"),
        ("G5411", "transport"),
        ("G5521", "transport"),
        ("G5611", "transport"),
        ("G5710", "transport"),
        ("G5821", "transport"),
        ("G5951", "warehousing"),
        ("G6010", "postal"),
        ("H6110", "accommodation"),
        ("H6210", "catering"),
        ("I6311", "information_transmission"),
        ("I6410", "information_transmission"),
        ("I6510", "software_it"),
        ("K7010", "real_estate_development"),
        ("K7020", "property_management"),
        ("K7030", "other"),
        ("L7211", "leasing_business_services"),
        ("M7310", "other"),
        ("P8310", "other"),
        ("c3825", "industry"),
    ],
)
def test_industry_code_to_category(run: Callable[..., Any], line: Callable[..., Any], code: str, category: str) -> None:
    a = run("size-2011", {"enterprise": {"industry_code": code}, "years": {2024: {"employees": 5}}})
    assert line(a, "category").value == category


@pytest.mark.parametrize("code", ["G5311", "G5320", "J6621", "J6910"])
def test_railway_and_finance_are_outside_the_standard(
    run: Callable[..., Any], line: Callable[..., Any], code: str
) -> None:
    a = run(
        "size-2011", {"enterprise": {"industry_code": code}, "years": {2024: {"employees": 5, "operating_revenue": 10}}}
    )
    assert (a.result.value, a.size_class) == ("undetermined", None)
    assert line(a, "category").value == "outside"
    assert any("outside" in note for note in a.notes)


def test_worked_example_1_software_firm_is_small(run: Callable[..., Any], line: Callable[..., Any]) -> None:
    a = run(
        "size-2011",
        {"enterprise": {"industry_code": "I6510"}, "years": {2024: {"employees": 120, "operating_revenue": 800}}},
    )
    assert (a.result.value, a.size_class) == ("eligible", "small")
    assert line(a, "sme.staff").passed is True
    assert line(a, "medium.staff").passed is True
    assert line(a, "medium.revenue").passed is False
    assert line(a, "small.staff").passed is True
    assert line(a, "small.revenue").passed is True


def test_an_sme_whose_class_depends_on_a_missing_figure(run: Callable[..., Any]) -> None:
    a = run("size-2011", {"enterprise": {"industry_code": "I6510"}, "years": {2024: {"employees": 120}}})
    assert (a.result.value, a.size_class) == ("eligible", None)  # staff < 300 makes it an SME either way
    assert a.missing == ("operating_revenue@2024",)


def test_a_missing_figure_that_decides_sme_or_large(run: Callable[..., Any]) -> None:
    a = run("size-2011", {"enterprise": {"industry_code": "I6510"}, "years": {2024: {"employees": 300}}})
    assert (a.result.value, a.size_class) == ("undetermined", None)


def test_a_missing_figure_that_cannot_change_the_class(run: Callable[..., Any]) -> None:
    # other: staff only; revenue is not read at all
    a = run("size-2011", {"enterprise": {"industry_code": "M7310"}, "years": {2024: {"employees": 9}}})
    assert (a.size_class, a.missing) == ("micro", ())


def test_missing_industry_is_undetermined(run: Callable[..., Any]) -> None:
    a = run("size-2011", {"years": {2024: {"employees": 5, "operating_revenue": 10}}})
    assert (a.result.value, a.size_class, a.missing) == ("undetermined", None, ("industry_code",))
