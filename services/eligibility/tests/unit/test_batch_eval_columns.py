"""A batch run's chunk evaluated in columns (``batch_eval.evaluate_chunk``: projection rows →
``Frame.from_columns`` → ``assess_columns``) gives exactly what the enterprise-by-enterprise path
gives (input dicts → ``assess_batch``): the same outcomes in the same order, the same enterprises
left unassessed or set aside — over seeded random projections as the consumers store them
(decimals as exact JSON texts, some long, missing values and years, revoked and unknown
qualifications, 中华老字号 flags), for every plan a run can have."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from tidu_eligibility.batch_eval import Plan, _by_enterprise, evaluate_chunk, plan_for
from tidu_eligibility.domain.inputs import YEAR_FIELDS
from tidu_eligibility.rulebook import RuleBook, build, load_files
from tidu_eligibility.snapshots import assemble, plain_indicators

AS_OF = dt.date(2026, 6, 1)
YEAR = 2025
DISTRICTS = ("500114", "500101", "500113", "500103")  # 500114: 黔江区, with its own pool rule set
KINDS = ("tech_sme", "innovative_sme", "high_tech", "srdi_sme", "little_giant", "not_a_kind")


@pytest.fixture(scope="module")
def book() -> RuleBook:
    return build(load_files(None))


def _money(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.05:
        return None
    if roll < 0.08:
        return Decimal(rng.randint(1, 10**12)) / 10**6  # long texts: read one by one
    return Decimal(rng.randint(0, 10**8)) / 100


def _year(rng: random.Random) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, spec in YEAR_FIELDS.items():
        if rng.random() < 0.1:
            continue
        if spec.kind == "decimal" and spec.hi is not None:
            values[name] = Decimal(rng.randint(0, int(spec.hi * 100))) / 100
        elif spec.kind == "decimal":
            values[name] = _money(rng)
        elif spec.kind == "integer":
            lo = int(spec.lo) if spec.lo is not None else 0
            values[name] = rng.randint(lo, int(min(spec.hi, 400)) if spec.hi is not None else 400)
        elif spec.kind == "flag":
            values[name] = rng.random() < 0.4
        else:
            values[name] = rng.choice(("none", "city", "provincial", "national"))
    return values


def projection(seed: int, n: int) -> tuple[list[Any], list[Any], list[Any]]:
    """Rows as ``projection.read_chunk`` returns them (attribute access, dates as dates)."""
    rng = random.Random(seed)
    profiles, years, quals = [], [], []
    for i in range(n):
        uscc = f"91500000{i:09d}X"
        established = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randint(0, 9000))

        def flag() -> bool | None:
            return None if rng.random() < 0.1 else rng.random() < 0.5

        profiles.append(
            SimpleNamespace(
                uscc=uscc,
                name=f"企业{i}",
                district_code=rng.choice(DISTRICTS),
                industry_code=rng.choice(("C3825", "C3911", "I6510", "F5111")),
                established_on=established,
                independent_legal_person=flag(),
                niche_market_since=None if rng.random() < 0.2 else established + dt.timedelta(days=400),
                own_brand=flag(),
                main_product_text=None,
                strategic_emerging=flag(),
                six_foundations=flag(),
                key_chain_link=flag(),
                supplies_chain_leader=flag(),
                time_honoured_brand=rng.random() < 0.05,
                last_event_id="e",
                stated_at=None,
            )
        )
        for y in (YEAR - 2, YEAR - 1, YEAR):
            if rng.random() < 0.1:
                continue
            years.append(
                SimpleNamespace(
                    uscc=uscc, year=y, indicator_values=plain_indicators(_year(rng)), event_id="e", reported_at=None
                )
            )
        for k in range(rng.choice((0, 0, 1, 2))):
            granted = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randint(0, 1500))
            revoked = rng.random() < 0.2
            quals.append(
                SimpleNamespace(
                    qualification_id=f"{uscc}-{k}",
                    uscc=uscc,
                    kind=rng.choice(KINDS),
                    level=rng.choice(("national", "provincial", "city", None)),
                    document_no=None,
                    granted_on=granted,
                    expires_on=None if rng.random() < 0.2 else granted + dt.timedelta(days=3 * 365),
                    status="revoked" if revoked else "active",
                    revoked_on=granted + dt.timedelta(days=rng.randint(-5, 900)) if revoked else None,
                    event_id="e",
                )
            )
    return profiles, years, quals


def _by_dicts(book: RuleBook, plan: Plan, profiles: list[Any], years: list[Any], quals: list[Any]) -> Any:
    return _by_enterprise(book, plan, AS_OF, YEAR, assemble(profiles, years, quals))


@pytest.mark.parametrize(
    ("kind", "target"),
    [
        ("all", None),
        ("tier", "srdi"),
        ("ruleset", "pool-qianjiang-2022"),
        ("ruleset", "little-giant-2026"),
        ("ruleset", "size-2011"),
    ],
)
def test_columns_give_what_the_engine_gives(book: RuleBook, kind: str, target: str | None) -> None:
    plan = plan_for(book, kind, target, AS_OF)
    profiles, years, quals = projection(sum(map(ord, f"{kind}:{target}")), 600)
    got = evaluate_chunk(book, plan, AS_OF, YEAR, profiles, years, quals)
    expected = _by_dicts(book, plan, profiles, years, quals)
    assert got.outcomes == expected.outcomes
    assert (got.unassessed, got.invalid) == (expected.unassessed, expected.invalid)
    assert got.outcomes  # something was assessed


def test_a_chunk_with_an_input_the_engine_rejects_sets_that_enterprise_aside(book: RuleBook) -> None:
    plan = plan_for(book, "all", None, AS_OF)
    profiles, years, quals = projection(7, 50)
    years[3].indicator_values = '{"operating_revenue": "-5"}'  # negative revenue: the engine refuses it
    got = evaluate_chunk(book, plan, AS_OF, YEAR, profiles, years, quals)
    expected = _by_dicts(book, plan, profiles, years, quals)
    assert got.invalid == [years[3].uscc]
    assert got.outcomes == expected.outcomes
    assert got.unassessed == expected.unassessed


def test_only_the_recorded_enterprises_get_an_input_dict(book: RuleBook) -> None:
    profiles, years, quals = projection(3, 40)
    got = evaluate_chunk(book, plan_for(book, "all", None, AS_OF), AS_OF, YEAR, profiles, years, quals)
    data = next(iter(got.enterprises.values()))
    assert data.inputs == {}
    assert data.ensure_inputs()["enterprise"]["uscc"] == data.uscc
