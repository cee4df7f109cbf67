"""Kleene logic, exact quantities and the derived values of domain-rules §3."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from tidu_eligibility.domain import derived
from tidu_eligibility.domain.quantity import ANY, Q, Span
from tidu_eligibility.domain.tri import and_, at_least, not_, or_

T, F, U = True, False, None


@pytest.mark.parametrize(
    ("values", "expected"),
    [((), T), ((T, T), T), ((T, F), F), ((U, F), F), ((T, U), U), ((U, U), U)],
)
def test_and(values: tuple, expected: object) -> None:
    assert and_(values) is expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [((), F), ((F, F), F), ((T, F), T), ((U, T), T), ((F, U), U), ((U, U), U)],
)
def test_or(values: tuple, expected: object) -> None:
    assert or_(values) is expected


@pytest.mark.parametrize(
    ("count", "values", "expected"),
    [(2, (T, T, F), T), (2, (T, F, F), F), (2, (T, U, F), U), (2, (U, U, F), U), (2, (F, U, F), F), (0, (), T)],
)
def test_at_least(count: int, values: tuple, expected: object) -> None:
    assert at_least(count, values) is expected


def test_not() -> None:
    assert (not_(T), not_(F), not_(U)) == (F, T, U)


def test_a_ratio_exactly_on_its_threshold_is_on_it() -> None:
    q = derived.ratio_q(D(63), D(2100))
    assert q is not None
    assert q.test("ge", D("0.03"))
    assert not q.test("gt", D("0.03"))
    assert derived.ratio(D(63), D(2100)) == D("0.03")


def test_a_non_terminating_ratio_compares_exactly() -> None:
    # 1/3 is below 0.3333333333333333333333333334 and above 0.3333333333333333333333333333
    q = Q(D(1), D(3))
    assert not q.test("ge", D("0.3333333333333333333333333334"))
    assert q.test("ge", D("0.3333333333333333333333333333"))


@pytest.mark.parametrize(("numerator", "denominator"), [(D(5), D(0)), (D(5), None), (None, D(5))])
def test_ratio_undetermined_for_zero_or_missing(numerator: D | None, denominator: D | None) -> None:
    assert derived.ratio(numerator, denominator) is None


def test_growth() -> None:
    assert derived.growth(D(2400), D(2000)) == D("0.2")
    assert derived.growth(D(2400), D(0)) is None
    assert derived.growth(D(50), D(-100)) is None  # growth from a loss has no meaningful sign
    assert derived.growth(D(2400), None) is None


def test_average_growth_is_the_mean_of_two_growths() -> None:
    assert derived.average_growth(D(102), D(100), D(100)) == D("0.01")
    assert derived.average_growth(D(4800), D(4000), D(4000)) == D("0.1")
    assert derived.average_growth(D(1), D(1), None) is None


def test_compound_growth_exactly_five_percent() -> None:
    assert derived.compound_growth(D("5512.5"), D(5000)) == D("0.05")
    q = derived.compound_ratio_q(D("5512.5"), D(5000))
    assert q is not None
    assert q.test("ge", derived.compound_threshold(D("0.05")))
    below = derived.compound_ratio_q(D("5512.49"), D(5000))
    assert below is not None
    assert not below.test("ge", derived.compound_threshold(D("0.05")))


@pytest.mark.parametrize(
    ("since", "year", "expected"),
    [
        (date(2016, 1, 1), 2024, 9),
        (date(2016, 1, 2), 2024, 8),
        (date(2015, 12, 31), 2024, 9),
        (date(2024, 6, 1), 2024, 0),
        (date(2026, 1, 1), 2024, 0),
    ],
)
def test_years_in_niche(since: date, year: int, expected: int) -> None:
    assert derived.years_in_niche(since, year) == expected


@pytest.mark.parametrize(
    ("established", "as_of", "expected"),
    [
        (date(2021, 6, 1), date(2024, 6, 1), 3),
        (date(2021, 6, 2), date(2024, 6, 1), 2),
        (date(2020, 2, 29), date(2023, 2, 28), 2),
        (date(2020, 2, 29), date(2023, 3, 1), 3),
    ],
)
def test_years_registered(established: date, as_of: date, expected: int) -> None:
    assert derived.years_registered(established, as_of) == expected


def test_last_years() -> None:
    assert derived.last_years(2024, 3) == (2024, 2023, 2022)


@pytest.mark.parametrize(
    ("span", "op", "t", "expected"),
    [
        (Span(Q(D(500)), None), "ge", D(500), True),
        (Span(Q(D(499)), None), "ge", D(500), None),
        (Span(Q(D(0)), Q(D(2))), "ge", D(3), False),
        (Span(Q(D(0)), Q(D(2))), "lt", D(3), True),
        (Span(Q(D(0)), Q(D(2))), "le", D(2), True),
        (ANY, "ge", D(0), None),
    ],
)
def test_span_comparisons(span: Span, op: str, t: D, expected: object) -> None:
    assert span.test(op, t) is expected
