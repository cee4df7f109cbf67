"""The evaluation context: the inputs of one assessment and what evaluating them has recorded.

Rule nodes read inputs only through the context, which records each read for the trace and each
missing input for the ``missing`` list. ``explain=False`` skips building trace lines (batch runs).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .derived import last_years
from .inputs import ENTERPRISE_FLAGS, MAIN_PRODUCT_FLAGS, QUALIFICATION_KINDS, YEAR_FIELDS, Inputs
from .result import Read, TraceLine
from .ruleset_schema import AwardSpec, QualificationSpec
from .tri import Tri


class Ctx:
    __slots__ = ("as_of", "condition", "explain", "inputs", "missing", "notes", "outcomes", "review", "trace", "year")

    def __init__(self, inputs: Inputs, as_of: date, year: int, *, review: bool = False, explain: bool = True) -> None:
        self.inputs = inputs
        self.as_of = as_of
        self.year = year
        self.review = review
        self.explain = explain
        self.trace: list[TraceLine | None] = []
        self.missing: dict[str, None] = {}
        self.notes: dict[str, None] = {}
        self.outcomes: dict[int, Tri] = {}  # id(node) -> its value, for gap analysis
        self.condition: str | None = None  # the top-level block being evaluated

    def fork(self, inputs: Inputs) -> Ctx:
        """A quiet context on changed inputs, to check that a proposed change passes."""
        return Ctx(inputs, self.as_of, self.year, review=self.review, explain=False)

    # --- reads -----------------------------------------------------------------------------------

    def read(self, name: str, year: int) -> tuple[Any, Read]:
        value = self.inputs.value(name, year)
        if value is None:
            self.missing[f"{name}@{year}"] = None
        return value, Read(name, year, value)

    def read_enterprise(self, name: str) -> tuple[Any, Read]:
        if name.startswith("main_product."):
            value = getattr(self.inputs.enterprise.main_product, name.split(".", 1)[1])
        else:
            value = getattr(self.inputs.enterprise, name)
        if value is None:
            self.missing[name] = None
        return value, Read(name, None, value)

    def lookup(self, name: str) -> tuple[Any, Read]:
        """A named input as rule data names it: a yearly field (data year), an enterprise flag,
        ``main_product.<flag>`` or ``qualification.<kind>`` (held on the assessment date)."""
        if name in YEAR_FIELDS:
            return self.read(name, self.year)
        if name.startswith("qualification."):
            kind = name.split(".", 1)[1]
            held = any(q.kind == kind and q.valid_on(self.as_of) for q in self.inputs.qualifications)
            return held, Read(name, None, held)
        return self.read_enterprise(name)

    def held(self, spec: QualificationSpec) -> tuple[Tri, Read]:
        """A valid qualification of one of the kinds (and levels) on the assessment date.

        The qualification list is closed: none listed means none held. A matching one whose level
        is not recorded, where a level is required, leaves the answer open.
        """
        unknown = False
        found: list[str] = []
        for i, q in enumerate(self.inputs.qualifications):
            if q.kind not in spec.kinds or not q.valid_on(self.as_of):
                continue
            if spec.levels is None or q.level in spec.levels:
                found.append(_describe_qualification(q.kind, q.level, q.granted_on, q.expires_on))
            elif q.level is None:
                unknown = True
                self.missing[f"qualifications[{i}].level"] = None
        value: Tri = True if found else (None if unknown else False)
        return value, Read("qualifications", None, "; ".join(found) if found else value)

    def won(self, spec: AwardSpec) -> tuple[Tri, Read]:
        """An award of the kind and levels in the window (ranked within max_rank, if set)."""
        window = set(last_years(self.year, spec.window_years))
        unknown = False
        found: list[str] = []
        for i, award in enumerate(self.inputs.awards):
            if award.kind != spec.kind or award.year not in window or award.level not in spec.levels:
                continue
            if spec.max_rank is None or (award.rank is not None and award.rank <= spec.max_rank):
                found.append(
                    f"{award.kind} {award.level} {award.year}" + ("" if award.rank is None else f" #{award.rank}")
                )
            elif award.rank is None:
                unknown = True
                self.missing[f"awards[{i}].rank"] = None
        value: Tri = True if found else (None if unknown else False)
        return value, Read(f"awards.{spec.kind}", None, "; ".join(found) if found else value)

    # --- recording -------------------------------------------------------------------------------

    def add(self, line: TraceLine) -> None:
        self.trace.append(line)

    def note(self, text: str) -> None:
        self.notes[text] = None


def _describe_qualification(kind: str, level: str | None, granted: date, expires: date | None) -> str:
    until = "" if expires is None else expires.isoformat()
    return f"{kind} {level or '?'} {granted.isoformat()}→{until}"


def check_input_name(name: str) -> str | None:
    """None if rule data may name this input, else why not."""
    if name in YEAR_FIELDS or name in ENTERPRISE_FLAGS:
        return None
    if name.startswith("main_product.") and name.split(".", 1)[1] in MAIN_PRODUCT_FLAGS:
        return None
    if name.startswith("qualification.") and name.split(".", 1)[1] in QUALIFICATION_KINDS:
        return None
    return f"unknown input {name!r}"
