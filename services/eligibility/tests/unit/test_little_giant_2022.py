"""little-giant-2022 (63号 附件3), domain-rules §7."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

Run = Callable[..., Any]
Y = "years.2024"
P = "years.2023"


def _a(run: Run, firm: dict, **kw: Any) -> Any:
    return run("little-giant-2022", firm, year=2024, **kw)


def test_base_firm_is_eligible(run: Run, lg22_firm: dict) -> None:
    a = _a(run, lg22_firm)
    assert (a.result.value, a.score, a.missing) == ("eligible", None, ())


@pytest.mark.parametrize(
    ("qualifications", "passed"),
    [
        ([], False),
        ([{"kind": "srdi_sme", "level": "city", "granted_on": "2023-01-01"}], False),
        ([{"kind": "srdi_sme", "level": "provincial", "granted_on": "2022-01-01", "expires_on": "2025-05-31"}], False),
        ([{"kind": "srdi_sme", "level": "provincial", "granted_on": "2022-06-01", "expires_on": "2025-06-01"}], True),
        ([{"kind": "srdi_sme", "granted_on": "2023-01-01"}], None),
        ([{"kind": "innovative_sme", "level": "provincial", "granted_on": "2023-01-01"}], False),
    ],
)
def test_prerequisite(
    run: Run,
    lg22_firm: dict,
    tweak: Callable[..., dict],
    line: Callable[..., Any],
    qualifications: list,
    passed: bool | None,
) -> None:
    a = _a(run, tweak(lg22_firm, {"qualifications": qualifications}))
    assert line(a, "prerequisite").passed is passed
    assert a.result.value == {True: "eligible", False: "not_eligible", None: "undetermined"}[passed]


@pytest.mark.parametrize(
    ("changes", "key", "passed"),
    [
        ({"enterprise.niche_market_since": "2022-01-01"}, "spec.niche", True),
        ({"enterprise.niche_market_since": "2022-01-02"}, "spec.niche", False),
        ({f"{Y}.main_business_revenue": "14000"}, "spec.share", True),
        ({f"{Y}.main_business_revenue": "13999.99"}, "spec.share", False),
        # average growth with 2022 = 15000 and 2023 = 16000: x >= 2 * 1.05 * 16000 - 16000^2 / 15000
        ({f"{Y}.main_business_revenue": "16533.3334"}, "spec.growth", True),
        ({f"{Y}.main_business_revenue": "16533.3333"}, "spec.growth", False),
        ({f"{Y}.quality_cert": False, f"{Y}.foreign_product_cert": True}, "fine.quality", True),
        ({f"{Y}.quality_cert": False}, "fine.quality", False),
        ({f"{Y}.total_liabilities": "7000"}, "fine.debt", True),
        ({f"{Y}.total_liabilities": "7000.01"}, "fine.debt", False),
        ({f"{Y}.digital_level": 2}, "fine.digital", True),
        ({f"{Y}.digital_level": 1}, "fine.digital", False),
        ({f"{Y}.market_share_pct": "10"}, "char.market_share", True),
        ({f"{Y}.market_share_pct": "9.99"}, "char.market_share", False),
        ({"enterprise.own_brand": False}, "char.brand", False),
        ({f"{Y}.rd_institution_level": "below_city"}, "new", True),
        ({f"{Y}.rd_institution_level": "none"}, "new", False),
        ({f"{Y}.ip_class_i": 2}, "new", True),
        ({f"{Y}.ip_class_i": 1}, "new", False),
        ({"enterprise.main_product": {"key_chain_link": False, "six_foundations": True}}, "chain", True),
        ({"enterprise.main_product": {"key_chain_link": False, "six_foundations": False}}, "chain", False),
    ],
)
def test_conditions_at_their_boundaries(
    run: Run,
    lg22_firm: dict,
    tweak: Callable[..., dict],
    line: Callable[..., Any],
    changes: dict,
    key: str,
    passed: bool,
) -> None:
    a = _a(run, tweak(lg22_firm, changes))
    assert line(a, key).passed is passed


@pytest.mark.parametrize(
    ("revenue", "rd_y", "rd_prev", "prev_revenue", "passed"),
    [
        # ≥ 1亿: 3% in each year
        ("10000", "300", "540", "18000", True),
        ("10000", "299.99", "540", "18000", False),
        ("20000", "600", "539.99", "18000", False),
        # 5000万-1亿: 6% in each year
        ("9999.99", "600", "1080", "18000", True),
        ("9999.99", "599.99", "1080", "18000", False),
        ("5000", "300", "1080", "18000", True),
        ("5000", "300", "1079.99", "18000", False),
    ],
)
def test_rd_by_revenue_bracket(
    run: Run,
    lg22_firm: dict,
    tweak: Callable[..., dict],
    line: Callable[..., Any],
    revenue: str,
    rd_y: str,
    rd_prev: str,
    prev_revenue: str,
    passed: bool,
) -> None:
    firm = tweak(
        lg22_firm,
        {
            f"{Y}.operating_revenue": revenue,
            f"{Y}.main_business_revenue": revenue,
            f"{Y}.rd_expense": rd_y,
            f"{P}.rd_expense": rd_prev,
            f"{P}.operating_revenue": prev_revenue,
        },
    )
    assert line(_a(run, firm), "new.rd").passed is passed


def _small(firm: dict, tweak: Callable[..., dict], **changes: str) -> dict:
    values = {"equity": "8000", "rd_total": "3000", "staff": "100"}
    values.update(changes)
    return tweak(
        firm,
        {
            f"{Y}.operating_revenue": "4999.99",
            f"{Y}.main_business_revenue": "4500",
            f"{Y}.equity_financing": values["equity"],
            f"{P}.equity_financing": "0",
            f"{Y}.rd_expense": values["rd_total"],
            f"{P}.rd_expense": "0",
            f"{Y}.employees": "200",
            f"{Y}.rd_staff": values["staff"],
        },
    )


@pytest.mark.parametrize(
    ("changes", "passed"),
    [({}, True), ({"equity": "7999.99"}, False), ({"rd_total": "2999.99"}, False), ({"staff": "99.99"}, False)],
)
def test_rd_small_bracket(
    run: Run, lg22_firm: dict, tweak: Callable[..., dict], line: Callable[..., Any], changes: dict, passed: bool
) -> None:
    a = _a(run, _small(lg22_firm, tweak, **changes))
    assert line(a, "new.rd").passed is passed
    assert line(a, "new.rd.large").note == "not applicable"


def test_a_bracket_that_does_not_apply_reads_nothing(
    run: Run, lg22_firm: dict, tweak: Callable[..., dict], delete: object
) -> None:
    firm = tweak(lg22_firm, {f"{Y}.employees": delete, f"{Y}.rd_staff": delete, f"{Y}.equity_financing": delete})
    a = _a(run, firm)
    assert (a.result.value, a.missing) == ("eligible", ())


def test_national_award_top3_is_the_direct_path_for_new(run: Run, lg22_firm: dict, tweak: Callable[..., dict]) -> None:
    weak = tweak(lg22_firm, {f"{Y}.ip_class_i": 0, f"{Y}.rd_institution_level": "none"})
    assert _a(run, weak).result.value == "not_eligible"
    award = {"awards": [{"kind": "st_award", "level": "national", "rank": 3, "year": 2022}]}
    assert _a(run, tweak(weak, award)).result.value == "eligible"
    award = {"awards": [{"kind": "st_award", "level": "national", "rank": 4, "year": 2022}]}
    assert _a(run, tweak(weak, award)).result.value == "not_eligible"


def test_applied_by_id_for_a_2026_review(run: Run, lg22_firm: dict, tweak: Callable[..., dict]) -> None:
    firm = tweak(
        lg22_firm,
        {
            "qualifications": [
                {"kind": "srdi_sme", "level": "provincial", "granted_on": "2023-01-01", "expires_on": "2026-12-31"}
            ]
        },
    )
    a = run("little-giant-2022", firm, as_of=date(2026, 9, 1), year=2024, review=True)
    assert (a.ruleset.id, a.result.value) == ("little-giant-2022", "eligible")
    assert any("ended on 2026-03-31" in n for n in a.notes)
    assert any("复核" in n for n in a.notes)
