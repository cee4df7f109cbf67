"""srdi-2022 (63号 附件2), domain-rules §6: conditions, direct alternatives, and all 13 indicators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

Run = Callable[..., Any]
Y = "years.2024"


def _a(run: Run, firm: dict) -> Any:
    return run("srdi-2022", firm, year=2024)


def test_base_firm_scores_72(run: Run, srdi22_firm: dict, line: Callable[..., Any]) -> None:
    a = _a(run, srdi22_firm)
    assert (a.result.value, a.score.points) == ("eligible", 72)
    assert {g.key: g.points for g in a.score.groups} == {
        "specialisation": 20,
        "refinement": 23,
        "distinctiveness": 10,
        "innovation": 19,
    }
    assert a.missing == ()


def _low(firm: dict, tweak: Callable[..., dict]) -> dict:
    """Score 40 = 20 + 13 + 0 + 7: passes the conditions, fails the score."""
    return tweak(
        firm,
        {
            f"{Y}.srdi_local_score": 0,
            f"{Y}.ip_class_i": 0,
            f"{Y}.ip_class_i_self_developed": 0,
            f"{Y}.ip_class_ii": 0,
            f"{Y}.rd_institution_level": "none",
            f"{Y}.digital_level": 0,
            f"{Y}.quality_cert": False,
            "enterprise.own_brand": False,
        },
    )


def test_low_score_fails(run: Run, srdi22_firm: dict, tweak: Callable[..., dict]) -> None:
    a = _a(run, _low(srdi22_firm, tweak))
    assert (a.result.value, a.score.points) == ("not_eligible", 40)


@pytest.mark.parametrize(
    ("changes", "key", "passed"),
    [
        ({"enterprise.niche_market_since": "2023-01-01"}, "niche", True),
        ({"enterprise.niche_market_since": "2023-01-02"}, "niche", False),
        ({f"{Y}.rd_expense": "100", f"{Y}.operating_revenue": "3000"}, "rd.expense", True),
        ({f"{Y}.rd_expense": "99.99", f"{Y}.operating_revenue": "3000"}, "rd.expense", False),
        ({f"{Y}.rd_expense": "150"}, "rd.ratio", True),
        ({f"{Y}.rd_expense": "149.99"}, "rd.ratio", False),
        ({f"{Y}.operating_revenue": "1000", f"{Y}.rd_expense": "100"}, "revenue", True),
        ({f"{Y}.operating_revenue": "999.99", f"{Y}.rd_expense": "100"}, "revenue", False),
        (
            {
                f"{Y}.operating_revenue": "999.99",
                f"{Y}.rd_expense": "100",
                f"{Y}.equity_financing": "1500",
                "years.2023.equity_financing": "500",
            },
            "revenue",
            True,
        ),
        (
            {
                f"{Y}.operating_revenue": "999.99",
                f"{Y}.rd_expense": "100",
                f"{Y}.equity_financing": "1500",
                "years.2023.equity_financing": "499.99",
            },
            "revenue",
            False,
        ),
    ],
)
def test_conditions_at_their_boundaries(
    run: Run,
    srdi22_firm: dict,
    tweak: Callable[..., dict],
    line: Callable[..., Any],
    changes: dict,
    key: str,
    passed: bool,
) -> None:
    a = _a(run, tweak(srdi22_firm, changes))
    assert line(a, key).passed is passed
    assert a.result.value == ("eligible" if passed else "not_eligible")


def test_equity_is_not_read_when_revenue_reaches_the_floor(
    run: Run, srdi22_firm: dict, tweak: Callable[..., dict], delete: object
) -> None:
    a = _a(run, tweak(srdi22_firm, {f"{Y}.equity_financing": delete, "years.2023.equity_financing": delete}))
    # only the direct alternative (equity over 2 years ≥ 6000) reads it
    assert a.result.value == "eligible"
    assert set(a.missing) == {"equity_financing@2024", "equity_financing@2023"}


@pytest.mark.parametrize(
    ("changes", "eligible"),
    [
        ({"awards": [{"kind": "st_award", "level": "provincial", "rank": 3, "year": 2022}]}, True),
        ({"awards": [{"kind": "st_award", "level": "provincial", "rank": 4, "year": 2024}]}, False),
        ({"awards": [{"kind": "st_award", "level": "provincial", "rank": 1, "year": 2021}]}, False),
        ({"awards": [{"kind": "st_award", "level": "national", "rank": 5, "year": 2023}]}, True),
        ({"awards": [{"kind": "st_award", "level": "national", "rank": 6, "year": 2023}]}, False),
        ({f"{Y}.rd_expense": "1100", "years.2023.rd_expense": "900"}, True),
        ({f"{Y}.rd_expense": "1100", "years.2023.rd_expense": "899.98"}, False),
        ({f"{Y}.equity_financing": "4000", "years.2023.equity_financing": "2000"}, True),
        ({f"{Y}.equity_financing": "4000", "years.2023.equity_financing": "1999.99"}, False),
        ({"awards": [{"kind": "chuangke", "level": "national_top500", "year": 2022}]}, True),
        ({"awards": [{"kind": "chuangke", "level": "national_top50", "year": 2024}]}, True),
        ({"awards": [{"kind": "chuangke", "level": "national_top500", "year": 2021}]}, False),
    ],
)
def test_direct_alternatives_replace_the_score(
    run: Run, srdi22_firm: dict, tweak: Callable[..., dict], changes: dict, eligible: bool
) -> None:
    a = _a(run, tweak(_low(srdi22_firm, tweak), changes))
    assert a.result.value == ("eligible" if eligible else "not_eligible")


def test_award_with_unknown_rank_leaves_it_open(run: Run, srdi22_firm: dict, tweak: Callable[..., dict]) -> None:
    firm = tweak(_low(srdi22_firm, tweak), {"awards": [{"kind": "st_award", "level": "provincial", "year": 2023}]})
    a = _a(run, firm)
    assert a.result.value == "undetermined"
    assert a.missing == ("awards[0].rank",)


BANDS: list[Any] = [
    # (indicator, changes, points)
    ("main_business_share", {f"{Y}.main_business_revenue": "4000"}, 5),
    ("main_business_share", {f"{Y}.main_business_revenue": "3999.99"}, 3),
    ("main_business_share", {f"{Y}.main_business_revenue": "3500"}, 3),
    ("main_business_share", {f"{Y}.main_business_revenue": "3499.99"}, 1),
    ("main_business_share", {f"{Y}.main_business_revenue": "3000"}, 1),
    ("main_business_share", {f"{Y}.main_business_revenue": "2999.99"}, 0),
    ("main_business_growth", {f"{Y}.main_business_revenue": "4800"}, 10),
    ("main_business_growth", {f"{Y}.main_business_revenue": "4799.99"}, 8),
    ("main_business_growth", {f"{Y}.main_business_revenue": "4640"}, 8),
    ("main_business_growth", {f"{Y}.main_business_revenue": "4639.99"}, 6),
    ("main_business_growth", {f"{Y}.main_business_revenue": "4480"}, 6),
    ("main_business_growth", {f"{Y}.main_business_revenue": "4479.99"}, 4),
    ("main_business_growth", {f"{Y}.main_business_revenue": "4320"}, 4),
    ("main_business_growth", {f"{Y}.main_business_revenue": "4319.99"}, 2),
    ("main_business_growth", {f"{Y}.main_business_revenue": "4000"}, 2),
    ("main_business_growth", {f"{Y}.main_business_revenue": "3999.99"}, 0),
    ("niche_years", {"enterprise.niche_market_since": "2015-01-01"}, 5),
    ("niche_years", {"enterprise.niche_market_since": "2015-01-02"}, 4),
    ("niche_years", {"enterprise.niche_market_since": "2017-01-01"}, 4),
    ("niche_years", {"enterprise.niche_market_since": "2017-01-02"}, 3),
    ("niche_years", {"enterprise.niche_market_since": "2019-01-01"}, 3),
    ("niche_years", {"enterprise.niche_market_since": "2021-01-01"}, 2),
    ("niche_years", {"enterprise.niche_market_since": "2021-01-02"}, 1),
    ("niche_years", {"enterprise.niche_market_since": "2023-01-01"}, 1),
    ("niche_years", {"enterprise.niche_market_since": "2023-01-02"}, 0),
    ("main_product_field", {}, 5),
    ("main_product_field", {"enterprise.main_product": {"key_chain_link": False, "six_foundations": True}}, 3),
    ("main_product_field", {"enterprise.main_product": {"key_chain_link": False, "supplies_chain_leader": True}}, 3),
    (
        "main_product_field",
        {
            "enterprise.main_product": {"key_chain_link": False},
            "qualifications": [{"kind": "time_honoured_brand", "granted_on": "2010-01-01"}],
        },
        3,
    ),
    ("main_product_field", {"enterprise.main_product": {"key_chain_link": False, "six_foundations": False}}, None),
    (
        "main_product_field",
        {
            "enterprise.main_product": {
                "key_chain_link": False,
                "six_foundations": False,
                "supplies_chain_leader": False,
            }
        },
        0,
    ),
    ("digital_level", {f"{Y}.digital_level": 4}, 5),
    ("digital_level", {f"{Y}.digital_level": 3}, 5),
    ("digital_level", {f"{Y}.digital_level": 2}, 3),
    ("digital_level", {f"{Y}.digital_level": 1}, 0),
    ("quality", {f"{Y}.quality_cert": False, "enterprise.own_brand": False}, 0),
    ("quality", {f"{Y}.quality_cert": False}, 3),
    ("quality", {}, 5),
    ("quality", {f"{Y}.quality_award_provincial": True, f"{Y}.standards_drafted": True}, 5),
    ("net_margin", {f"{Y}.net_profit": "500"}, 10),
    ("net_margin", {f"{Y}.net_profit": "499.99"}, 8),
    ("net_margin", {f"{Y}.net_profit": "400"}, 8),
    ("net_margin", {f"{Y}.net_profit": "300"}, 6),
    ("net_margin", {f"{Y}.net_profit": "299.99"}, 4),
    ("net_margin", {f"{Y}.net_profit": "200"}, 4),
    ("net_margin", {f"{Y}.net_profit": "100"}, 2),
    ("net_margin", {f"{Y}.net_profit": "99.99"}, 0),
    ("net_margin", {f"{Y}.net_profit": "-50"}, 0),
    ("debt_ratio", {f"{Y}.total_liabilities": "2000"}, 5),
    ("debt_ratio", {f"{Y}.total_liabilities": "2000.01"}, 3),
    ("debt_ratio", {f"{Y}.total_liabilities": "2400"}, 3),
    ("debt_ratio", {f"{Y}.total_liabilities": "2400.01"}, 1),
    ("debt_ratio", {f"{Y}.total_liabilities": "2800"}, 1),
    ("debt_ratio", {f"{Y}.total_liabilities": "2800.01"}, 0),
    ("local", {f"{Y}.srdi_local_score": 15}, 15),
    ("local", {f"{Y}.srdi_local_score": 0}, 0),
    ("ip", {f"{Y}.ip_class_i_high_value": 1}, 10),
    ("ip", {}, 8),
    ("ip", {f"{Y}.ip_class_i_self_developed": 0}, 6),
    ("ip", {f"{Y}.ip_class_i_self_developed": 0, f"{Y}.ip_class_i": 0}, 2),
    ("ip", {f"{Y}.ip_class_i_self_developed": 0, f"{Y}.ip_class_i": 0, f"{Y}.ip_class_ii": 0}, 0),
    ("rd_staff_share", {f"{Y}.rd_staff": "20"}, 5),
    ("rd_staff_share", {f"{Y}.rd_staff": "19.99"}, 3),
    ("rd_staff_share", {f"{Y}.rd_staff": "10"}, 3),
    ("rd_staff_share", {f"{Y}.rd_staff": "9.99"}, 1),
    ("rd_staff_share", {f"{Y}.rd_staff": "5"}, 1),
    ("rd_staff_share", {f"{Y}.rd_staff": "4.99"}, 0),
    ("rd_institution", {f"{Y}.rd_institution_level": "national"}, 10),
    ("rd_institution", {f"{Y}.rd_institution_level": "provincial"}, 8),
    ("rd_institution", {f"{Y}.rd_institution_level": "city"}, 4),
    ("rd_institution", {f"{Y}.rd_institution_level": "below_city"}, 2),
    ("rd_institution", {f"{Y}.rd_institution_level": "none"}, 0),
]
# R&D input: the better of the amount (at a large revenue, ratio small) and the ratio (at a small revenue)
for _rd, _points in [
    ("500", 10),
    ("499.99", 8),
    ("400", 8),
    ("300", 6),
    ("299.99", 4),
    ("200", 4),
    ("100", 2),
    ("99.99", 0),
]:
    BANDS.append(("rd_input", {f"{Y}.operating_revenue": "100000", f"{Y}.rd_expense": _rd}, _points))
for _rd, _points in [("90", 10), ("89.99", 8), ("72", 8), ("54", 6), ("53.99", 4), ("36", 4), ("27", 2), ("26.99", 0)]:
    BANDS.append(("rd_input", {f"{Y}.operating_revenue": "900", f"{Y}.rd_expense": _rd}, _points))


@pytest.mark.parametrize(("key", "changes", "points"), BANDS)
def test_every_band(
    run: Run,
    srdi22_firm: dict,
    tweak: Callable[..., dict],
    line: Callable[..., Any],
    key: str,
    changes: dict,
    points: int,
) -> None:
    assert line(_a(run, tweak(srdi22_firm, changes)), key).points == points


def test_missing_local_score_spans_its_range(
    run: Run, srdi22_firm: dict, tweak: Callable[..., dict], line: Callable[..., Any], delete: object
) -> None:
    a = _a(run, tweak(srdi22_firm, {f"{Y}.srdi_local_score": delete}))
    assert line(a, "local").points_range == (0, 15)
    assert (a.score.points_min, a.score.points_max, a.result.value) == (62, 77, "eligible")


def test_missing_local_score_near_the_pass_mark_is_undetermined(
    run: Run, srdi22_firm: dict, tweak: Callable[..., dict], delete: object
) -> None:
    firm = tweak(_low(srdi22_firm, tweak), {f"{Y}.srdi_local_score": delete})
    a = _a(run, firm)
    assert (a.score.points_min, a.score.points_max, a.result.value) == (40, 55, "not_eligible")
    a = _a(run, tweak(firm, {f"{Y}.rd_institution_level": "national", f"{Y}.digital_level": 3}))
    assert (a.score.points_min, a.score.points_max, a.result.value) == (55, 70, "undetermined")
