"""专精特新“小巨人” — ``little-giant-2026`` (工信部企业〔2026〕2号), domain-rules §8 (unconfirmed).

Prerequisite: a valid provincial 专精特新中小企业. In a re-review (复核, ``review=True``) the growth
condition is not checked and the development score may reach the floor in either of the last
``review_development_score_years`` years.
"""

from __future__ import annotations

from .conditions import AllOf, AnyOf, Node, compare, held, won
from .measures import CompoundGrowth, Field, NicheYears, Ratio, YearsTotal
from .program import Block, Program, ProgramLookup, flags_any
from .ruleset_schema import RuleSet


def build(ruleset: RuleSet, programs: ProgramLookup | None = None) -> Program:
    p, v = ruleset.param, ruleset.value
    rd_years, growth_years = v("rd_years"), v("compound_growth_years")
    ratios = tuple(
        compare(
            f"rd.ratio.{offset}",
            f"研发费用占营业收入比重（{'Y' if offset == 0 else f'Y-{offset}'}）",
            f"R&D ratio, {'Y' if offset == 0 else f'Y-{offset}'}",
            Ratio("rd_expense", "operating_revenue", "研发费用占营业收入比重", "R&D ratio", offset=offset),
            "ge",
            p("rd_ratio_min"),
        )
        for offset in range(rd_years)
    )
    growth = compare(
        "growth",
        f"近{growth_years}年营业收入复合增长率",
        f"compound revenue growth over {growth_years} years",
        CompoundGrowth("operating_revenue", growth_years, "营业收入复合增长率", "compound revenue growth"),
        "ge",
        p("compound_growth_min"),
    )
    score = compare(
        "development_score",
        "专精特新发展评价得分",
        "development score",
        Field("development_score"),
        "ge",
        p("development_score_min"),
    )
    review_years = v("review_development_score_years")
    review_score = AnyOf(
        "development_score",
        f"近{review_years}年任一年发展评价得分达标",
        f"development score in either of the last {review_years} years",
        p("review_development_score_years").clause,
        tuple(
            compare(
                f"development_score.{offset}",
                f"专精特新发展评价得分（Y-{offset}）" if offset else "专精特新发展评价得分（Y）",
                f"development score, Y-{offset}" if offset else "development score, Y",
                Field("development_score", offset),
                "ge",
                p("development_score_min"),
            )
            for offset in range(review_years)
        ),
    )
    common: tuple[Node, ...] = (
        compare("niche", "从事特定细分市场年限", "years in the niche market", NicheYears(), "ge", p("niche_years_min")),
        compare("revenue", "上年度营业收入", "operating revenue", Field("operating_revenue"), "ge", p("revenue_min")),
        compare(
            "share",
            "主营业务收入占营业收入比重",
            "main-business share",
            Ratio("main_business_revenue", "operating_revenue", "主营业务收入占营业收入比重", "main-business share"),
            "ge",
            p("main_business_share_min"),
        ),
    )
    rest: tuple[Node, ...] = (
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
            "研发投入",
            "R&D input",
            p("rd_total_min").clause,
            (
                compare(
                    "rd.total",
                    f"近{rd_years}年研发费用总额",
                    f"R&D expense over {rd_years} years",
                    YearsTotal("rd_expense", rd_years, "研发费用总额", "total R&D expense"),
                    "ge",
                    p("rd_total_min"),
                ),
                *ratios,
            ),
        ),
        AnyOf(
            "ip",
            "自主研发Ⅰ类知识产权（或豁免）",
            "self-developed class I IP (or a waiver)",
            p("ip_self_developed_min").clause,
            (
                compare(
                    "ip.self_developed",
                    "自主研发Ⅰ类知识产权",
                    "self-developed class I IP",
                    Field("ip_class_i_self_developed"),
                    "ge",
                    p("ip_self_developed_min"),
                ),
                won(
                    "ip.award",
                    "近3年获国家级科技奖励并排名前3",
                    "national S&T award ranked top 3 in 3 years",
                    p("ip_waiver_award"),
                ),
            ),
        ),
        AnyOf(
            "market",
            "细分市场占有率或国内排名",
            "niche-market share or domestic rank",
            p("market_share_pct_min").clause,
            (
                compare(
                    "market.share",
                    "主导产品全国细分市场占有率",
                    "national niche-market share",
                    Field("market_share_pct"),
                    "ge",
                    p("market_share_pct_min"),
                ),
                compare(
                    "market.rank",
                    "国内市场排名",
                    "domestic rank",
                    Field("market_rank_domestic"),
                    "le",
                    p("market_rank_max"),
                ),
            ),
        ),
        flags_any(
            "field",
            "主导产品属于工业“六基”或关键产业链环节",
            "main product in the six foundations or on a key chain link",
            p("field_any_of"),
            ruleset,
        ),
    )
    return Program(
        ruleset=ruleset,
        prerequisites=(
            Block(
                "prerequisite",
                held(
                    "prerequisite",
                    "有效的省级专精特新中小企业认定",
                    "a valid provincial SRDI SME recognition",
                    p("prerequisite"),
                ),
            ),
        ),
        conditions=tuple(Block("condition", node) for node in (*common, growth, *rest, score)),
        review_conditions=tuple(Block("condition", node) for node in (*common, *rest, review_score)),
    )
