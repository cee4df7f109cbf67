"""The eligibility service's own batch chunk (``batch_eval.evaluate_chunk``, what every step of a
batch run evaluates between reading and recording): projection rows as the service stores them
(profiles, ``indicator_years`` with the reported values as exact JSON texts, qualifications) →
outcomes, in columns (``Frame.from_columns`` + ``assess_columns``, the batch runner's path) beside
the enterprise-by-enterprise path it replaced (input dicts → ``assess_batch``), same rows, same
process, CPU time per firm. A run of every rule set in force on 2026-06-01 (what ``tidu batch``
starts without a target). The reading before and the recording after are not included.

    .venv/bin/python -m bench.eligibility_chunk_bench [FIRMS]     # default 20,000 (4 chunks)
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from bench.common import Figure, print_table
from tidu_eligibility.batch_eval import Plan, _by_enterprise, evaluate_chunk, plan_for
from tidu_eligibility.domain.inputs import YEAR_FIELDS
from tidu_eligibility.rulebook import build, load_files
from tidu_eligibility.snapshots import assemble, plain_indicators

AS_OF = dt.date(2026, 6, 1)
YEAR = 2025
CHUNK = 5000  # the service's default batch_chunk_size
DISTRICTS = ("500114", "500101", "500103", "500105", "500106", "500112", "500113", "500116", "500151")
KINDS = ("tech_sme", "innovative_sme", "high_tech", "srdi_sme", "little_giant", "ip_advantage", "gazelle")


def _value(rng: random.Random, name: str) -> Any:
    spec = YEAR_FIELDS[name]
    if spec.kind == "decimal":
        hi = int(spec.hi * 100) if spec.hi is not None else 10**8
        return Decimal(rng.randint(0, hi)) / 100
    if spec.kind == "integer":
        lo = int(spec.lo) if spec.lo is not None else 0
        return rng.randint(lo, int(min(spec.hi, 400)) if spec.hi is not None else 400)
    if spec.kind == "flag":
        return rng.random() < 0.4
    return rng.choice(("none", "below_city", "city", "provincial", "national"))


def projection(n: int, seed: int = 9) -> tuple[list[Any], list[Any], list[Any]]:
    """Rows as ``projection.read_chunk`` returns them: ~3 years per firm, ~30 % holding 1–2 qualifications."""
    rng = random.Random(seed)
    profiles: list[Any] = []
    years: list[Any] = []
    quals: list[Any] = []
    for i in range(n):
        uscc = f"9150{i:013d}X"
        established = dt.date(1995, 1, 1) + dt.timedelta(days=rng.randint(0, 10000))
        flags = [None if rng.random() < 0.05 else rng.random() < 0.4 for _ in range(6)]
        profiles.append(
            SimpleNamespace(
                uscc=uscc, name=f"企业{i}", district_code=rng.choice(DISTRICTS), industry_code="C3825",
                established_on=established, independent_legal_person=flags[0],
                niche_market_since=established + dt.timedelta(days=300), own_brand=flags[1], main_product_text=None,
                strategic_emerging=flags[2], six_foundations=flags[3], key_chain_link=flags[4],
                supplies_chain_leader=flags[5], time_honoured_brand=rng.random() < 0.01, last_event_id="e",
                stated_at=None,
            )
        )  # fmt: skip
        for y in (YEAR - 2, YEAR - 1, YEAR):
            if y == YEAR - 2 and rng.random() < 0.08:
                continue
            values = {name: _value(rng, name) for name in YEAR_FIELDS if rng.random() > 0.05}
            years.append(SimpleNamespace(uscc=uscc, year=y, indicator_values=plain_indicators(values)))
        if rng.random() < 0.3:
            for k in range(rng.randint(1, 2)):
                granted = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 2300))
                quals.append(
                    SimpleNamespace(
                        qualification_id=f"{uscc}-{k}", uscc=uscc, kind=rng.choice(KINDS), level="provincial",
                        document_no=None, granted_on=granted, expires_on=granted + dt.timedelta(days=3 * 365 - 1),
                        status="active", revoked_on=None, event_id="e",
                    )
                )  # fmt: skip
    return profiles, years, quals


def _chunks(rows: tuple[list[Any], list[Any], list[Any]]) -> list[tuple[list[Any], list[Any], list[Any]]]:
    profiles, years, quals = rows
    out = []
    y = q = 0
    for start in range(0, len(profiles), CHUNK):
        chunk = profiles[start : start + CHUNK]
        last = chunk[-1].uscc
        y0, q0 = y, q
        while y < len(years) and years[y].uscc <= last:
            y += 1
        while q < len(quals) and quals[q].uscc <= last:
            q += 1
        out.append((chunk, years[y0:y], quals[q0:q]))
    return out


def _cpu(fn: Any) -> tuple[float, int]:
    c = time.process_time()
    outcomes = fn()
    return time.process_time() - c, outcomes


def run(n: int = 20_000) -> list[Figure]:
    book = build(load_files(None))
    plans: list[Plan] = [plan_for(book, "all", None, AS_OF)]
    chunks = _chunks(projection(n))

    def columns() -> int:
        return sum(len(evaluate_chunk(book, p, AS_OF, YEAR, *c).outcomes) for c in chunks for p in plans)

    def dicts() -> int:
        return sum(len(_by_enterprise(book, p, AS_OF, YEAR, assemble(*c)).outcomes) for c in chunks for p in plans)

    columns()  # warm up
    runs = [(_cpu(columns), _cpu(dicts)) for _ in range(2)]
    (col_s, outcomes), (dict_s, same) = min(runs, key=lambda r: r[0][0])
    assert outcomes == same
    print(f"{n:,} firms, {outcomes:,} outcomes: columns {col_s:.2f} s CPU, input dicts {dict_s:.2f} s CPU")
    return [
        Figure(
            f"service batch chunk, columns (CPU), µs per firm ({n:,} firms, {outcomes / n:.1f} outcomes each)",
            col_s / n * 1e6,
            "µs",
            dict_s / n * 1e6,
            "input dicts → assess_batch, before",
        ),
        Figure("  projected for 1,000,000 firms (CPU, evaluation only)", col_s / n * 1e6, "s"),
    ]


if __name__ == "__main__":
    print_table(run(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000))
