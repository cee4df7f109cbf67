"""What the benchmarks share: percentiles, the machine, the result table."""

from __future__ import annotations

import importlib.util
import os
import platform
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# httpx's in-process client (ASGITransport) runs ``import sniffio`` on every request to detect trio.
# Where sniffio is not installed, each request paid a failed import — a search of sys.path, ~0.3 ms,
# more than some of the figures measured through it. Remember the failure once.
if importlib.util.find_spec("sniffio") is None:
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]


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
    """CPU model, cores, memory, load average (1/5/15 min) and Python: the line every table carries."""
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
    try:
        load = "load average " + " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "load average unknown"
    system = f"{platform.system()} {platform.machine()}"
    parts = [system, f"{os.cpu_count()} cores", mem, cpu, load, f"Python {platform.python_version()}"]
    return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    floor: float | None = None
    floor_name: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.floor if self.floor else None

    def row(self) -> str:
        ratio = f"{self.ratio:.2f}×" if self.ratio is not None else "—"
        floor = f"{self.floor:.2f} {self.unit} ({self.floor_name})" if self.floor is not None else "—"
        return f"| {self.name} | {self.value:.2f} {self.unit} | {floor} | {ratio} |"


@dataclass(frozen=True)
class Target:
    """An issue-9 target: the figures whose name starts with ``prefix`` are judged by ``check``
    (True met, False missed, None not judged, e.g. a quick run's smaller sizes)."""

    prefix: str
    text: str
    check: Callable[[Figure], bool | None]


def _at_full_size(marker: str, ok: Callable[[Figure], bool]) -> Callable[[Figure], bool | None]:
    return lambda f: ok(f) if marker in f.name else None


def _ratio_at_most(f: Figure, k: float) -> bool:
    return f.ratio is not None and f.ratio <= k


TARGETS: tuple[Target, ...] = (
    Target(
        "batch, 1 process, wall",
        "≤ 60 s and ≤ 3× floor (1,000,000 firms)",
        _at_full_size("1,000,000 firms", lambda f: f.value <= 60 and _ratio_at_most(f, 3)),
    ),
    Target(
        "service batch run, wall",
        "≤ 60 s and ≤ 3× floor (1,000,000 firms)",
        _at_full_size("1,000,000 firms", lambda f: f.value <= 60 and _ratio_at_most(f, 3)),
    ),
    Target("what-if srdi-2026 explained, in process, p99", "p99 ≤ 5 ms", lambda f: f.value <= 5),
    Target("what-if over HTTP, ASGI (real app), p99", "p99 ≤ 20 ms", lambda f: f.value <= 20),
    Target("what-if over HTTP, uvicorn loopback, p99", "p99 ≤ 20 ms", lambda f: f.value <= 20),
    Target(
        "whistle submit → department topic, p99",
        "p99 ≤ 100 ms and ≤ 3× floor",
        lambda f: f.value <= 100 and _ratio_at_most(f, 3),
    ),
    Target("outbox relay", "≥ 5,000 events/s", lambda f: f.value >= 5000),
    Target("match 1 demand × 1,000 products with reasons (domain), p99", "p99 ≤ 10 ms", lambda f: f.value <= 10),
    Target(
        "registry GET /v1/enterprises/{uscc} under wrk", "≥ 50 % of the bare endpoint", lambda f: (f.ratio or 0) >= 0.5
    ),
    Target("import 100,000-row CSV", "≤ 60 s including published events", lambda f: f.value <= 60),
)


def judge(f: Figure) -> tuple[str, str]:
    """(target, met?) of a figure: ``✔`` / ``✘``, ``n/a`` where not judged, blank without a target."""
    for t in TARGETS:
        if f.name.startswith(t.prefix):
            met = t.check(f)
            return t.text, "n/a" if met is None else "✔" if met else "✘"
    return "", ""


def print_table(figures: Sequence[Figure] | Sequence[tuple[str, Figure]]) -> None:
    """One Markdown table: hot path (the benchmark module), figure, value, the floor measured in the
    same run, their ratio, the target and whether it is met; the machine line above it."""
    rows = [f if isinstance(f, tuple) else ("", f) for f in figures]
    print(f"\nmachine: {machine()}\n")
    print("| hot path | figure | value | floor measured in the same run | ratio | target | met? |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    last = None
    for path, f in rows:
        target, met = judge(f)
        shown = path if path != last else ""
        last = path
        print(f"| {shown} {f.row()} {target} | {met} |")
