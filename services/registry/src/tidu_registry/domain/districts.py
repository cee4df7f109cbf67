"""GB/T 2260 districts known to the registry (reference/districts.csv, extensible)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class District:
    code: str
    name: str
    province: str
    kind: str


class Districts:
    def __init__(self, districts: list[District]) -> None:
        self._by_code = {d.code: d for d in districts}

    def contains(self, code: str) -> bool:
        return code in self._by_code

    def get(self, code: str) -> District | None:
        return self._by_code.get(code)

    def add(self, district: District) -> None:
        self._by_code[district.code] = district

    def all(self) -> list[District]:
        return sorted(self._by_code.values(), key=lambda d: d.code)


@lru_cache(maxsize=1)
def default_districts() -> Districts:
    text = resources.files("tidu_registry.reference").joinpath("districts.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    return Districts([District(r["code"], r["name"], r["province"], r["kind"]) for r in rows])
