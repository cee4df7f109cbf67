"""A district's cultivation pool (培育库) — ``pool-qianjiang-2022`` (黔江区 2022-2025 plan), §9.

Registered in the district for the minimum years; independent legal person; an SME by the size rule
set named in ``size_ruleset``; in the plan's industry scope; R&D ratio with a revenue floor; and at
least ``items_required`` of: revenue, average growth (of revenue or of net profit), debt ratio.

"Registered in the district ≥ 2 years" is read as: registering district = the rule set's district,
and ``established_on`` at least 2 whole years before the assessment date (moves between districts
are not in the inputs).
"""

from __future__ import annotations

from .conditions import AllOf, AnyOf, AtLeast, Computed, PrefixIn, TextIs, compare
from .evaluation import Ctx
from .measures import AverageGrowth, Field, Ratio, RegisteredYears
from .program import Block, Program, ProgramLookup, flags_any
from .result import Read
from .ruleset_schema import RuleSet, RuleSetError
from .tri import Tri


def build(ruleset: RuleSet, programs: ProgramLookup | None = None) -> Program:
    p, v = ruleset.param, ruleset.value
    if programs is None:
        raise RuleSetError(ruleset.source, "parameters.size_ruleset", "the pool needs the size rule set")
    size_id: str = v("size_ruleset")

    def is_sme(ctx: Ctx) -> tuple[Tri, tuple[Read, ...], object, str]:
        size = programs(size_id, ctx.as_of)
        result = size.classify(ctx)  # type: ignore[attr-defined]
        return result.sme, result.reads, result.size_class, f"SME by {size.ruleset.id} v{size.ruleset.version}"

    conditions = (
        AllOf(
            "registered",
            "在本区注册满年限",
            "registered in the district long enough",
            p("registered_years_min").clause,
            (
                TextIs(
                    "registered.district",
                    "注册地",
                    "registering district",
                    p("district_code").clause,
                    "district_code",
                    v("district_code"),
                ),
                compare(
                    "registered.years",
                    "注册年限",
                    "years registered",
                    RegisteredYears(),
                    "ge",
                    p("registered_years_min"),
                ),
            ),
        ),
        flags_any("legal_person", "具有独立法人资格", "independent legal person", p("legal_person_any_of"), ruleset),
        Computed(
            "sme", "符合中小企业划型标准", "an SME by the size standard", p("size_ruleset").clause, is_sme, size_id
        ),
        PrefixIn(
            "scope",
            "属于规划支持的行业",
            "industry in the plan's scope",
            p("scope_prefixes").clause,
            "industry_code",
            v("scope_prefixes"),
        ),
        AllOf(
            "rd",
            "研发投入与营业收入",
            "R&D ratio and revenue",
            p("rd_ratio_min").clause,
            (
                compare(
                    "rd.ratio",
                    "研发费用占营业收入比重",
                    "R&D ratio",
                    Ratio("rd_expense", "operating_revenue", "研发费用占营业收入比重", "R&D ratio"),
                    "ge",
                    p("rd_ratio_min"),
                ),
                compare(
                    "rd.revenue",
                    "上年度营业收入",
                    "operating revenue",
                    Field("operating_revenue"),
                    "ge",
                    p("revenue_min"),
                ),
            ),
        ),
        AtLeast(
            "items",
            "成长性指标",
            "growth items",
            p("items_required").clause,
            v("items_required"),
            (
                compare(
                    "items.revenue",
                    "上年度营业收入",
                    "operating revenue",
                    Field("operating_revenue"),
                    "ge",
                    p("item_revenue_min"),
                ),
                AnyOf(
                    "items.growth",
                    "近2年营业收入或净利润平均增长率",
                    "average growth of revenue or net profit, 2 years",
                    p("item_growth_min").clause,
                    (
                        compare(
                            "items.growth.revenue",
                            "近2年营业收入平均增长率",
                            "average revenue growth",
                            AverageGrowth("operating_revenue", "营业收入平均增长率", "average revenue growth"),
                            "ge",
                            p("item_growth_min"),
                        ),
                        compare(
                            "items.growth.net_profit",
                            "近2年净利润平均增长率",
                            "average net-profit growth",
                            AverageGrowth("net_profit", "净利润平均增长率", "average net-profit growth"),
                            "ge",
                            p("item_growth_min"),
                        ),
                    ),
                ),
                compare(
                    "items.debt",
                    "资产负债率",
                    "debt ratio",
                    Ratio("total_liabilities", "total_assets", "资产负债率", "debt ratio"),
                    "le",
                    p("item_debt_ratio_max"),
                ),
            ),
        ),
    )
    return Program(ruleset=ruleset, conditions=tuple(Block("condition", node) for node in conditions))
