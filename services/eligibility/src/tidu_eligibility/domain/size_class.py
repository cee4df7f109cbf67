"""SME size class — ``size-2011`` (工信部联企业〔2011〕300号), domain-rules §4.

Industry → category by the longest matching GB/T 4754 prefix (``industry_categories``), codes
outside the standard (``outside_standard``: railway G53, finance J) are undetermined, anything else
is ``default_category``. Then: an SME if under EITHER ceiling; medium if BOTH medium floors hold;
small if BOTH small floors hold; otherwise micro. "及以上" includes the value ("≥"), "以下" excludes
it ("<"). The result is ``eligible`` for an SME, ``not_eligible`` for a large firm; ``size_class``
names the class, or is None while missing inputs leave more than one class possible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from .evaluation import Ctx
from .measures import Field
from .program import Outcome
from .quantity import Q, Value
from .result import Read, TraceLine
from .ruleset_schema import Parameter, RuleSet, RuleSetError, SizeSpec
from .tri import Tri, and_, or_

MEASURE_FIELDS: Final = {"staff": "employees", "revenue": "operating_revenue", "assets": "total_assets"}
OUTSIDE: Final = "outside"
CLASSES: Final = ("micro", "small", "medium", "large")
SME_CLASSES: Final = frozenset({"micro", "small", "medium"})


@dataclass(frozen=True, slots=True)
class SizeEval:
    category: str | None  # None: unknown industry; "outside": outside the standard
    sme: Tri
    size_class: str | None
    reads: tuple[Read, ...]


@dataclass(frozen=True, eq=False)
class SizeProgram:
    ruleset: RuleSet
    prefixes: tuple[tuple[str, str], ...]  # (prefix, category), longest prefix first
    default: str
    tables: Mapping[str, Parameter]  # category -> thresholds parameter (SizeSpec)
    categories_clause: str

    def category(self, industry_code: str) -> str:
        code = industry_code.strip().upper()
        for prefix, category in self.prefixes:
            if code.startswith(prefix):
                return category
        return self.default

    def classify(self, ctx: Ctx) -> SizeEval:
        code, code_read = ctx.read_enterprise("industry_code")
        reads: list[Read] = [code_read]
        category = None if code is None else self.category(code)
        if ctx.explain:
            ctx.add(
                TraceLine(
                    key="category",
                    kind="check",
                    label="行业类别 / industry category",
                    clause=self.categories_clause,
                    condition=ctx.condition or "category",
                    reads=(code_read,),
                    value=category,
                    passed=None if category in (None, OUTSIDE) else True,
                    note="outside this standard (railway, finance)" if category == OUTSIDE else None,
                )
            )
        if category is None or category == OUTSIDE:
            if category == OUTSIDE:
                ctx.note(f"industry {code} is outside 工信部联企业〔2011〕300号: size undetermined")
            return SizeEval(category, None, None, tuple(reads))
        param = self.tables[category]
        spec: SizeSpec = param.value
        values: dict[str, Value] = {}
        for measure in dict.fromkeys((*spec.sme_if_any, *spec.medium_if_all)):
            e = Field(MEASURE_FIELDS[measure]).evaluate(ctx)
            values[measure] = e.value
            reads.extend(e.reads)
        sme = or_(self._tests(ctx, "sme", param, spec.sme_if_any, values, "lt"))
        medium = and_(self._tests(ctx, "medium", param, spec.medium_if_all, values, "ge"))
        small = and_(self._tests(ctx, "small", param, spec.small_if_all, values, "ge"))
        possible = _possible(sme, medium, small)
        size_class = next(iter(possible)) if len(possible) == 1 else None
        if ctx.explain:
            ctx.add(
                TraceLine(
                    key="size_class",
                    kind="class",
                    label="企业规模 / size class",
                    clause=param.clause,
                    condition=ctx.condition or "size_class",
                    reads=tuple(reads),
                    value=size_class,
                    threshold=" | ".join(c for c in CLASSES if c in possible),
                    passed=sme,
                )
            )
        return SizeEval(category, sme, size_class, tuple(reads))

    def _tests(
        self,
        ctx: Ctx,
        part: str,
        param: Parameter,
        limits: Mapping[str, Decimal],
        values: Mapping[str, Value],
        op: str,
    ) -> list[Tri]:
        results: list[Tri] = []
        for measure, limit in limits.items():
            value = values[measure]
            result = value.test(op, limit)
            results.append(result)
            if ctx.explain:
                field = MEASURE_FIELDS[measure]
                ctx.add(
                    TraceLine(
                        key=f"{part}.{measure}",
                        kind="check",
                        label=f"{_PART_LABELS[part]} / {part}: {measure}",
                        clause=param.clause,
                        condition=ctx.condition or part,
                        reads=(Read(field, ctx.year, ctx.inputs.value(field, ctx.year)),),
                        value=value.decimal() if isinstance(value, Q) else None,
                        threshold=f"{'<' if op == 'lt' else '≥'} {limit}",
                        passed=result,
                    )
                )
        return results

    def run(self, ctx: Ctx) -> Outcome:
        result = self.classify(ctx)
        return Outcome(result.sme, size_class=result.size_class)


_PART_LABELS: Final = {"sme": "中小企业上限（任一）", "medium": "中型下限（同时）", "small": "小型下限（同时）"}


def _possible(sme: Tri, medium: Tri, small: Tri) -> frozenset[str]:
    """The classes the three answers allow (each None may go either way)."""
    classes: set[str] = set()
    if sme is not True:
        classes.add("large")
    if sme is not False:
        if medium is not False:
            classes.add("medium")
        if medium is not True:
            if small is not False:
                classes.add("small")
            if small is not True:
                classes.add("micro")
    return frozenset(classes)


def build(ruleset: RuleSet) -> SizeProgram:
    categories: Mapping[str, str] = ruleset.value("industry_categories")
    outside: tuple[str, ...] = ruleset.value("outside_standard")
    default: str = ruleset.value("default_category")
    pairs = [(prefix.upper(), category) for prefix, category in categories.items()]
    pairs += [(prefix.upper(), OUTSIDE) for prefix in outside]
    tables: dict[str, Parameter] = {}
    for category in {*categories.values(), default}:
        name = f"thresholds_{category}"
        if name not in ruleset.parameters:
            raise RuleSetError(ruleset.source, f"parameters.{name}", f"required: category {category!r} is used")
        tables[category] = ruleset.param(name)
    for name in ruleset.parameters:
        if name.startswith("thresholds_") and name.removeprefix("thresholds_") not in tables:
            raise RuleSetError(ruleset.source, f"parameters.{name}", "no industry maps to this category")
    return SizeProgram(
        ruleset=ruleset,
        prefixes=tuple(sorted(pairs, key=lambda p: -len(p[0]))),
        default=default,
        tables=tables,
        categories_clause=ruleset.param("industry_categories").clause,
    )
