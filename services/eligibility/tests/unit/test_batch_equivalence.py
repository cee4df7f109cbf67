"""The batch path (``assess_batch`` / ``assess_columns``: rule sets evaluated in numpy columns) gives
exactly the engine's answers: result, score, size class and missing inputs, in the same order.

Compared with ``Engine.evaluate(explain=False)`` on
- every case of tests/cases/*.yaml;
- thousands of seeded random enterprises under all seven rule sets (by id, by tier, and the 复核
  variant), with missing values, absent years, zero denominators, losses, and values put exactly on
  (and one step either side of) every threshold of every rule set — the boundaries are derived from
  the compiled rule sets' own parameters, so a changed threshold is tested where it now is;
- the same enterprises given as columns (``Frame.from_columns``, floats as a database returns them);
- rows the columns leave to the engine (a value with 7 decimals, a qualification without level, an
  award without rank) and invalid inputs (the engine's own InputError).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pytest
import yaml

from tidu_eligibility.domain.bands import BandTable, Cascade
from tidu_eligibility.domain.batch import BatchResult, assess_batch, assess_columns
from tidu_eligibility.domain.columnar.exact import Arr, AvgGrowthVal, RatioVal, exact_sign
from tidu_eligibility.domain.columnar.frame import Frame
from tidu_eligibility.domain.conditions import AllOf, AnyOf, AtLeast, Compare, When
from tidu_eligibility.domain.engine import Engine
from tidu_eligibility.domain.inputs import YEAR_FIELDS, InputError
from tidu_eligibility.domain.measures import (
    AverageGrowth,
    CompoundGrowth,
    Field,
    FlagCount,
    Growth,
    NicheYears,
    Ratio,
    RegisteredYears,
    YearsTotal,
)
from tidu_eligibility.domain.program import Program
from tidu_eligibility.domain.ruleset_loader import load_rulesets
from tidu_eligibility.domain.scoring import BandIndicator, BestOfIndicator, CascadeIndicator
from tidu_eligibility.domain.size_class import MEASURE_FIELDS, SizeProgram

ENGINE = Engine(load_rulesets())
CASES_DIR = Path(__file__).resolve().parents[1] / "cases"
IDS = (
    "size-2011",
    "innovative-2022",
    "srdi-2022",
    "little-giant-2022",
    "srdi-2026",
    "little-giant-2026",
    "pool-qianjiang-2022",
)
# (as_of, targets): every rule set in force, by id and by tier; 2026-06-01 also applies the 2022 sets
# and the pool after their end dates, as a re-review asks for them by id
RUNS = (
    (date(2025, 6, 1), ("size-2011", "innovative-2022", "srdi-2022", "little-giant-2022", "pool-qianjiang-2022")),
    (date(2026, 6, 1), IDS),
    (date(2025, 12, 31), ("size", "pool", "innovative", "srdi", "little_giant")),
    (date(2026, 4, 1), ("size", "pool", "innovative", "srdi", "little_giant")),
)
Q4 = Decimal("0.0001")


def reference(
    targets: tuple[str, ...], as_of: date, year: int | None, data: list[dict[str, Any]], review: bool = False
) -> list[BatchResult]:
    return assess_batch(ENGINE, targets, as_of, year, data, method="engine", review=review)


def columns(
    targets: tuple[str, ...], as_of: date, year: int | None, data: list[dict[str, Any]], review: bool = False
) -> list[BatchResult]:
    return assess_batch(ENGINE, targets, as_of, year, data, method="columns", review=review)


def assert_same(got: list[BatchResult], expected: list[BatchResult], data: list[dict[str, Any]]) -> None:
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        if g != e:
            firm = next(d for d in data if d["enterprise"]["uscc"] == e.uscc)
            raise AssertionError(f"\nengine:  {e}\ncolumns: {g}\ninputs:  {firm}")


# --- (a) the case files ---------------------------------------------------------------------------


def _cases() -> Iterator[Any]:
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            yield pytest.param(case, id=f"{path.stem}: {case['name']}")


@pytest.mark.parametrize("case", list(_cases()))
def test_case_files(case: dict[str, Any]) -> None:
    as_of = case["as_of"] if isinstance(case["as_of"], date) else date.fromisoformat(case["as_of"])
    inputs = dict(case["inputs"])
    inputs["enterprise"] = {**(inputs.get("enterprise") or {}), "uscc": "case"}
    target = (case["target"],)
    review = case.get("review", False)
    expected = reference(target, as_of, case.get("year"), [inputs], review)
    assert_same(columns(target, as_of, case.get("year"), [inputs], review), expected, [inputs])
    # beside firms that are not like it (one frame, one column per field)
    others = [_firm(random.Random(i), f"other{i}", as_of.year - 1, as_of) for i in range(5)]
    mixed = [others[0], inputs, *others[1:]]
    assert_same(
        columns(target, as_of, case.get("year"), mixed, review),
        reference(target, as_of, case.get("year"), mixed, review),
        mixed,
    )


# --- boundaries from the rule sets' parameters ------------------------------------------------------

Scenario = dict[tuple[str, int | None], Any]  # (field, year offset or None for enterprise fields) -> value


def _nudge(value: Decimal, quantum: Decimal) -> list[Decimal]:
    return [value, value + quantum, value - quantum]


def _quantum(name: str) -> Decimal:
    return Decimal(1) if YEAR_FIELDS[name].kind == "integer" else Q4


def _split(total: Decimal, parts: int, rng: random.Random) -> list[Decimal]:
    cuts = sorted(Decimal(rng.randint(0, int(total / Q4))) * Q4 for _ in range(parts - 1)) if total > 0 else []
    points = [Decimal(0), *cuts, total]
    return [points[i + 1] - points[i] for i in range(parts)] if total > 0 else [total / parts] * parts


def _measure_scenarios(m: Any, t: Decimal, rng: random.Random, as_of: date) -> list[Scenario]:
    """Inputs that put the measure exactly on t (and one step either side)."""
    out: list[Scenario] = []
    if isinstance(m, Field):
        out += [{(m.name, m.offset): v} for v in _nudge(t, _quantum(m.name))]
    elif isinstance(m, Ratio):
        for d in (Decimal(rng.choice([100, 2100, 3000, 7919, 12000])), Decimal("0.5")):
            on = t * d
            out += [{(m.denominator, m.offset): d, (m.numerator, m.offset): v} for v in _nudge(on, Q4)]
        out.append({(m.denominator, m.offset): Decimal(0), (m.numerator, m.offset): Decimal(5)})
    elif isinstance(m, Growth):
        p = Decimal(rng.choice([1000, 2500, 40000]))
        out += [{(m.name, 0): v, (m.name, 1): p} for v in _nudge(p * (1 + t), Q4)]
        out.append({(m.name, 0): p, (m.name, 1): Decimal(0)})
    elif isinstance(m, AverageGrowth):
        q = Decimal(10000)
        g1 = Decimal(rng.choice(["-0.1", "0", "0.05", "0.2"]))
        p = q * (1 + g1)
        out += [{(m.name, 0): v, (m.name, 1): p, (m.name, 2): q} for v in _nudge(p * (2 * t + 1 - g1), Q4)]
        out.append({(m.name, 0): p, (m.name, 1): p, (m.name, 2): Decimal(0)})
    elif isinstance(m, CompoundGrowth):
        base = Decimal(rng.choice([10000, 4000]))
        out += [{(m.name, 0): v, (m.name, m.years): base} for v in _nudge(base * t, Q4)]
    elif isinstance(m, YearsTotal):
        total = t * m.years if m.average else t
        for v in _nudge(total, Q4):
            if v >= 0:
                out.append({(m.name, k): part for k, part in enumerate(_split(v, m.years, rng))})
    elif isinstance(m, NicheYears):
        years = int(t)
        out += [
            {("niche_market_since", None): date(as_of.year - years, 1, 1)},
            {("niche_market_since", None): date(as_of.year - years, 1, 2)},
            {("niche_market_since", None): date(as_of.year - years - 1, 12, 31)},
        ]
    elif isinstance(m, RegisteredYears):
        years = int(t)
        day = as_of.replace(year=as_of.year - years)
        out += [{("established_on", None): d} for d in (day, day + timedelta(days=1), day - timedelta(days=1))]
    elif isinstance(m, FlagCount):
        for count in (int(t) - 1, int(t), int(t) + 1):
            if 0 <= count <= len(m.names):
                chosen = set(rng.sample(m.names, count))
                out.append({_flag_key(name): name in chosen for name in m.names})
    return out


def _flag_key(name: str) -> tuple[str, int | None]:
    return (name, 0) if name in YEAR_FIELDS else (name, None)


def _walk(x: Any) -> Iterator[Any]:
    yield x
    if isinstance(x, AllOf | AnyOf | AtLeast):
        for child in x.children:
            yield from _walk(child)
    if isinstance(x, When):
        yield from _walk(x.guard)
        yield from _walk(x.then)


def boundary_scenarios(as_of: date, rng: random.Random) -> list[Scenario]:
    """Every threshold of every rule set in force (or asked by id) on ``as_of``, as input scenarios."""
    out: list[Scenario] = []
    for ruleset in ENGINE.catalog.rulesets:
        program = ENGINE.compiled(ruleset)
        if isinstance(program, SizeProgram):
            for _, param in sorted(program.tables.items()):  # sorted: the same firms whatever the hash seed
                spec = param.value
                for part in (spec.sme_if_any, spec.medium_if_all, spec.small_if_all):
                    for measure, limit in part.items():
                        out += _measure_scenarios(Field(MEASURE_FIELDS[measure]), limit, rng, as_of)
            continue
        assert isinstance(program, Program)
        blocks = (
            *program.prerequisites,
            *program.conditions,
            *(program.review_conditions or ()),
            *program.alternatives,
        )
        for block in blocks:
            for x in _walk(block.node):
                if isinstance(x, Compare):
                    out += _measure_scenarios(x.measure, x.t, rng, as_of)
        for ind in program.scoring.indicators if program.scoring else ():
            tables: list[tuple[Any, BandTable]] = []
            if isinstance(ind, BandIndicator):
                tables.append((ind.measure, ind.compared))
            if isinstance(ind, BestOfIndicator):
                tables.extend(ind.parts)
            for m, table in tables:
                for threshold in table.thresholds:
                    out += _measure_scenarios(m, threshold, rng, as_of)
            if isinstance(ind, CascadeIndicator):
                cascade: Cascade = ind.cascade
                for step in cascade.steps:
                    for name in step.inputs:
                        if name in YEAR_FIELDS and YEAR_FIELDS[name].kind != "flag":
                            out += [{(name, 0): v} for v in _nudge(step.at_least, _quantum(name)) if v >= 0]
    return out


# --- random firms -----------------------------------------------------------------------------------

INDUSTRIES = (
    "A0111",
    "B0610",
    "C3825",
    "c3825",
    " C3825",
    "D4411",
    "E4710",
    "F5111",
    "F5211",
    "G5310",
    "G5410",
    "G5810",
    "G5910",
    "G6010",
    "H6110",
    "H6210",
    "I6311",
    "I6510",
    "J6610",
    "K7010",
    "K7020",
    "L7211",
    "M7310",
    "N7710",
    "R8810",
    None,
)
DISTRICTS = ("500114", "500114", "500101", "500103", None)
QUAL_KINDS = (
    "high_tech",
    "tech_sme",
    "innovative_sme",
    "srdi_sme",
    "little_giant",
    "ip_advantage",
    "ip_demonstration",
    "tech_innovation_demo",
    "time_honoured_brand",
    "listed",
)
LEVELS = ("national", "provincial", "city", "district")


def _money(rng: random.Random, hi: int = 60000) -> Decimal:
    r = rng.random()
    if r < 0.05:
        return Decimal(0)
    if r < 0.4:
        return Decimal(rng.randint(1, hi))
    return (Decimal(rng.randint(1, hi * 10000)) * Q4).normalize()


def _shown(value: Any, rng: random.Random) -> Any:
    """A number as input dicts carry it: Decimal, str, int or float (read through its repr)."""
    if not isinstance(value, Decimal):
        return value
    r = rng.random()
    if r < 0.3:
        return str(value)
    if r < 0.55:
        return float(value)
    if r < 0.7 and value == value.to_integral_value():
        return int(value)
    return value


def _year_row(rng: random.Random) -> dict[str, Any]:
    revenue = _money(rng)
    row: dict[str, Any] = {
        "employees": Decimal(rng.choice([0, rng.randint(1, 50), rng.randint(1, 2500)])),
        "rd_staff": Decimal(rng.randint(0, 300)),
        "operating_revenue": revenue,
        "main_business_revenue": (revenue * Decimal(rng.choice(["0.5", "0.7", "0.85", "0.9", "1"]))).quantize(Q4)
        if rng.random() < 0.7
        else _money(rng),
        "net_profit": _money(rng, 5000) * rng.choice([1, 1, -1]),
        "total_assets": _money(rng),
        "total_liabilities": _money(rng),
        "rd_expense": (revenue * Decimal(rng.choice(["0.01", "0.02", "0.03", "0.05", "0.1"]))).quantize(Q4)
        if rng.random() < 0.6
        else _money(rng, 3000),
        "equity_financing": rng.choice([Decimal(0), Decimal(0), _money(rng, 9000)]),
        "ip_class_i": rng.randint(0, 6),
        "ip_class_i_self_developed": rng.randint(0, 5),
        "ip_class_i_high_value": rng.choice([0, 0, 1, 2]),
        "ip_class_ii": rng.randint(0, 4),
        "digital_level": rng.randint(0, 4),
        "quality_cert": rng.random() < 0.5,
        "quality_award_provincial": rng.random() < 0.2,
        "standards_drafted": rng.random() < 0.3,
        "foreign_product_cert": rng.random() < 0.2,
        "rd_institution_level": rng.choice(("none", "below_city", "city", "provincial", "national")),
        "market_share_pct": Decimal(rng.randint(0, 3000)) / 100,
        "market_rank_domestic": rng.randint(1, 20),
        "development_score": Decimal(rng.randint(3000, 9500)) / 100,
        "srdi_local_score": rng.randint(0, 15),
    }
    return row


def _firm(
    rng: random.Random,
    uscc: str,
    year: int,
    as_of: date,
    scenarios: list[Scenario] | None = None,
    p_missing: float = 0.08,
) -> dict[str, Any]:
    enterprise: dict[str, Any] = {
        "uscc": uscc,
        "industry_code": rng.choice(INDUSTRIES),
        "district_code": rng.choice(DISTRICTS),
        "established_on": as_of - timedelta(days=rng.randint(0, 4000)),
        "niche_market_since": date(year - rng.randint(-1, 14), rng.randint(1, 12), rng.randint(1, 28)),
        "independent_legal_person": rng.random() < 0.9,
        "own_brand": rng.random() < 0.5,
        "main_product": {
            f: rng.random() < 0.3
            for f in ("strategic_emerging", "six_foundations", "key_chain_link", "supplies_chain_leader")
        },
    }
    rows: dict[int, dict[str, Any]] = {year - k: _year_row(rng) for k in range(3) if k == 0 or rng.random() < 0.9}
    quals = []
    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        granted = as_of - timedelta(days=rng.randint(-30, 1500))
        expires = rng.choice([granted + timedelta(days=rng.randint(0, 1200)), None, as_of, as_of - timedelta(days=1)])
        if expires is not None and expires < granted:
            expires = granted
        level = rng.choice(LEVELS) if rng.random() < 0.9 else None  # a level not recorded: open where needed
        quals.append(
            {
                "kind": rng.choice(QUAL_KINDS),
                "level": level,
                "granted_on": granted,
                "expires_on": expires,
                "document_no": "D1",
            }
        )
    awards: list[dict[str, Any]] = []
    for _ in range(rng.choice([0, 0, 0, 1, 2])):
        if rng.random() < 0.6:
            awards.append(
                {
                    "kind": "st_award",
                    "level": rng.choice(["national", "provincial"]),
                    "rank": rng.randint(1, 7) if rng.random() < 0.85 else None,
                    "year": year - rng.randint(0, 4),
                }
            )
        else:
            awards.append(
                {
                    "kind": "chuangke",
                    "level": rng.choice(["national_top500", "national_top50"]),
                    "year": year - rng.randint(0, 4),
                }
            )
    firm = {"enterprise": enterprise, "years": rows, "qualifications": quals, "awards": awards}
    return _perturb(rng, firm, year, scenarios or [], p_missing)


def _shift(day: Any, years: int) -> Any:
    if not isinstance(day, date):
        return day
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _from_template(
    rng: random.Random, uscc: str, year: int, scenarios: list[Scenario], p_missing: float
) -> dict[str, Any]:
    """An eligible case of tests/cases moved to the data year, then nudged."""
    case = rng.choice(TEMPLATES)
    case_as_of = case["as_of"] if isinstance(case["as_of"], date) else date.fromisoformat(case["as_of"])
    k = year - (case.get("year") or case_as_of.year - 1)
    inputs = copy.deepcopy(case["inputs"])
    enterprise = {name: _shift(v, k) for name, v in (inputs.get("enterprise") or {}).items()}
    enterprise["uscc"] = uscc
    enterprise["main_product"] = dict(enterprise.get("main_product") or {})
    rows = {
        int(y) + k: {
            n: (
                Decimal(str(v))
                if isinstance(v, int | float | str) and YEAR_FIELDS[n].kind in ("decimal", "integer")
                else v
            )
            for n, v in row.items()
        }
        for y, row in (inputs.get("years") or {}).items()
    }
    quals = [
        {**q, "granted_on": _shift(q["granted_on"], k), "expires_on": _shift(q.get("expires_on"), k)}
        for q in inputs.get("qualifications") or ()
    ]
    awards = [{**a, "year": a["year"] + k} for a in inputs.get("awards") or ()]
    firm = {"enterprise": enterprise, "years": rows, "qualifications": quals, "awards": awards}
    return _perturb(rng, firm, year, scenarios, p_missing)


def _perturb(
    rng: random.Random, firm: dict[str, Any], year: int, scenarios: list[Scenario], p_missing: float
) -> dict[str, Any]:
    """Boundary scenarios applied, some values removed, numbers and dates in the forms inputs take."""
    enterprise, rows = firm["enterprise"], firm["years"]
    for scenario in scenarios:
        for (name, offset), value in scenario.items():
            if offset is None:
                if name.startswith("main_product."):
                    enterprise["main_product"][name.split(".", 1)[1]] = value
                else:
                    enterprise[name] = value
            else:
                rows.setdefault(year - offset, {})[name] = value
    for name in list(enterprise):
        if name != "uscc" and rng.random() < p_missing:
            del enterprise[name]
    for flag in list(enterprise.get("main_product", {})):
        if rng.random() < p_missing:
            del enterprise["main_product"][flag]
    for row in rows.values():
        for name in list(row):
            if rng.random() < p_missing:
                if rng.random() < 0.5:
                    row[name] = None  # given as null
                else:
                    del row[name]  # not given
    years_out = {y: {k: _shown(v, rng) for k, v in row.items()} for y, row in rows.items()}
    if rng.random() < 0.05:
        years_out[year - 3] = {"operating_revenue": "1", "development_score": 80}  # a year no rule reads
    out: dict[str, Any] = {
        "enterprise": {
            k: (v.isoformat() if isinstance(v, date) and rng.random() < 0.5 else v) for k, v in enterprise.items()
        },
        "years": years_out,
    }
    quals = [
        {k: (v.isoformat() if isinstance(v, date) and rng.random() < 0.5 else v) for k, v in q.items()}
        for q in firm["qualifications"]
    ]
    if quals:
        out["qualifications"] = quals
    if firm["awards"]:
        out["awards"] = firm["awards"]
    return out


TEMPLATES = [
    case
    for path in sorted(CASES_DIR.glob("*.yaml"))
    for case in yaml.safe_load(path.read_text(encoding="utf-8"))
    if case["expect"]["result"] == "eligible"
]


def random_firms(count: int, seed: int, as_of: date, year: int) -> list[dict[str, Any]]:
    """Half from eligible templates, half from scratch; most with a few boundary scenarios."""
    rng = random.Random(seed)
    scenarios = boundary_scenarios(as_of, rng)
    firms = []
    for i in range(count):
        p_missing = rng.choice([0.0, 0.0, 0.02, 0.05, 0.2])
        if rng.random() < 0.5:
            chosen = rng.sample(scenarios, rng.choice([0, 1, 1, 2]))
            firms.append(_from_template(rng, f"T{seed}-{i}", year, chosen, p_missing / 2))
        else:
            chosen = rng.sample(scenarios, rng.randint(0, 4)) if rng.random() < 0.85 else []
            firms.append(_firm(rng, f"F{seed}-{i}", year, as_of, chosen, p_missing))
    return firms


# --- (b) random firms, all rule sets ------------------------------------------------------------------


@pytest.mark.parametrize(("run", "seed"), [(0, 1), (1, 2), (2, 3), (3, 4)])
def test_random_firms(run: int, seed: int) -> None:
    as_of, targets = RUNS[run]
    firms = random_firms(350, seed, as_of, as_of.year - 1)
    assert_same(columns(targets, as_of, None, firms), reference(targets, as_of, None, firms), firms)


def test_random_firms_review_and_other_years() -> None:
    as_of = date(2026, 6, 1)
    firms = random_firms(200, 7, as_of, 2024)
    targets = ("little-giant-2026", "little-giant-2022", "srdi-2022")
    assert_same(columns(targets, as_of, 2024, firms, True), reference(targets, as_of, 2024, firms, True), firms)


def test_boundaries_cover_every_threshold() -> None:
    """Each rule set contributes boundary scenarios, and boundary firms land on every answer."""
    as_of = date(2026, 6, 1)
    firms = random_firms(300, 11, as_of, 2025)
    got = columns(IDS, as_of, None, firms)
    assert_same(got, reference(IDS, as_of, None, firms), firms)
    for rid in IDS:
        answers = {r.result for r in got if r.ruleset_id == rid}
        assert answers == {"eligible", "not_eligible", "undetermined"}, (rid, answers)


# --- (c) columns as a database returns them -------------------------------------------------------


def _as_columns(firms: list[dict[str, Any]], years: list[int], as_text: bool = False) -> Frame:
    ent_names = (
        "district_code",
        "industry_code",
        "established_on",
        "niche_market_since",
        "independent_legal_person",
        "own_brand",
    )
    enterprise: dict[str, Any] = {k: [f["enterprise"].get(k) for f in firms] for k in ent_names}
    for flag in ("strategic_emerging", "six_foundations", "key_chain_link", "supplies_chain_leader"):
        values = [(f["enterprise"].get("main_product") or {}).get(flag) for f in firms]
        enterprise["main_product." + flag] = np.array([np.nan if v is None else float(v) for v in values])
    year_cols: dict[int, dict[str, Any]] = {}
    for y in years:
        cols: dict[str, Any] = {}
        for name, spec in YEAR_FIELDS.items():
            raw = [(f["years"].get(y) or {}).get(name) for f in firms]
            if spec.kind in ("decimal", "integer") and as_text:
                cols[name] = [None if v is None else str(v) for v in raw]  # decimals stored as text
            elif spec.kind in ("decimal", "integer"):
                cols[name] = np.array([np.nan if v is None else float(v) for v in raw])  # NUMERIC as REAL
            elif spec.kind == "flag":
                cols[name] = [None if v is None else int(v) for v in raw]  # BOOLEAN as 0/1
            else:
                cols[name] = raw
        year_cols[y] = cols
    q: dict[str, list[Any]] = {"row": [], "kind": [], "level": [], "granted_on": [], "expires_on": []}
    a: dict[str, list[Any]] = {"row": [], "kind": [], "level": [], "year": [], "rank": []}
    for i, f in enumerate(firms):
        for x in f.get("qualifications", ()):
            for k in ("kind", "level", "granted_on", "expires_on"):
                q[k].append(x.get(k))
            q["row"].append(i)
        for x in f.get("awards", ()):
            for k in ("kind", "level", "year", "rank"):
                a[k].append(x.get(k))
            a["row"].append(i)
    return Frame.from_columns([f["enterprise"]["uscc"] for f in firms], enterprise, year_cols, q, a)


def _float_firm(firm: dict[str, Any]) -> dict[str, Any]:
    """The firm as the engine sees the database's columns: numbers as floats."""
    years = {
        y: {
            k: (float(v) if YEAR_FIELDS[k].kind in ("decimal", "integer") and v is not None else v)
            for k, v in row.items()
        }
        for y, row in firm["years"].items()
    }
    return {**firm, "years": years}


@pytest.mark.parametrize("as_text", [False, True])
def test_columns_from_database_rows(as_text: bool) -> None:
    """Columns as a database returns them: NUMERIC as floats (read as the engine reads a float), or
    decimals stored as text (read exactly)."""
    as_of = date(2026, 6, 1)
    firms = [_float_firm(f) for f in random_firms(200, 21, as_of, 2025)]
    frame = _as_columns(firms, [2023, 2024, 2025], as_text)
    expected = reference(IDS, as_of, None, firms)
    results = assess_columns(ENGINE, IDS, as_of, None, frame)
    got: list[tuple[Any, ...]] = []
    for r in results:
        for row, res, score, size, missing in zip(
            r.rows.tolist(), r.results(), r.scores(), r.size_classes(), r.missing(), strict=True
        ):
            got.append(
                (
                    row,
                    r.target_index,
                    BatchResult(frame.uscc[row], r.ruleset_id, r.ruleset_version, res, score, size, missing),
                )
            )
    got.sort(key=lambda x: (x[0], x[1]))
    assert_same([x[2] for x in got], expected, firms)


# --- (d) exactness of the comparisons --------------------------------------------------------------


def test_exact_sign_decides_ties_exactly() -> None:
    rng = random.Random(5)
    big = [rng.randint(1, 10**15) for _ in range(2000)]
    x = Arr(np.array(big, np.int64))
    p = Arr(np.array([rng.randint(1, 10**15) for _ in range(2000)], np.int64))
    mask = np.ones(2000, np.bool_)
    # x·p − p·x is exactly 0 although each product is far beyond 2^53
    assert (exact_sign(((1, (x, p)), (-1, (p, x))), mask) == 0).all()
    shifted = Arr(x.i + 1)
    assert (exact_sign(((1, (shifted, p)), (-1, (p, x))), mask) == 1).all()
    # a ratio exactly on a threshold with numbers near int64's limit takes the exact path
    n = Arr(np.array([27 * 10**16, 27 * 10**16 - 1], np.int64))
    d = Arr(np.array([9 * 10**18, 9 * 10**18], np.int64))
    assert RatioVal(n, d).cmp(Decimal("0.03"), np.ones(2, np.bool_)).tolist() == [0, -1]


def test_average_growth_on_the_threshold() -> None:
    """Mean growth exactly 5% with amounts whose products are far beyond float64's exact range."""
    rng = random.Random(6)
    size = 1000
    k = np.array([rng.randint(10**6, 4 * 10**6) for _ in range(size)], np.int64)
    j = np.array([10 * rng.randint(10**5, 4 * 10**6) for _ in range(size)], np.int64)
    p, q = k * j, k * k  # p² / q = j², a whole number
    x = (p * 21) // 10 - j * j  # x q + p² − 2 p q = 2 · 0.05 · p q exactly
    rows = np.ones(size, np.bool_)
    for delta, expected in ((0, 0), (1, 1), (-1, -1)):
        value = AvgGrowthVal(Arr(x + delta), Arr(p), Arr(q))
        assert (value.cmp(Decimal("0.05"), rows) == expected).all()


# --- (e) rows left to the engine, invalid inputs, small batches ------------------------------------


def test_rows_the_columns_cannot_hold() -> None:
    as_of = date(2026, 6, 1)
    firms = random_firms(60, 31, as_of, 2025)
    firms[3]["years"][2025]["operating_revenue"] = "3000.0000001"  # 7 decimals: left to the engine
    firms[4]["years"][2025]["operating_revenue"] = 3000.1234567  # a float beyond 6 decimals: left to the engine
    firms[5]["qualifications"] = [{"kind": "srdi_sme", "granted_on": "2025-01-01"}]  # no level: listed as missing
    firms[7]["awards"] = [{"kind": "st_award", "level": "national", "year": 2025}]  # no rank: listed as missing
    firms[9]["years"][2025]["total_assets"] = 10**11  # beyond the fast float range, still exact
    firms[10]["years"][2025]["total_assets"] = 10**13  # beyond int64 once scaled: left to the engine
    frame = Frame.from_enterprises(firms)
    assert frame.engine_rows.tolist() == [i in (3, 4, 10) for i in range(60)]
    assert_same(columns(IDS, as_of, None, firms), reference(IDS, as_of, None, firms), firms)


def test_other_input_shapes() -> None:
    """Years as a list of rows or with text keys, read-only mappings, tuples: read through parse_inputs."""
    as_of = date(2026, 6, 1)
    firms: list[Any] = random_firms(40, 61, as_of, 2025)
    for i, firm in enumerate(firms):
        if i % 4 == 0:
            firm["years"] = [{"year": y, **row} for y, row in firm["years"].items()]
        elif i % 4 == 1:
            firm["years"] = {str(y): row for y, row in firm["years"].items()}
        elif i % 4 == 2:
            firms[i] = MappingProxyType({**firm, "qualifications": tuple(firm.get("qualifications", ()))})
    assert_same(columns(IDS, as_of, None, firms), reference(IDS, as_of, None, firms), firms)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("years", 2025, "operating_revenue"), "-1"),
        (("years", 2025, "ip_class_i"), "1.5"),
        (("years", 2025, "digital_level"), 5),
        (("years", 2025, "rd_expense"), True),
        (("years", 2025, "rd_expense"), float("nan")),
        (("years", 2025, "rd_institution_level"), "county"),
        (("years", 2025, "quality_cert"), 1),
        (("years", 2025, "colour"), "red"),
        (("enterprise", "established_on"), "2020-13-01"),
        (("enterprise", "own_brand"), "yes"),
    ],
)
def test_invalid_inputs_raise_the_engines_error(path: tuple[Any, ...], value: Any) -> None:
    as_of = date(2026, 6, 1)
    firms = random_firms(40, 41, as_of, 2025)
    for i in (12, 30):  # the first one (12) is the one reported
        node: Any = firms[i]
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    with pytest.raises(InputError) as engine_error:
        reference(IDS, as_of, None, firms)
    with pytest.raises(InputError) as batch_error:
        columns(IDS, as_of, None, firms)
    assert str(batch_error.value) == str(engine_error.value)


@pytest.mark.parametrize(
    "text",
    [
        "2016-02-29",
        "2015-02-29",
        "2016-1-1",
        "20160101",
        "2016-W01-1",
        " 2016-01-01",
        "2016-01-01 ",
        "0000-01-01",
        "2016-13-01",
        "2016-00-10",
        "2016-01-32",
        "9999-12-31",
        "0001-01-01",
        "2016-04-31",
        "1900-02-29",
        "2000-02-29",
        "2016-01-01T00:00",
        "２０１６-01-01",
        "",
    ],
)
def test_dates_read_as_the_engine_reads_them(text: str) -> None:
    """Plain ISO dates are parsed in numpy; anything else as the engine parses it (or the same error)."""
    column = [text, "2020-01-01", None]
    try:
        expected: date | None = date.fromisoformat(text)
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(InputError):
            Frame.from_columns(["a", "b", "c"], {"established_on": column}, {})
        return
    col = Frame.from_columns(["a", "b", "c"], {"established_on": column}, {}).enterprise["established_on"]
    assert (col.year.tolist(), col.md.tolist(), col.known.tolist()) == (
        [expected.year, 2020, 0],
        [expected.month * 100 + expected.day, 101, 0],
        [True, True, False],
    )


def test_invalid_column_values_raise_the_engines_error() -> None:
    years = {2025: {"operating_revenue": np.array([1.0, -2.0, np.inf]), "quality_cert": [1, 0, 2]}}
    with pytest.raises(InputError, match=r"years\[2025\]\.operating_revenue: must be at least 0"):
        Frame.from_columns(["a", "b", "c"], {}, years)
    with pytest.raises(InputError, match=r"quality_cert: expected true or false"):
        Frame.from_columns(["a", "b", "c"], {}, {2025: {"quality_cert": [1, 0, 2]}})


def test_small_batches_and_unknown_targets() -> None:
    as_of = date(2025, 6, 1)
    firms = random_firms(5, 51, as_of, 2024)
    targets = ("size", "pool", "srdi-2026", "no-such-rule-set", "srdi")
    expected = reference(targets, as_of, None, firms)
    assert assess_batch(ENGINE, targets, as_of, None, firms) == expected
    assert_same(columns(targets, as_of, None, firms), expected, firms)
    assert assess_batch(ENGINE, (), as_of, None, firms) == []
