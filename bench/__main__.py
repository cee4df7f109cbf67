"""``make bench`` (``python -m bench``): every benchmark, one table at the end — hot path, figure,
the floor measured in the same run, their ratio, the issue-9 target and whether it is met, and the
machine (CPU, cores, load average, Python). ``python -m bench quick`` runs small sizes (a smoke
run: sizes the targets are stated for are not reached, so those rows say n/a; the figures in
bench/README.md come from the full run). ``python -m bench bench.whistle_bench …`` runs only the
benchmarks named."""

from __future__ import annotations

import importlib
import sys
import time
from typing import Any

from bench.common import Figure, print_table

FULL: list[tuple[str, dict[str, Any]]] = [
    ("bench.registration_latency", {"n": 100}),
    ("bench.outbox_relay_bench", {"n": 50_000}),
    ("bench.http_load_bench", {}),
    ("bench.whistle_bench", {}),
    ("bench.finance_bench", {}),
    ("bench.eligibility_whatif_bench", {}),
    ("bench.registry_bench", {}),
    ("bench.eligibility_chunk_bench", {"n": 20_000}),
    ("bench.eligibility_batch_bench", {"n": 1_000_000}),
]

QUICK: dict[str, dict[str, Any]] = {
    "bench.registration_latency": {"n": 20},
    "bench.outbox_relay_bench": {"n": 5_000},
    "bench.registry_bench": {"rows": 5_000, "enterprises_n": 20_000, "samples": 50},
    "bench.eligibility_batch_bench": {"n": 20_000},
    "bench.eligibility_chunk_bench": {"n": 5_000},
    "bench.finance_bench": {"n": 1000, "demands": 1000},
    "bench.eligibility_whatif_bench": {"n": 200},
    "bench.whistle_bench": {"issues": 50, "sweep_issues": 1000},
}
HOT_PATHS: dict[str, str] = {
    "bench.registration_latency": "registration → projections",
    "bench.outbox_relay_bench": "outbox relay",
    "bench.http_load_bench": "registry GET",
    "bench.whistle_bench": "whistle submit → dept topic",
    "bench.finance_bench": "finance matching",
    "bench.eligibility_whatif_bench": "eligibility what-if",
    "bench.registry_bench": "registry import / search",
    "bench.eligibility_chunk_bench": "eligibility batch (service chunk)",
    "bench.eligibility_batch_bench": "eligibility batch",
}


def main(argv: list[str]) -> int:
    quick = "quick" in argv
    only = [a for a in argv if a.startswith("bench.")]
    figures: list[tuple[str, Figure]] = []
    for name, kwargs in FULL:
        if only and name not in only:
            continue
        args = QUICK.get(name, kwargs) if quick else kwargs
        print(f"running {name} {args} …", flush=True)
        t0 = time.perf_counter()
        try:
            got = importlib.import_module(name).run(**args)
            figures.extend((HOT_PATHS.get(name, name), f) for f in got)
        except Exception as exc:  # one failing benchmark must not hide the others
            print(f"  {name} failed: {type(exc).__name__}: {exc}", flush=True)
            figures.append((HOT_PATHS.get(name, name), Figure(f"FAILED: {type(exc).__name__}", float("nan"), "")))
        print(f"  done in {time.perf_counter() - t0:.0f} s", flush=True)
    print_table(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
