"""``python -m bench``: every benchmark, one table."""

from __future__ import annotations

import importlib

from bench.common import Figure, print_table

MODULES = ["bench.registration_latency"]


def main() -> None:
    figures: list[Figure] = []
    for name in MODULES:
        print(f"running {name} …", flush=True)
        figures.extend(importlib.import_module(name).run())
    print_table(figures)


if __name__ == "__main__":
    main()
