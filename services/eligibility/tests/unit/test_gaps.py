"""Gap analysis (找差距、补短板) and margins, domain-rules §2."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

Run = Callable[..., Any]


def _gap(a: Any, key: str) -> Any:
    return next(g for g in a.gaps if g.key == key)


def test_ratio_gap_raises_the_numerator_at_this_revenue(
    run: Run, srdi26_firm: dict, tweak: Callable[..., dict]
) -> None:
    # R&D 2.4% of revenue 6000; 3% needed: +36 万元 at this revenue (the spec's example)
    firm = tweak(
        srdi26_firm,
        {
            "years.2025.operating_revenue": "6000",
            "years.2025.main_business_revenue": "5400",
            "years.2025.rd_expense": "144",
        },
    )
    a = run("srdi", firm, as_of=date(2026, 6, 1))
    assert a.result.value == "not_eligible"
    gap = _gap(a, "rd")
    (change,) = gap.options
    assert (change.input, change.year, change.current, change.required, change.delta, change.unit) == (
        "rd_expense",
        2025,
        D("144"),
        D("180"),
        D("36"),
        "万元",
    )
    assert "+36.0 万元 at the current operating revenue" in change.message_en
    assert "研发费用（2025年）需增加 36.0 万元（按当前营业收入）" in change.message_zh


def test_ratio_gap_at_revenue_3000_is_18(run: Run, pool_firm: dict, tweak: Callable[..., dict]) -> None:
    # pool: R&D ratio 2% on revenue 3000; R&D 1.4% = 42 -> +18 (the floor of 100 does not apply here)
    firm = tweak(pool_firm, {"years.2023.operating_revenue": "3000", "years.2023.rd_expense": "42"})
    a = run("pool-qianjiang-2022", firm, as_of=date(2024, 6, 1), year=2023)
    (change,) = _gap(a, "rd").options
    assert (change.required, change.delta) == (D("60"), D("18"))


def test_a_floor_and_a_ratio_on_one_input_take_the_larger_change(
    run: Run, srdi22_firm: dict, tweak: Callable[..., dict]
) -> None:
    firm = tweak(
        srdi22_firm,
        {
            "years.2024.operating_revenue": "3000",
            "years.2024.main_business_revenue": "2700",
            "years.2024.rd_expense": "72",
        },
    )
    a = run("srdi-2022", firm, year=2024)
    (change,) = _gap(a, "rd").options
    assert (change.required, change.delta) == (D("100"), D("28"))


def test_either_or_condition_lists_each_single_input_option(
    run: Run, srdi22_firm: dict, tweak: Callable[..., dict]
) -> None:
    firm = tweak(
        srdi22_firm,
        {
            "years.2024.operating_revenue": "800",
            "years.2024.main_business_revenue": "700",
            "years.2024.rd_expense": "100",
            "years.2024.equity_financing": "500",
            "years.2023.equity_financing": "500",
        },
    )
    a = run("srdi-2022", firm, year=2024)
    options = {(c.input, c.delta) for c in _gap(a, "revenue").options}
    assert options == {("operating_revenue", D("200")), ("equity_financing", D("1000"))}


def test_lower_is_better_lowers_the_numerator(run: Run, lg22_firm: dict, tweak: Callable[..., dict]) -> None:
    a = run("little-giant-2022", tweak(lg22_firm, {"years.2024.total_liabilities": "7500"}), year=2024)
    (change,) = _gap(a, "fine.debt").options
    assert (change.input, change.required, change.delta) == ("total_liabilities", D("7000"), D("-500"))
    assert "-500.0 万元" in change.message_en


def test_whole_people_are_rounded_up(run: Run, lg22_firm: dict, tweak: Callable[..., dict]) -> None:
    firm = tweak(
        lg22_firm,
        {
            "years.2024.operating_revenue": "4000",
            "years.2024.main_business_revenue": "3600",
            "years.2024.equity_financing": "8000",
            "years.2024.rd_expense": "3000",
            "years.2024.employees": "201",
            "years.2024.rd_staff": "90",
        },
    )
    a = run("little-giant-2022", firm, year=2024)
    (change,) = _gap(a, "new").options
    assert (change.input, change.required, change.delta, change.unit) == ("rd_staff", D("101"), D("11"), "人")


def test_no_single_change_gives_all_of(run: Run, lg22_firm: dict, tweak: Callable[..., dict]) -> None:
    a = run(
        "little-giant-2022",
        tweak(lg22_firm, {"years.2024.ip_class_i": 1, "years.2024.rd_institution_level": "none"}),
        year=2024,
    )
    gap = _gap(a, "new")
    assert gap.options == ()
    assert {(c.input, c.required) for c in gap.all_of} == {("ip_class_i", D(2)), ("rd_institution_level", "below_city")}


def test_time_is_the_only_lever_for_years_in_niche(run: Run, lg22_firm: dict, tweak: Callable[..., dict]) -> None:
    a = run("little-giant-2022", tweak(lg22_firm, {"enterprise.niche_market_since": "2023-03-01"}), year=2024)
    (change,) = _gap(a, "spec.niche").options
    assert (change.input, change.delta, change.unit) == ("niche_market_since", D(2), "年")
    assert "data year 2026" in change.message_en


def test_growth_gap_raises_this_years_value(run: Run, lg26_firm: dict, tweak: Callable[..., dict]) -> None:
    a = run("little_giant", tweak(lg26_firm, {"years.2025.operating_revenue": "5400"}), as_of=date(2026, 6, 1))
    (change,) = _gap(a, "growth").options
    assert (change.input, change.required, change.delta) == ("operating_revenue", D("5512.5"), D("112.5"))


def test_average_growth_gap_is_rounded_towards_passing(run: Run, lg22_firm: dict, tweak: Callable[..., dict]) -> None:
    a = run("little-giant-2022", tweak(lg22_firm, {"years.2024.main_business_revenue": "16000"}), year=2024)
    (change,) = _gap(a, "spec.growth").options
    assert change.required == D("16533.3334")  # 2 x 1.05 x 16000 - 16000^2 / 15000, rounded up to 1 yuan


def test_prerequisite_named_as_a_qualification(run: Run, lg22_firm: dict, tweak: Callable[..., dict]) -> None:
    a = run("little-giant-2022", tweak(lg22_firm, {"qualifications": []}), year=2024)
    assert [(g.kind, g.qualifications) for g in a.gaps] == [("prerequisite", ("srdi_sme",))]


def test_score_plan_cheapest_band_steps(run: Run, innovative_firm: dict, tweak: Callable[..., dict]) -> None:
    # innovation 10 (IP 0 + R&D 2.4% -> 10) below its floor of 20; total 70
    firm = tweak(
        innovative_firm,
        {"years.2024.ip_class_i": 0, "years.2024.ip_class_i_self_developed": 0, "years.2024.rd_expense": "72"},
    )
    a = run("innovative-2022", firm, year=2024)
    assert (a.result.value, a.score.points) == ("not_eligible", 70)
    plan = _gap(a, "score").plan
    # 2 band steps either way (IP 0 -> class I, R&D 2.4% -> 5%, or one step of each); the plan touching
    # the fewest indicators, the earliest first, wins
    assert (plan.band_steps, plan.points_gained, plan.score_after, plan.reaches_pass_mark) == (2, 10, 80, True)
    (step,) = plan.steps
    assert (step.indicator, step.points_from, step.points_to) == ("ip", 0, 10)
    assert step.changes[0].input == "ip_class_i"


def test_score_plan_over_several_indicators(run: Run, srdi22_firm: dict, tweak: Callable[..., dict]) -> None:
    firm = tweak(
        srdi22_firm,
        {
            "years.2024.srdi_local_score": 0,
            "years.2024.ip_class_i": 0,
            "years.2024.ip_class_i_self_developed": 0,
            "years.2024.ip_class_ii": 0,
            "years.2024.rd_institution_level": "none",
            "years.2024.digital_level": 0,
            "years.2024.quality_cert": False,
            "enterprise.own_brand": False,
        },
    )
    a = run("srdi-2022", firm, year=2024)
    assert a.score.points == 40
    plan = _gap(a, "score").plan
    assert plan.reaches_pass_mark and plan.score_after >= 60
    assert plan.points_gained >= 20
    assert all(s.indicator not in ("niche_years", "main_product_field", "local") for s in plan.steps)


def test_scoring_gap_also_lists_numeric_alternatives(run: Run, srdi22_firm: dict, tweak: Callable[..., dict]) -> None:
    firm = tweak(
        srdi22_firm,
        {
            "years.2024.srdi_local_score": 0,
            "years.2024.ip_class_i": 0,
            "years.2024.ip_class_i_self_developed": 0,
            "years.2024.ip_class_ii": 0,
            "years.2024.rd_institution_level": "none",
            "years.2024.digital_level": 0,
            "years.2024.quality_cert": False,
            "enterprise.own_brand": False,
        },
    )
    a = run("srdi-2022", firm, year=2024)
    alternatives = {g.key: g for g in a.gaps if g.kind == "alternative"}
    assert set(alternatives) == {"alt.rd_average", "alt.equity_financing"}
    assert alternatives["alt.rd_average"].options[0].required == D("1800")  # 2 x 1000 - 200


def test_margins_of_an_eligible_firm(run: Run, pool_firm: dict) -> None:
    a = run("pool", pool_firm, as_of=date(2024, 6, 1), year=2023)
    margins = {g.key: g.options[0] for g in a.gaps if g.kind == "margin"}
    assert margins["rd.ratio"].delta == D("-12.5")  # R&D could fall from 62.5 to 50
    assert margins["items.debt"].delta == D("200")  # liabilities could rise from 600 to 800
    assert "could fall by 12.5 万元" in margins["rd.ratio"].message_en
    assert all(g.kind == "margin" for g in a.gaps)


def test_score_margin(run: Run, innovative_firm: dict) -> None:
    a = run("innovative-2022", innovative_firm, year=2024)
    score = next(g for g in a.gaps if g.key == "score")
    assert "30 above the pass mark" in score.message_en


def test_size_class_has_no_gaps(run: Run) -> None:
    a = run(
        "size-2011",
        {"enterprise": {"industry_code": "C3825"}, "years": {2024: {"employees": 2000, "operating_revenue": 50000}}},
    )
    assert (a.result.value, a.size_class, a.gaps) == ("not_eligible", "large", ())


@pytest.mark.parametrize("explain", [True, False])
def test_explain_false_gives_the_same_answer_without_trace_or_gaps(
    run: Run, innovative_firm: dict, tweak: Callable[..., dict], explain: bool
) -> None:
    firm = tweak(innovative_firm, {"years.2024.ip_class_i": 0, "years.2024.ip_class_i_self_developed": 0})
    a = run("innovative-2022", firm, year=2024, explain=explain)
    assert (a.result.value, a.score.points, a.missing) == ("not_eligible", 75, ())
    assert bool(a.trace) is explain and bool(a.gaps) is explain
