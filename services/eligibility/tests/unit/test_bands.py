"""Band tables, cascades and level tables, with bounds for missing inputs."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tidu_eligibility.domain.bands import BandTable, Cascade, CascadeStep, LevelTable
from tidu_eligibility.domain.quantity import ANY, Q, Span

HIGHER = BandTable("ge", (D("0.05"), D("0.03"), D("0.02"), D("0.01")), (20, 15, 10, 5), 0)
LOWER = BandTable("le", (D("0.55"), D("0.75")), (10, 5), 0)


@pytest.mark.parametrize(
    ("value", "points"),
    [("0.05", 20), ("0.0499", 15), ("0.06", 20), ("0.03", 15), ("0.0299", 10), ("0.01", 5), ("0.0099", 0), ("-1", 0)],
)
def test_a_value_on_a_boundary_takes_the_higher_band(value: str, points: int) -> None:
    assert HIGHER.points_for(Q(D(value))) == points


@pytest.mark.parametrize(("value", "points"), [("0.55", 10), ("0.5501", 5), ("0.75", 5), ("0.7501", 0), ("0", 10)])
def test_lower_is_better_bands(value: str, points: int) -> None:
    assert LOWER.points_for(Q(D(value))) == points


@pytest.mark.parametrize(
    ("span", "bounds"),
    [
        (ANY, (0, 20)),
        (Span(Q(D("0.03")), None), (15, 20)),
        (Span(None, Q(D("0.02"))), (0, 10)),
        (Span(Q(D("0.02")), Q(D("0.029"))), (10, 10)),
    ],
)
def test_bounds_of_an_unknown_value(span: Span, bounds: tuple[int, int]) -> None:
    assert HIGHER.bounds(span) == bounds


def test_bounds_lower_is_better() -> None:
    assert LOWER.bounds(Span(Q(D("0.6")), None)) == (0, 5)
    assert LOWER.bounds(ANY) == (0, 10)


IP = Cascade(
    (
        CascadeStep(("hv",), D(1), 20),
        CascadeStep(("sd",), D(1), 15),
        CascadeStep(("i",), D(1), 10),
    ),
    0,
)


@pytest.mark.parametrize(
    ("values", "bounds"),
    [
        ({"hv": D(1), "sd": D(0), "i": D(0)}, (20, 20)),
        ({"hv": D(0), "sd": D(2), "i": D(2)}, (15, 15)),
        ({"hv": None, "sd": D(2), "i": D(2)}, (15, 20)),
        ({"hv": D(0), "sd": None, "i": D(0)}, (0, 15)),
        ({"hv": None, "sd": None, "i": None}, (0, 20)),
        ({"hv": D(0), "sd": D(0), "i": D(0)}, (0, 0)),
    ],
)
def test_cascade_first_step_that_holds(values: dict, bounds: tuple[int, int]) -> None:
    assert IP.bounds(values) == bounds


def test_cascade_flags_count_as_one() -> None:
    field = Cascade((CascadeStep(("flag",), D(1), 10),), 5)
    assert field.bounds({"flag": True}) == (10, 10)
    assert field.bounds({"flag": False}) == (5, 5)
    assert field.bounds({"flag": None}) == (5, 10)


def test_levels() -> None:
    table = LevelTable({"none": 0, "below_city": 2, "city": 4, "provincial": 8, "national": 10})
    assert table.bounds("city") == (4, 4)
    assert table.bounds(None) == (0, 10)
