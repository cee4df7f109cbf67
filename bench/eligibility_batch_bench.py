"""Batch re-assessment (issue 9): N enterprises × 3 years of indicators, all seven rule sets, read from
SQLite and assessed with the columnar batch path; beside it, the floor: reading the same rows.

    .venv/bin/python -m bench.eligibility_batch_bench [N] [WORKERS]   # N = 1,000,000, WORKERS = 1

Target: ≤ 60 s for N = 1,000,000 on the 2-core dev box, and ≤ 3× the floor.

The database is generated first (not timed) into a temporary directory: ``enterprise_profiles``,
``indicators`` (one row per enterprise and year, §3 fields as NUMERIC / INTEGER, 万元 with at most 4
decimals), ``qualifications`` (~30 % of firms) and ``awards`` (~3 %), with realistic spreads, some
missing values and firms without their oldest year. Then, each repeated and the median reported:

- floor: read every row the batch needs (profiles, the 3 years of indicators, qualifications and
  awards) with plain ``sqlite3`` into Python tuples, chunk by chunk (keyset pagination on ``uscc``);
- batch: the same reads, the rows turned into columns (``Frame.from_columns``) and assessed under
  the seven rule sets (``assess_columns``), results as arrays ready to write.

All seven rule sets are evaluated by id as of 2026-06-01 (data year 2025): the 2022 sets and the
pool after their end dates, as the engine allows by id (a re-review), the 2026 sets in force. The pool
is so evaluated for every firm, not only 黔江区's: the heavier case.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import Figure, print_table
from tidu_eligibility.domain.batch import RuleSetResults, assess_columns
from tidu_eligibility.domain.columnar.frame import Frame
from tidu_eligibility.domain.engine import Engine
from tidu_eligibility.domain.inputs import YEAR_FIELDS
from tidu_eligibility.domain.ruleset_loader import load_rulesets

AS_OF = date(2026, 6, 1)
YEAR = 2025
YEARS = (YEAR - 2, YEAR - 1, YEAR)
TARGETS = (
    "size-2011",
    "innovative-2022",
    "srdi-2022",
    "little-giant-2022",
    "srdi-2026",
    "little-giant-2026",
    "pool-qianjiang-2022",
)
CHUNK = 100_000
REPEATS = 3
FIELDS = tuple(YEAR_FIELDS)
PROFILE_COLUMNS = (
    "uscc",
    "district_code",
    "industry_code",
    "established_on",
    "niche_market_since",
    "independent_legal_person",
    "own_brand",
    "strategic_emerging",
    "six_foundations",
    "key_chain_link",
    "supplies_chain_leader",
)
FLAG_COLUMNS = PROFILE_COLUMNS[5:]

SCHEMA = f"""
CREATE TABLE enterprise_profiles (
    uscc TEXT PRIMARY KEY,
    district_code TEXT,
    industry_code TEXT,
    established_on TEXT,
    niche_market_since TEXT,
    independent_legal_person INTEGER,
    own_brand INTEGER,
    strategic_emerging INTEGER,
    six_foundations INTEGER,
    key_chain_link INTEGER,
    supplies_chain_leader INTEGER
) WITHOUT ROWID;
CREATE TABLE indicators (
    uscc TEXT NOT NULL,
    year INTEGER NOT NULL,
    {
    ", ".join(
        f"{name} {_type}"
        for name, _type in (
            (n, "INTEGER" if s.kind in ("integer", "flag") else "TEXT" if s.kind == "level" else "NUMERIC")
            for n, s in YEAR_FIELDS.items()
        )
    )
},
    PRIMARY KEY (uscc, year)
) WITHOUT ROWID;
CREATE TABLE qualifications (
    uscc TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT,
    granted_on TEXT NOT NULL,
    expires_on TEXT
);
CREATE INDEX qualifications_by_uscc ON qualifications (uscc, kind, level, granted_on, expires_on);
CREATE TABLE awards (
    uscc TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    rank INTEGER,
    year INTEGER NOT NULL
);
CREATE INDEX awards_by_uscc ON awards (uscc, kind, level, rank, year);
"""

# --- generation (not timed) ---------------------------------------------------------------------------

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_INDUSTRIES = [
    "C3825",
    "C3911",
    "C2631",
    "C3411",
    "C1713",
    "B0610",
    "D4411",
    "E4710",
    "F5111",
    "F5211",
    "G5410",
    "G5910",
    "I6510",
    "I6311",
    "L7211",
    "M7310",
    "M7410",
    "A0111",
    "K7010",
    "R8810",
    "J6620",
    "H6210",
]
_INDUSTRY_P = np.array([10, 6, 5, 5, 4, 2, 2, 3, 6, 6, 3, 2, 10, 3, 6, 4, 4, 3, 2, 2, 1, 3], dtype=float)
_DISTRICTS = ["500114", "500101", "500103", "500105", "500106", "500112", "500113", "500116", "500151"]
_QUAL_KINDS = ["tech_sme", "innovative_sme", "high_tech", "srdi_sme", "little_giant", "ip_advantage", "gazelle"]
_QUAL_P = np.array([30, 25, 20, 15, 3, 4, 3], dtype=float)


def _usccs(n: int) -> list[str]:
    """n distinct valid USCCs (GB 32100 check character), sorted."""
    weights = np.array([pow(3, k, 31) for k in range(17)], dtype=np.int64)
    i = np.arange(n, dtype=np.int64)
    district = i % len(_DISTRICTS)
    digits = np.array([[int(c) for c in f"91{d}"] for d in _DISTRICTS], dtype=np.int64)  # 8 leading digits
    total = (digits[district] * weights[:8]).sum(axis=1)
    for k in range(9):  # the 9-digit organisation part, most significant first
        total += (i // 10 ** (8 - k) % 10) * weights[8 + k]
    check = (31 - total % 31) % 31
    codes = [
        f"91{_DISTRICTS[d]}{j:09d}{_USCC_CHARS[c]}"
        for d, j, c in zip(district.tolist(), i.tolist(), check.tolist(), strict=True)
    ]
    return sorted(codes)


def _money(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """万元 with 2 decimals mostly, some whole, some 4 decimals (never more)."""
    places = rng.choice([0, 2, 4], size=x.size, p=[0.2, 0.7, 0.1])
    return np.round(x * 10.0**places) / 10.0**places


def _with_nulls(values: np.ndarray, missing: np.ndarray) -> list[Any]:
    """Python values (floats, ints or text), None where ``missing``."""
    return np.where(missing, None, values.astype(object)).tolist()


def _iso(ordinals: np.ndarray) -> np.ndarray:
    """ISO dates of day ordinals (each distinct day formatted once)."""
    days, inverse = np.unique(ordinals, return_inverse=True)
    return np.array([date.fromordinal(int(d)).isoformat() for d in days], dtype=object)[inverse]


def generate(path: Path, n: int, seed: int = 9) -> None:
    rng = np.random.default_rng(seed)
    con = sqlite3.connect(path)
    con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-500000;" + SCHEMA)
    codes = _usccs(n)
    industry = rng.choice(np.array(_INDUSTRIES, dtype=object), size=n, p=_INDUSTRY_P / _INDUSTRY_P.sum())
    district = np.array([c[2:8] for c in codes], dtype=object)
    est = rng.integers(date(1990, 1, 1).toordinal(), AS_OF.toordinal() - 30, size=n)
    niche = np.minimum(est + rng.integers(0, 2000, size=n), AS_OF.toordinal() - 1)

    def flag(p: float, missing: float = 0.05) -> list[Any]:
        return _with_nulls((rng.random(n) < p).astype(np.int64), rng.random(n) < missing)

    profiles = zip(
        codes,
        district.tolist(),
        industry.tolist(),
        _with_nulls(_iso(est), rng.random(n) < 0.01),
        _with_nulls(_iso(niche), rng.random(n) < 0.1),
        flag(0.95),
        flag(0.5),
        flag(0.3),
        flag(0.15),
        flag(0.15),
        flag(0.2),
        strict=True,
    )
    con.executemany(f"INSERT INTO enterprise_profiles VALUES ({', '.join('?' * len(PROFILE_COLUMNS))})", profiles)

    # yearly indicators: a firm's scale, then each year grows from the one before
    scale = rng.lognormal(mean=7.0, sigma=1.5, size=n)  # operating revenue, 万元
    staff = np.maximum(1, np.round(scale**0.6 * rng.lognormal(0, 0.4, n)))
    rd_share = rng.choice([0.0, 0.01, 0.02, 0.03, 0.05, 0.08], size=n) * rng.lognormal(0, 0.3, n)
    has_oldest = rng.random(n) > 0.08
    revenue = scale
    per_year: list[list[tuple[Any, ...] | None]] = []
    for y in YEARS:
        revenue = np.maximum(revenue * (1 + rng.normal(0.06, 0.15, n)), 0)
        assets = scale * rng.lognormal(0.2, 0.5, n)
        cols: dict[str, np.ndarray] = {
            "employees": np.round(staff * rng.lognormal(0, 0.05, n)),
            "rd_staff": np.round(staff * rng.uniform(0, 0.4, n)),
            "operating_revenue": _money(revenue, rng),
            "main_business_revenue": _money(revenue * rng.uniform(0.4, 1.0, n), rng),
            "net_profit": _money(revenue * rng.normal(0.05, 0.08, n), rng),
            "total_assets": _money(assets, rng),
            "total_liabilities": _money(assets * rng.uniform(0.1, 1.0, n), rng),
            "rd_expense": _money(revenue * rd_share, rng),
            "equity_financing": _money(np.where(rng.random(n) < 0.05, rng.lognormal(7, 1.2, n), 0.0), rng),
            "ip_class_i": rng.poisson(1.2, n),
            "ip_class_i_self_developed": rng.poisson(0.8, n),
            "ip_class_i_high_value": rng.poisson(0.2, n),
            "ip_class_ii": rng.poisson(2.0, n),
            "digital_level": rng.integers(0, 5, n),
            "quality_cert": (rng.random(n) < 0.5).astype(np.int64),
            "quality_award_provincial": (rng.random(n) < 0.05).astype(np.int64),
            "standards_drafted": (rng.random(n) < 0.1).astype(np.int64),
            "foreign_product_cert": (rng.random(n) < 0.08).astype(np.int64),
            "rd_institution_level": rng.choice(
                np.array(["none", "below_city", "city", "provincial", "national"], dtype=object),
                n,
                p=[0.5, 0.2, 0.17, 0.1, 0.03],
            ),
            "market_share_pct": np.round(rng.exponential(3.0, n), 2),
            "market_rank_domestic": rng.integers(1, 50, n),
            "development_score": np.round(rng.normal(55, 12, n).clip(0, 100), 1),
            "srdi_local_score": rng.integers(0, 16, n),
        }
        missing_p = {
            "market_share_pct": 0.6,
            "market_rank_domestic": 0.6,
            "srdi_local_score": 0.7,
            "development_score": 0.3 if y < YEAR else 0.1,
        }
        lists = [_with_nulls(cols[name], rng.random(n) < missing_p.get(name, 0.03)) for name in FIELDS]
        rows: list[tuple[Any, ...] | None] = list(zip(codes, [y] * n, *lists, strict=True))
        if y == YEARS[0]:
            rows = [r if k else None for r, k in zip(rows, has_oldest.tolist(), strict=True)]
        per_year.append(rows)
    in_key_order = (row for rows in zip(*per_year, strict=True) for row in rows if row is not None)
    con.executemany(f"INSERT INTO indicators VALUES ({', '.join('?' * (len(FIELDS) + 2))})", in_key_order)
    del per_year

    # qualifications (~30 % of firms hold one to three), awards (~3 %)
    holders = np.flatnonzero(rng.random(n) < 0.3)
    holder = np.repeat(holders, rng.integers(1, 4, size=len(holders)))
    m = len(holder)
    granted = date(2020, 1, 1).toordinal() + rng.integers(0, 2300, size=m)
    kinds = rng.choice(np.array(_QUAL_KINDS, dtype=object), size=m, p=_QUAL_P / _QUAL_P.sum())
    levels = rng.choice(np.array(["national", "provincial", "city"], dtype=object), size=m, p=[0.15, 0.7, 0.15])
    quals = zip(
        [codes[i] for i in holder.tolist()],
        kinds.tolist(),
        levels.tolist(),
        _iso(granted).tolist(),
        _iso(granted + 3 * 365 - 1).tolist(),
        strict=True,
    )
    con.executemany("INSERT INTO qualifications VALUES (?, ?, ?, ?, ?)", quals)
    awardees = np.flatnonzero(rng.random(n) < 0.03)
    k = len(awardees)
    st = rng.random(k) < 0.7
    award_rows = zip(
        [codes[i] for i in awardees.tolist()],
        np.where(st, "st_award", "chuangke").tolist(),
        np.where(st, np.where(rng.random(k) < 0.2, "national", "provincial"), "national_top500").tolist(),
        np.where(st, rng.integers(1, 10, k).astype(object), None).tolist(),
        (YEAR - rng.integers(0, 4, k)).tolist(),
        strict=True,
    )
    con.executemany("INSERT INTO awards VALUES (?, ?, ?, ?, ?)", award_rows)
    con.commit()
    con.execute("ANALYZE")
    con.close()


# --- reading --------------------------------------------------------------------------------------

NUMERIC_FIELDS = tuple(name for name, spec in YEAR_FIELDS.items() if spec.kind != "level")
PROFILES_SQL = (
    f"SELECT {', '.join(PROFILE_COLUMNS)} FROM enterprise_profiles WHERE uscc > ? AND uscc <= ? ORDER BY uscc LIMIT ?"
)
INDICATORS_SQL = (
    f"SELECT uscc, year, rd_institution_level, {', '.join(NUMERIC_FIELDS)} FROM indicators "
    "WHERE uscc > ? AND uscc <= ? AND year BETWEEN ? AND ? ORDER BY uscc, year"
)
QUALIFICATIONS_SQL = (
    "SELECT uscc, kind, level, granted_on, expires_on FROM qualifications WHERE uscc > ? AND uscc <= ? ORDER BY uscc"
)
AWARDS_SQL = "SELECT uscc, kind, level, rank, year FROM awards WHERE uscc > ? AND uscc <= ? ORDER BY uscc"

Chunk = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]


def read_chunks(con: sqlite3.Connection, start: str = "", stop: str = "\U0010ffff") -> Iterator[Chunk]:
    """Profiles, indicators (3 years), qualifications and awards, CHUNK enterprises at a time, for the
    enterprises with start < uscc <= stop."""
    last = start
    while True:
        profiles = con.execute(PROFILES_SQL, (last, stop, CHUNK)).fetchall()
        if not profiles:
            return
        hi = profiles[-1][0]
        indicators = con.execute(INDICATORS_SQL, (last, hi, YEARS[0], YEARS[-1])).fetchall()
        quals = con.execute(QUALIFICATIONS_SQL, (last, hi)).fetchall()
        awards = con.execute(AWARDS_SQL, (last, hi)).fetchall()
        yield profiles, indicators, quals, awards
        last = hi


def _column(rows: list[tuple[Any, ...]], k: int) -> list[Any]:
    return list(map(itemgetter(k), rows))


def _block(rows: list[tuple[Any, ...]], start: int) -> np.ndarray:
    """The numeric tail of the rows as one float64 block (NULL -> NaN), converted row by row (the
    values of a row sit together in memory, those of a column do not) in one pass."""
    width = len(rows[0]) - start if rows else 0
    cells = chain.from_iterable(map(itemgetter(slice(start, None)), rows))
    return np.fromiter(cells, np.float64, len(rows) * width).reshape(len(rows), width)


def frame_of(chunk: Chunk) -> Frame:
    """Rows to columns: what the batch run does between the database and ``assess_columns``."""
    profiles, indicators, quals, awards = chunk
    n = len(profiles)
    uscc = _column(profiles, 0)
    row_of = {u: i for i, u in enumerate(uscc)}
    enterprise: dict[str, Any] = {name: _column(profiles, k) for k, name in enumerate(PROFILE_COLUMNS[1:5], start=1)}
    flags = _block(profiles, 5).T
    for k, name in enumerate(FLAG_COLUMNS):
        key = name if name in ("independent_legal_person", "own_brand") else f"main_product.{name}"
        enterprise[key] = flags[k]
    rows = np.fromiter(map(row_of.__getitem__, map(itemgetter(0), indicators)), np.int64, len(indicators))
    year = np.fromiter(map(itemgetter(1), indicators), np.int64, len(indicators))
    levels = np.array(_column(indicators, 2), dtype=object)
    numbers = _block(indicators, 3)
    years: dict[int, dict[str, Any]] = {}
    for y in YEARS:
        sel = year == y
        columns = np.full((len(NUMERIC_FIELDS), n), np.nan)
        columns[:, rows[sel]] = numbers[sel].T
        level = np.full(n, None, dtype=object)
        level[rows[sel]] = levels[sel]
        years[y] = {"rd_institution_level": level, **dict(zip(NUMERIC_FIELDS, columns, strict=True))}
    q = list(zip(*quals, strict=True)) or [(), (), (), (), ()]
    a = list(zip(*awards, strict=True)) or [(), (), (), (), ()]
    qualifications = {
        "row": [row_of[u] for u in q[0]],
        "kind": q[1],
        "level": q[2],
        "granted_on": q[3],
        "expires_on": q[4],
    }
    award_cols = {"row": [row_of[u] for u in a[0]], "kind": a[1], "level": a[2], "rank": a[3], "year": a[4]}
    return Frame.from_columns(uscc, enterprise, years, qualifications, award_cols)


@dataclass
class Measured:
    wall: float = 0.0  # seconds
    cpu: float = 0.0  # process CPU seconds (all processes)
    rows: int = 0
    phases: dict[str, float] = field(default_factory=dict)  # CPU seconds per phase (single process)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    by_engine: int = 0


def floor(path: Path) -> Measured:
    """Reading every row into Python tuples: the floor."""
    con = sqlite3.connect(path)
    out = Measured()
    w, c = time.perf_counter(), time.process_time()
    for profiles, indicators, quals, awards in read_chunks(con):
        out.rows += len(profiles) + len(indicators) + len(quals) + len(awards)
    out.wall, out.cpu = time.perf_counter() - w, time.process_time() - c
    con.close()
    return out


def _assess_range(path: Path, engine: Engine, start: str, stop: str) -> Measured:
    """Read + columns + the seven rule sets for the enterprises in (start, stop]."""
    con = sqlite3.connect(path)
    out = Measured(phases={"read": 0.0, "columns": 0.0, **dict.fromkeys(TARGETS, 0.0)}, counts={t: {} for t in TARGETS})
    w, c = time.perf_counter(), time.process_time()
    chunks = read_chunks(con, start, stop)
    while True:
        t = time.process_time()
        chunk = next(chunks, None)
        out.phases["read"] += time.process_time() - t
        if chunk is None:
            break
        out.rows += sum(map(len, chunk))
        t = time.process_time()
        frame = frame_of(chunk)
        out.phases["columns"] += time.process_time() - t
        for target in TARGETS:
            t = time.process_time()
            results = assess_columns(engine, (target,), AS_OF, YEAR, frame)
            out.phases[target] += time.process_time() - t
            for r in results:
                _tally(out.counts[target], r)
                out.by_engine += r.engine_evaluated
        del frame, chunk
    out.wall, out.cpu = time.perf_counter() - w, time.process_time() - c
    con.close()
    return out


def batch(path: Path, engine: Engine) -> Measured:
    """The batch in one process."""
    return _assess_range(path, engine, "", "\U0010ffff")


_ENGINE: Engine | None = None  # the parent's engine, inherited by forked workers


def _worker(args: tuple[Path, str, str]) -> Measured:
    assert _ENGINE is not None
    return _assess_range(args[0], _ENGINE, args[1], args[2])


def batch_parallel(path: Path, engine: Engine, workers: int) -> Measured:
    """The batch in ``workers`` processes, each reading and assessing its own range of uscc."""
    global _ENGINE
    _ENGINE = engine
    w = time.perf_counter()
    con = sqlite3.connect(path)
    (n,) = con.execute("SELECT count(*) FROM enterprise_profiles").fetchone()
    bounds = [""]
    for k in range(1, workers):
        bounds.append(
            con.execute(
                "SELECT uscc FROM enterprise_profiles ORDER BY uscc LIMIT 1 OFFSET ?", (n * k // workers - 1,)
            ).fetchone()[0]
        )
    bounds.append("\U0010ffff")
    con.close()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        parts = pool.map(_worker, [(path, bounds[k], bounds[k + 1]) for k in range(workers)])
    out = Measured(
        wall=time.perf_counter() - w,
        cpu=sum(p.cpu for p in parts),
        rows=sum(p.rows for p in parts),
        by_engine=sum(p.by_engine for p in parts),
    )
    out.counts = {t: {} for t in TARGETS}
    for p in parts:
        for t, c in p.counts.items():
            for k, v in c.items():
                out.counts[t][k] = out.counts[t].get(k, 0) + v
    return out


def _tally(counts: dict[str, int], r: RuleSetResults) -> None:
    for code, name in ((0, "not_eligible"), (1, "undetermined"), (2, "eligible")):
        counts[name] = counts.get(name, 0) + int((r.result == code).sum())


def check_sample(path: Path, engine: Engine, size: int = 300) -> int:
    """The batch answers of a sample of firms equal the engine's, on the same database rows."""
    from tidu_eligibility.domain.batch import BatchResult, assess_batch

    con = sqlite3.connect(path)
    chunk = next(read_chunks(con))
    con.close()
    frame = frame_of(chunk)
    results = assess_columns(engine, TARGETS, AS_OF, YEAR, frame)
    step = max(1, frame.n // size)
    sample = list(range(0, frame.n, step))[:size]
    got: dict[tuple[int, int], BatchResult] = {}
    for r in results:
        for row, res, score, size_class, missing in zip(
            r.rows.tolist(), r.results(), r.scores(), r.size_classes(), r.missing(), strict=True
        ):
            if row % step == 0:
                got[(row, r.target_index)] = BatchResult(
                    frame.uscc[row], r.ruleset_id, r.ruleset_version, res, score, size_class, missing
                )
    inputs = [frame.raw_inputs(i) for i in sample]
    expected = assess_batch(engine, TARGETS, AS_OF, YEAR, inputs, method="engine")
    mine = [got[(i, t)] for i in sample for t in range(len(TARGETS))]
    bad = sum(1 for a, b in zip(mine, expected, strict=True) if a != b)
    if bad:
        raise AssertionError(f"{bad} of {len(expected)} sampled answers differ from the engine's")
    return len(expected)


def run(n: int = 1_000_000, repeats: int | None = None, workers: int = 1) -> list[Figure]:
    """Generate, check a sample against the engine, then time floor and batch ``repeats`` times,
    interleaved. ``workers`` > 1 also times the batch split over that many processes (each reading
    and assessing its own range of firms)."""
    repeats = repeats or (3 if n <= 200_000 else 2)
    work = Path(tempfile.mkdtemp(prefix="elig-perf-bench-", dir=os.environ.get("TMPDIR")))
    path = work / "eligibility.sqlite3"
    try:
        t = time.perf_counter()
        generate(path, n)
        size = path.stat().st_size / 2**20
        print(f"generated {n:,} enterprises in {time.perf_counter() - t:.1f} s ({size:.0f} MiB)", flush=True)
        engine = Engine(load_rulesets())
        checked = check_sample(path, engine)
        print(f"sampled {checked} answers: equal to the engine's", flush=True)
        floor(path)  # warm the page cache
        runs: list[tuple[Measured, Measured, Measured]] = []
        for k in range(repeats):  # interleaved, so that load from elsewhere hits all alike
            f = floor(path)
            b = batch(path, engine)
            p = batch_parallel(path, engine, workers) if workers > 1 else b
            runs.append((f, b, p))
            parallel = f", batch in {workers} processes {p.wall:.2f} s" if workers > 1 else ""
            print(
                f"run {k + 1}: floor {f.wall:.2f} s (cpu {f.cpu:.2f}), batch {b.wall:.2f} s (cpu {b.cpu:.2f})"
                f"{parallel}; load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            print("   cpu by phase: " + ", ".join(f"{name} {v:.2f}" for name, v in b.phases.items()), flush=True)
            assert b.rows == f.rows == p.rows and b.counts == p.counts
    finally:
        for p_ in work.iterdir():
            p_.unlink()
        work.rmdir()

    def med(pick: Any) -> float:
        return statistics.median(pick(r) for r in runs)

    f_wall, f_cpu = med(lambda r: r[0].wall), med(lambda r: r[0].cpu)
    b_wall, b_cpu, p_wall = med(lambda r: r[1].wall), med(lambda r: r[1].cpu), med(lambda r: r[2].wall)
    phases = {name: med(lambda r, name=name: r[1].phases[name]) for name in runs[0][1].phases}
    last = runs[-1][1]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nrows read: {last.rows:,}; rows left to the engine: {last.by_engine}; load average now: {load}")
    for target, c in last.counts.items():
        print(f"  {target}: {c}")
    label = f"{n:,} firms × 3 years × 7 rule sets, median of {repeats}"
    figures = [Figure(f"batch, 1 process, wall ({label})", b_wall, "s", f_wall, "read floor, wall")]
    if workers > 1:
        figures.append(Figure(f"batch, {workers} processes, wall", p_wall, "s", f_wall, "read floor, wall"))
    figures += [
        Figure("batch, 1 process, CPU", b_cpu, "s", f_cpu, "read floor, CPU"),
        Figure("  of which reading (CPU)", phases["read"], "s", f_cpu, "read floor, CPU"),
        Figure("  of which rows → columns (CPU)", phases["columns"], "s"),
    ]
    figures += [Figure(f"  of which {name} (CPU), µs per firm", phases[name] / n * 1e6, "µs") for name in TARGETS]
    per_evaluation = sum(phases[t] for t in TARGETS) / (7 * n) * 1e6
    figures.append(Figure("  assessment alone (CPU), µs per evaluation", per_evaluation, "µs"))
    return figures


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print_table(run(size, workers=int(sys.argv[2]) if len(sys.argv) > 2 else 1))
