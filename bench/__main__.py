"""``make bench`` (``python -m bench``): every benchmark, one table — figure, the floor measured
in the same run, their ratio, and the machine. ``python -m bench quick`` runs small sizes (a
smoke run; the figures in bench/README.md come from the full run)."""

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
    ("bench.eligibility_batch_bench", {"n": 1_000_000}),
]

QUICK: dict[str, dict[str, Any]] = {
    "bench.registration_latency": {"n": 20},
    "bench.outbox_relay_bench": {"n": 5_000},
    "bench.registry_bench": {"rows": 5_000, "enterprises_n": 20_000, "samples": 50},
    "bench.eligibility_batch_bench": {"n": 20_000},
    "bench.finance_bench": {"n": 1000, "demands": 1000},
    "bench.eligibility_whatif_bench": {"n": 200},
}


def main(argv: list[str]) -> int:
    quick = "quick" in argv
    only = [a for a in argv if a.startswith("bench.")]
    figures: list[Figure] = []
    for name, kwargs in FULL:
        if only and name not in only:
            continue
        args = QUICK.get(name, kwargs) if quick else kwargs
        print(f"running {name} {args} …", flush=True)
        t0 = time.perf_counter()
        try:
            figures.extend(importlib.import_module(name).run(**args))
        except Exception as exc:  # one failing benchmark must not hide the others
            print(f"  {name} failed: {type(exc).__name__}: {exc}", flush=True)
        print(f"  done in {time.perf_counter() - t0:.0f} s", flush=True)
    print_table(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
