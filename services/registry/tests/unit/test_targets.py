"""District targets: loading targets.yaml, actual counts, progress per year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tidu_registry.domain.errors import DomainValidationError
from tidu_registry.domain.qualifications import Level, Qualification, QualificationKind, revoke
from tidu_registry.domain.targets import (
    Holding,
    IndicatorTarget,
    Measure,
    YearProgress,
    count_enterprises,
    count_holders,
    count_new_recognitions,
    default_targets,
    load_targets,
    measurement_date,
    progress,
)

K = QualificationKind


def test_the_shipped_targets_load_with_their_regions_and_units() -> None:
    book = default_targets()
    assert set(book.regions) == {"500113", "500114", "360102", "500000"}
    banan = book.regions["500113"]
    assert banan.indicators["srdi_smes"].targets == {
        2024: Decimal(180),
        2025: Decimal(200),
        2026: Decimal(220),
        2027: Decimal(240),
    }
    assert banan.indicators["srdi_smes"].qualification is K.SRDI_SME
    assert banan.indicators["srdi_smes"].measure is Measure.QUALIFICATION
    assert banan.indicators["enterprises"].measure is Measure.ENTERPRISES
    assert banan.indicators["enterprises"].scale == 10_000
    assert banan.indicators["trademarks"].measure is Measure.EXTERNAL
    assert banan.indicators["unicorns"].targets[2025] == Decimal(1)
    assert banan.indicators["market_entities"].targets[2024] == Decimal("11.9")


def test_flow_targets_apply_every_year_or_to_their_own_year() -> None:
    book = default_targets()
    banan = {f.key: (f.qualification, f.value) for f in book.regions["500113"].flow_targets_for(2026)}
    assert banan["innovative_smes"] == (K.INNOVATIVE_SME, Decimal(50))
    assert banan["hard_tech"] == (K.HARD_TECH, Decimal(5))
    qianjiang = book.regions["500114"]
    assert {f.key: f.value for f in qianjiang.flow_targets_for(2022)} == {"srdi_smes": 10, "tech_smes": 40}
    assert qianjiang.flow_targets_for(2023) == []


def test_a_broken_target_file_names_every_problem() -> None:
    text = """
regions:
  "5001":
    indicators: {}
  "500113":
    indicators:
      a: {qualification: wizardry, targets: {2024: 1}}
      b: {targets: {2024: many}}
    yearly_flow_targets: {dragons: 3}
"""
    with pytest.raises(DomainValidationError) as caught:
        load_targets(text)
    assert caught.value.codes == ("district_code_shape", "invalid_target", "invalid_target", "unknown_indicator")


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2023, date(2023, 12, 31)), (2025, date(2025, 6, 1)), (2026, None)],
)
def test_measurement_date(year: int, expected: date | None, today: date) -> None:
    assert measurement_date(year, today) == expected


def srdi(target_2024: int = 180) -> IndicatorTarget:
    return IndicatorTarget(
        "srdi_smes", "专精特新中小企业", "count", True, {2024: Decimal(target_2024), 2025: Decimal(200)}, K.SRDI_SME
    )


def test_progress_reports_target_actual_percentage_and_shortfall() -> None:
    rows = progress(srdi(), {2024: 150, 2025: 50})
    assert rows == [
        YearProgress(2024, Decimal(180), Decimal(150), Decimal("83.3"), Decimal(30)),
        YearProgress(2025, Decimal(200), Decimal(50), Decimal("25.0"), Decimal(150)),
    ]


def test_over_achievement_has_no_shortfall() -> None:
    (row, _) = progress(srdi(), {2024: 200, 2025: 200})
    assert row.percentage == Decimal("111.1")
    assert row.shortfall == Decimal(0)


def test_exactly_on_target() -> None:
    row = progress(srdi(), {2025: 200})[1]
    assert (row.percentage, row.shortfall) == (Decimal("100.0"), Decimal(0))


def test_years_without_a_target_or_without_an_actual() -> None:
    rows = progress(srdi(), {2023: 120, 2024: 150})
    assert rows[0] == YearProgress(2023, None, Decimal(120), None, None)  # no target that year
    assert rows[2] == YearProgress(2025, Decimal(200), None, None, None)  # no actual yet
    assert [r.year for r in progress(srdi(), {}, years=[2026])] == [2026]
    assert progress(srdi(), {}, years=[2026])[0].target is None


def test_a_zero_target_has_no_percentage() -> None:
    (row, _) = progress(srdi(0), {2024: 3})
    assert row.percentage is None
    assert row.shortfall == Decimal(0)


def test_actuals_are_expressed_in_the_targets_unit() -> None:
    enterprises = default_targets().regions["500113"].indicators["enterprises"]
    row = progress(enterprises, {2024: 47_500}, years=[2024])[0]
    assert row.actual == Decimal("4.75")
    assert row.target == Decimal("4.7")
    assert row.percentage == Decimal("101.1")
    assert row.shortfall == Decimal(0)


def holding(uscc: str, district: str, kind: K, granted: str, expires: str) -> Holding:
    return Holding(
        uscc,
        district,
        Qualification(kind, Level.PROVINCIAL, "doc", date.fromisoformat(granted), date.fromisoformat(expires)),
    )


def test_holders_are_counted_per_region_kind_and_date() -> None:
    holdings = [
        holding("A", "500113", K.SRDI_SME, "2022-07-01", "2025-06-30"),
        holding("A", "500113", K.SRDI_SME, "2024-01-01", "2026-12-31"),  # the same firm twice counts once
        holding("B", "500113", K.SRDI_SME, "2024-12-31", "2027-12-30"),  # granted on the last day of 2024
        holding("C", "500114", K.SRDI_SME, "2023-01-01", "2025-12-31"),
        holding("D", "500113", K.LITTLE_GIANT, "2023-01-01", "2025-12-31"),
        holding("E", "500113", K.SRDI_SME, "2021-01-01", "2023-12-31"),  # expired at the end of 2023
    ]
    on = date(2024, 12, 31)
    assert count_holders(holdings, kind=K.SRDI_SME, region="500113", on=on) == 2
    assert count_holders(holdings, kind=K.SRDI_SME, region="500000", on=on) == 3
    assert count_holders(holdings, kind=K.SRDI_SME, region="500113", on=date(2023, 12, 31)) == 2
    assert count_new_recognitions(holdings, kind=K.SRDI_SME, region="500113", year=2024) == 2
    revoked = Holding(
        "B", "500113", revoke(holdings[2].qualification, revoked_on=date(2024, 12, 31), reason="撤销", who="op")
    )
    assert count_holders([*holdings[:2], revoked], kind=K.SRDI_SME, region="500113", on=on) == 1


def test_enterprises_are_counted_when_established_by_the_date() -> None:
    firms = [
        ("500113", date(2020, 1, 1)),
        ("500113", date(2024, 12, 31)),
        ("500113", date(2025, 1, 1)),
        ("500114", date(2020, 1, 1)),
    ]
    assert count_enterprises(firms, region="500113", on=date(2024, 12, 31)) == 2
    assert count_enterprises(firms, region="500000", on=date(2024, 12, 31)) == 3
