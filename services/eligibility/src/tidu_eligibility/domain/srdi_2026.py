"""专精特新中小企业 — ``srdi-2026`` (工信部企业〔2026〕2号), domain-rules §8 (unconfirmed as a whole).

Prerequisite: a valid 科技和创新型中小企业 (innovative or technology-based SME). Then every
condition; no score. The market position is recorded and checked by hand: it is traced but decides
nothing.
"""

from __future__ import annotations

from .conditions import AllOf, AnyOf, Info, compare, held, level_at_least, won
from .inputs import RD_INSTITUTION_LEVELS
from .measures import Field, NicheYears, Ratio, YearsTotal
from .program import Block, Program, ProgramLookup, check_level
from .ruleset_schema import RuleSet


def build(ruleset: RuleSet, programs: ProgramLookup | None = None) -> Program:
    p, v = ruleset.param, ruleset.value
    check_level(ruleset, "ip_waiver_rd_institution_min_level", RD_INSTITUTION_LEVELS)
    equity_years, rd_years = v("equity_financing_years"), v("rd_years")
    rd_checks = []
    for offset in range(rd_years):
        suffix = "Y" if offset == 0 else f"Y-{offset}"
        rd_checks += [
            compare(
                f"rd.{offset}.expense",
                f"研发费用（{suffix}）",
                f"R&D expense, {suffix}",
                Field("rd_expense", offset),
                "ge",
                p("rd_expense_min"),
            ),
            compare(
                f"rd.{offset}.ratio",
                f"研发费用占营业收入比重（{suffix}）",
                f"R&D ratio, {suffix}",
                Ratio("rd_expense", "operating_revenue", "研发费用占营业收入比重", "R&D ratio", offset=offset),
                "ge",
                p("rd_ratio_min"),
            ),
        ]
    conditions = (
        compare("niche", "从事特定细分市场年限", "years in the niche market", NicheYears(), "ge", p("niche_years_min")),
        AnyOf(
            "revenue",
            "营业收入或股权融资",
            "revenue or equity financing",
            p("revenue_min").clause,
            (
                compare(
                    "revenue.floor",
                    "上年度营业收入",
                    "operating revenue",
                    Field("operating_revenue"),
                    "ge",
                    p("revenue_min"),
                ),
                compare(
                    "revenue.equity",
                    f"近{equity_years}年新增股权融资总额",
                    f"new equity financing over {equity_years} years",
                    YearsTotal("equity_financing", equity_years, "新增股权融资总额", "new equity financing"),
                    "ge",
                    p("equity_financing_min"),
                ),
            ),
        ),
        compare(
            "share",
            "主营业务收入占营业收入比重",
            "main-business share",
            Ratio("main_business_revenue", "operating_revenue", "主营业务收入占营业收入比重", "main-business share"),
            "ge",
            p("main_business_share_min"),
        ),
        compare(
            "debt",
            "资产负债率",
            "debt ratio",
            Ratio("total_liabilities", "total_assets", "资产负债率", "debt ratio"),
            "le",
            p("debt_ratio_max"),
        ),
        AllOf(
            "rd",
            f"近{rd_years}年每年研发费用及占比",
            f"R&D in each of the last {rd_years} years",
            p("rd_ratio_min").clause,
            tuple(rd_checks),
        ),
        AnyOf(
            "ip",
            "Ⅰ类知识产权（或豁免）",
            "class I IP (or a waiver)",
            p("ip_class_i_min").clause,
            (
                compare("ip.class_i", "Ⅰ类知识产权", "class I IP", Field("ip_class_i"), "ge", p("ip_class_i_min")),
                won(
                    "ip.award",
                    "近3年获省级以上科技奖励并排名前3",
                    "provincial-or-higher S&T award ranked top 3 in 3 years",
                    p("ip_waiver_award"),
                ),
                level_at_least(
                    "ip.rd_institution",
                    "拥有省级以上研发机构",
                    "provincial-or-higher R&D institution",
                    p("ip_waiver_rd_institution_min_level"),
                ),
            ),
        ),
        compare(
            "development_score",
            "专精特新发展评价得分",
            "development score",
            Field("development_score"),
            "ge",
            p("development_score_min"),
        ),
    )
    return Program(
        ruleset=ruleset,
        prerequisites=(
            Block(
                "prerequisite",
                held(
                    "prerequisite",
                    "有效的科技和创新型中小企业（创新型或科技型）",
                    "a valid innovative or technology-based SME",
                    p("prerequisite"),
                ),
            ),
        ),
        conditions=tuple(Block("condition", node) for node in conditions),
        records=(
            Info(
                "market",
                "细分市场占有率（人工核验）",
                "niche-market share (checked by hand)",
                p("market_check").clause,
                ("market_share_pct", "market_rank_domestic"),
                "recorded; checked by hand, not by the engine",
            ),
        ),
    )
