"""innovative-2022 (63号 附件1), domain-rules §5: every band below / on / above each boundary, the
direct conditions, group floors, and the three-valued answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

Run = Callable[..., Any]
Y = "years.2024"


def test_worked_example_2_scores_90(run: Run, innovative_firm: dict, line: Callable[..., Any]) -> None:
    a = run("innovative-2022", innovative_firm, year=2024)
    assert a.result.value == "eligible"
    assert a.score.points == 90
    assert {g.key: g.points for g in a.score.groups} == {"innovation": 30, "growth": 30, "specialisation": 30}
    expected = {
        "ip": 15,
        "rd_ratio": 15,
        "main_business_growth": 20,
        "debt_ratio": 10,
        "main_product_field": 10,
        "main_business_share": 20,
    }
    assert {k: line(a, k).points for k in expected} == expected
    assert str(line(a, "rd_ratio").value) == "0.04"
    assert str(line(a, "main_business_growth").value) == "0.2"
    assert a.missing == ()


def test_worked_example_2_without_the_2023_row(
    run: Run, innovative_firm: dict, tweak: Callable[..., dict], delete: object
) -> None:
    a = run("innovative-2022", tweak(innovative_firm, {"years.2023": delete}), year=2024)
    assert a.result.value == "undetermined"
    assert (a.score.points, a.score.points_min, a.score.points_max) == (None, 70, 90)
    growth = next(g for g in a.score.groups if g.key == "growth")
    assert (growth.points_min, growth.points_max, growth.passed) == (10, 30, None)
    # the missing row also hides that year's equity financing (a direct condition)
    assert set(a.missing) == {"main_business_revenue@2023", "equity_financing@2023"}


def test_worked_example_2_without_2023_main_business_revenue_only(
    run: Run, innovative_firm: dict, tweak: Callable[..., dict], delete: object
) -> None:
    a = run("innovative-2022", tweak(innovative_firm, {"years.2023.main_business_revenue": delete}), year=2024)
    assert a.result.value == "undetermined"
    assert a.missing == ("main_business_revenue@2023",)


def _points(run: Run, firm: dict, line: Callable[..., Any], key: str) -> int:
    return line(run("innovative-2022", firm, year=2024), key).points


@pytest.mark.parametrize(
    ("rd", "points"),
    [
        ("150", 20),
        ("149.99", 15),
        ("150.01", 20),
        ("90", 15),
        ("89.99", 10),
        ("60", 10),
        ("59.99", 5),
        ("30", 5),
        ("29.99", 0),
        ("0", 0),
    ],
)
def test_rd_ratio_bands(
    run: Run, innovative_firm: dict, tweak: Callable[..., dict], line: Callable[..., Any], rd: str, points: int
) -> None:
    assert _points(run, tweak(innovative_firm, {f"{Y}.rd_expense": rd}), line, "rd_ratio") == points


@pytest.mark.parametrize(
    ("mbr", "points"),
    [
        ("2300", 20),
        ("2299.99", 15),
        ("2200", 15),
        ("2199.99", 10),
        ("2100", 10),
        ("2099.99", 5),
        ("2000", 5),
        ("1999.99", 0),
    ],
)
def test_growth_bands(
    run: Run, innovative_firm: dict, tweak: Callable[..., dict], line: Callable[..., Any], mbr: str, points: int
) -> None:
    assert (
        _points(run, tweak(innovative_firm, {f"{Y}.main_business_revenue": mbr}), line, "main_business_growth")
        == points
    )


@pytest.mark.parametrize(
    ("liabilities", "points"), [("549.99", 10), ("550", 10), ("550.01", 5), ("750", 5), ("750.01", 0)]
)
def test_debt_ratio_bands(
    run: Run, innovative_firm: dict, tweak: Callable[..., dict], line: Callable[..., Any], liabilities: str, points: int
) -> None:
    assert _points(run, tweak(innovative_firm, {f"{Y}.total_liabilities": liabilities}), line, "debt_ratio") == points


@pytest.mark.parametrize(
    ("mbr", "points"),
    [
        ("2100", 20),
        ("2099.99", 15),
        ("1800", 15),
        ("1799.99", 10),
        ("1650", 10),
        ("1649.99", 5),
        ("1500", 5),
        ("1499.99", 0),
    ],
)
def test_main_business_share_bands(
    run: Run, innovative_firm: dict, tweak: Callable[..., dict], line: Callable[..., Any], mbr: str, points: int
) -> None:
    assert (
        _points(run, tweak(innovative_firm, {f"{Y}.main_business_revenue": mbr}), line, "main_business_share") == points
    )


@pytest.mark.parametrize(
    ("counts", "points"),
    [
        ((1, 1, 1, 0), 20),
        ((0, 1, 1, 0), 15),
        ((0, 0, 1, 0), 10),
        ((0, 0, 0, 1), 5),
        ((0, 0, 0, 0), 0),
    ],
)
def test_ip_cascade(
    run: Run,
    innovative_firm: dict,
    tweak: Callable[..., dict],
    line: Callable[..., Any],
    counts: tuple[int, ...],
    points: int,
) -> None:
    names = ("ip_class_i_high_value", "ip_class_i_self_developed", "ip_class_i", "ip_class_ii")
    firm = tweak(innovative_firm, {f"{Y}.{n}": c for n, c in zip(names, counts, strict=True)})
    assert _points(run, firm, line, "ip") == points


@pytest.mark.parametrize(("flag", "points"), [(True, 10), (False, 5)])
def test_main_product_field(
    run: Run, innovative_firm: dict, tweak: Callable[..., dict], line: Callable[..., Any], flag: bool, points: int
) -> None:
    firm = tweak(innovative_firm, {"enterprise.main_product.strategic_emerging": flag})
    assert _points(run, firm, line, "main_product_field") == points


def _weak(firm: dict, tweak: Callable[..., dict]) -> dict:
    """Score 40: IP 0, R&D 0, growth 5, debt 10, field 5, share 20 — fails on points and floors."""
    return tweak(
        firm,
        {
            f"{Y}.ip_class_i": 0,
            f"{Y}.ip_class_i_self_developed": 0,
            f"{Y}.rd_expense": "0",
            f"{Y}.main_business_revenue": "2100",
            "years.2023.main_business_revenue": "2100",
            "enterprise.main_product.strategic_emerging": False,
        },
    )


def test_weak_firm_fails(run: Run, innovative_firm: dict, tweak: Callable[..., dict]) -> None:
    a = run("innovative-2022", _weak(innovative_firm, tweak), year=2024)
    assert (a.result.value, a.score.points) == ("not_eligible", 40)


@pytest.mark.parametrize(
    ("changes", "direct"),
    [
        ({"awards": [{"kind": "st_award", "level": "provincial", "year": 2022}]}, "direct.st_award"),
        ({"awards": [{"kind": "st_award", "level": "national", "rank": 9, "year": 2024}]}, "direct.st_award"),
        (
            {"qualifications": [{"kind": "high_tech", "granted_on": "2023-06-01", "expires_on": "2025-06-01"}]},
            "direct.qualification",
        ),
        ({"qualifications": [{"kind": "ip_demonstration", "granted_on": "2025-06-01"}]}, "direct.qualification"),
        ({"qualifications": [{"kind": "tech_innovation_demo", "granted_on": "2020-01-01"}]}, "direct.qualification"),
        ({"qualifications": [{"kind": "ip_advantage", "granted_on": "2020-01-01"}]}, "direct.qualification"),
        ({f"{Y}.rd_institution_level": "provincial"}, "direct.rd_institution"),
        ({f"{Y}.rd_institution_level": "national"}, "direct.rd_institution"),
        ({"years.2022.equity_financing": "300", f"{Y}.equity_financing": "200"}, "direct.equity_financing"),
    ],
)
def test_each_direct_condition_makes_eligible(
    run: Run, innovative_firm: dict, tweak: Callable[..., dict], line: Callable[..., Any], changes: dict, direct: str
) -> None:
    a = run("innovative-2022", tweak(_weak(innovative_firm, tweak), changes), year=2024)
    assert a.result.value == "eligible"
    assert line(a, direct).passed is True


@pytest.mark.parametrize(
    ("changes", "direct"),
    [
        ({"awards": [{"kind": "st_award", "level": "provincial", "year": 2021}]}, "direct.st_award"),
        ({"awards": [{"kind": "chuangke", "level": "national_top50", "year": 2024}]}, "direct.st_award"),
        (
            {"qualifications": [{"kind": "high_tech", "granted_on": "2022-06-01", "expires_on": "2025-05-31"}]},
            "direct.qualification",
        ),
        ({"qualifications": [{"kind": "high_tech", "granted_on": "2025-06-02"}]}, "direct.qualification"),
        ({"qualifications": [{"kind": "gazelle", "granted_on": "2020-01-01"}]}, "direct.qualification"),
        ({f"{Y}.rd_institution_level": "city"}, "direct.rd_institution"),
        ({"years.2022.equity_financing": "300", f"{Y}.equity_financing": "199.99"}, "direct.equity_financing"),
        ({"years.2021": {"equity_financing": "5000"}}, "direct.equity_financing"),
    ],
)
def test_near_misses_of_the_direct_conditions(
    run: Run, innovative_firm: dict, tweak: Callable[..., dict], line: Callable[..., Any], changes: dict, direct: str
) -> None:
    a = run("innovative-2022", tweak(_weak(innovative_firm, tweak), changes), year=2024)
    assert a.result.value == "not_eligible"
    assert line(a, direct).passed is False


def test_group_floor_fails_a_passing_total(run: Run, innovative_firm: dict, tweak: Callable[..., dict]) -> None:
    # IP 0, R&D 4% (15) -> innovation 15 < 20; total 75
    a = run(
        "innovative-2022",
        tweak(innovative_firm, {f"{Y}.ip_class_i": 0, f"{Y}.ip_class_i_self_developed": 0}),
        year=2024,
    )
    assert (a.result.value, a.score.points) == ("not_eligible", 75)
    assert next(g for g in a.score.groups if g.key == "innovation").passed is False


def test_group_floor_exactly_met(run: Run, innovative_firm: dict, tweak: Callable[..., dict]) -> None:
    # IP class I only (10) + R&D 2% (10) = innovation 20
    firm = tweak(innovative_firm, {f"{Y}.ip_class_i_self_developed": 0, f"{Y}.rd_expense": "60"})
    a = run("innovative-2022", firm, year=2024)
    assert a.result.value == "eligible"
    assert next(g for g in a.score.groups if g.key == "innovation").points == 20


def test_direct_condition_holds_so_missing_inputs_do_not_matter(run: Run) -> None:
    firm = {"qualifications": [{"kind": "high_tech", "granted_on": "2024-01-01", "expires_on": "2026-12-31"}]}
    a = run("innovative-2022", firm, year=2024)
    assert a.result.value == "eligible"
    assert "operating_revenue@2024" in a.missing
    assert a.score.passed is None


def test_score_that_cannot_reach_the_pass_mark_is_not_eligible_despite_missing_growth(
    run: Run, innovative_firm: dict, tweak: Callable[..., dict], delete: object
) -> None:
    firm = tweak(_weak(innovative_firm, tweak), {"years.2023.main_business_revenue": delete})
    a = run("innovative-2022", firm, year=2024)
    assert a.result.value == "not_eligible"
    assert (a.score.points_min, a.score.points_max) == (35, 55)
    assert a.missing == ("main_business_revenue@2023",)


def test_unknown_direct_condition_with_a_failing_score_is_undetermined(
    run: Run, innovative_firm: dict, tweak: Callable[..., dict], delete: object
) -> None:
    a = run("innovative-2022", tweak(_weak(innovative_firm, tweak), {f"{Y}.rd_institution_level": delete}), year=2024)
    assert a.result.value == "undetermined"
    assert a.missing == ("rd_institution_level@2024",)


def test_zero_revenue_makes_the_ratios_undetermined(
    run: Run, innovative_firm: dict, tweak: Callable[..., dict], line: Callable[..., Any]
) -> None:
    a = run("innovative-2022", tweak(innovative_firm, {f"{Y}.operating_revenue": "0"}), year=2024)
    assert line(a, "rd_ratio").points_range == (0, 20)
    assert "operating_revenue@2024 is 0" in line(a, "rd_ratio").note
    assert a.result.value == "undetermined"
    assert a.missing == ()


def test_data_year_defaults_to_the_year_before_as_of(run: Run, innovative_firm: dict) -> None:
    a = run("innovative-2022", innovative_firm, as_of=date(2025, 1, 15))
    assert (a.year, a.result.value) == (2024, "eligible")
