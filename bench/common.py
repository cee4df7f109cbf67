"""What the benchmarks share: percentiles, the machine, the result table."""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    xs = sorted(values)
    k = (len(xs) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kb = int(f.readline().split()[1])
            mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError):
        pass
    system = f"{platform.system()} {platform.machine()}"
    return f"{system}, {os.cpu_count()} cores, {mem}, {cpu}, Python {platform.python_version()}"


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    floor: float | None = None
    floor_name: str = ""

    def row(self) -> str:
        ratio = f"{self.value / self.floor:.2f}×" if self.floor else "—"
        floor = f"{self.floor:.2f} {self.unit} ({self.floor_name})" if self.floor is not None else "—"
        return f"| {self.name} | {self.value:.2f} {self.unit} | {floor} | {ratio} |"


def print_table(figures: list[Figure]) -> None:
    print(f"\nmachine: {machine()}\n")
    print("| figure | value | floor measured in the same run | ratio |")
    print("| --- | --- | --- | --- |")
    for f in figures:
        print(f.row())
