"""专精特新“小巨人” — ``little-giant-2022`` (工信部企业〔2022〕63号 附件3), domain-rules §7.

Prerequisite: a valid provincial 专精特新中小企业. Then every condition of 专, 精, 特, 新, 链/品. The
R&D condition of 新 depends on the revenue bracket of the data year; a bracket whose guard fails
does not apply and its inputs are not read.
"""

from __future__ import annotations

from .conditions import AllOf, AnyOf, Node, When, compare, held, level_at_least, won
from .inputs import RD_INSTITUTION_LEVELS
from .measures import AverageGrowth, Field, NicheYears, Ratio, YearsTotal
from .program import Block, Program, ProgramLookup, check_level, flags_any
from .ruleset_schema import RuleSet


def rd_ratio(years: int, clause_param: str, ruleset: RuleSet, key: str) -> Node:
    """R&D ratio at or above a threshold in each of the last ``years`` years."""
    checks = tuple(
        compare(
            f"{key}.{offset}",
            f"{year_label(offset)}研发费用占营业收入比重",
            f"R&D ratio, Y-{offset}" if offset else "R&D ratio, Y",
            Ratio("rd_expense", "operating_revenue", "研发费用占营业收入比重", "R&D ratio", offset=offset),
            "ge",
            ruleset.param(clause_param),
        )
        for offset in range(years)
    )
    return AllOf(
        key,
        f"近{years}年研发费用占比均达标",
        f"R&D ratio in each of the last {years} years",
        ruleset.param(clause_param).clause,
        checks,
    )


def year_label(offset: int) -> str:
    return "上年度" if offset == 0 else f"上年度前{offset}年"


def build(ruleset: RuleSet, programs: ProgramLookup | None = None) -> Program:
    p, v = ruleset.param, ruleset.value
    check_level(ruleset, "rd_institution_min_level", RD_INSTITUTION_LEVELS)
    years = v("rd_years")
    revenue = Field("operating_revenue")
    brackets = AnyOf(
        "new.rd",
        "研发投入（按营业收入分档）",
        "R&D input by revenue bracket",
        p("rd_large_ratio_min").clause,
        (
            When(
                "new.rd.large",
                "营业收入1亿元以上档",
                "revenue bracket: large",
                p("rd_large_revenue_min").clause,
                compare(
                    "new.rd.large.guard",
                    "上年度营业收入",
                    "operating revenue",
                    revenue,
                    "ge",
                    p("rd_large_revenue_min"),
                    lever=False,
                ),
                rd_ratio(years, "rd_large_ratio_min", ruleset, "new.rd.large.ratio"),
            ),
            When(
                "new.rd.medium",
                "营业收入5000万元至1亿元档",
                "revenue bracket: medium",
                p("rd_medium_revenue_min").clause,
                AllOf(
                    "new.rd.medium.guard",
                    "营业收入在中间档",
                    "operating revenue in the medium bracket",
                    p("rd_medium_revenue_min").clause,
                    (
                        compare(
                            "new.rd.medium.guard.floor",
                            "上年度营业收入",
                            "operating revenue",
                            revenue,
                            "ge",
                            p("rd_medium_revenue_min"),
                            lever=False,
                        ),
                        compare(
                            "new.rd.medium.guard.ceiling",
                            "上年度营业收入",
                            "operating revenue",
                            revenue,
                            "lt",
                            p("rd_large_revenue_min"),
                            lever=False,
                        ),
                    ),
                ),
                rd_ratio(years, "rd_medium_ratio_min", ruleset, "new.rd.medium.ratio"),
            ),
            When(
                "new.rd.small",
                "营业收入5000万元以下档",
                "revenue bracket: small",
                p("rd_small_rd_total_min").clause,
                compare(
                    "new.rd.small.guard",
                    "上年度营业收入",
                    "operating revenue",
                    revenue,
                    "lt",
                    p("rd_medium_revenue_min"),
                    lever=False,
                ),
                AllOf(
                    "new.rd.small.all",
                    "股权融资、研发费用、研发人员",
                    "equity, R&D expense and R&D staff",
                    p("rd_small_rd_total_min").clause,
                    (
                        compare(
                            "new.rd.small.equity",
                            f"近{years}年新增股权融资总额",
                            f"equity financing over {years} years",
                            YearsTotal("equity_financing", years, "新增股权融资总额", "new equity financing"),
                            "ge",
                            p("rd_small_equity_financing_min"),
                        ),
                        compare(
                            "new.rd.small.rd_total",
                            f"近{years}年研发费用总额",
                            f"R&D expense over {years} years",
                            YearsTotal("rd_expense", years, "研发费用总额", "total R&D expense"),
                            "ge",
                            p("rd_small_rd_total_min"),
                        ),
                        compare(
                            "new.rd.small.staff",
                            "研发人员占比",
                            "R&D staff share",
                            Ratio("rd_staff", "employees", "研发人员占比", "R&D staff share"),
                            "ge",
                            p("rd_small_rd_staff_share_min"),
                        ),
                    ),
                ),
            ),
        ),
    )
    new = AnyOf(
        "new",
        "创新能力（新）",
        "innovation (新)",
        p("direct_national_award").clause,
        (
            won(
                "new.award",
                "近3年获国家级科技奖励并排名前3",
                "national S&T award ranked top 3 in 3 years",
                p("direct_national_award"),
            ),
            AllOf(
                "new.path",
                "研发投入、研发机构、Ⅰ类知识产权",
                "R&D input, R&D institution and class I IP",
                p("ip_class_i_min").clause,
                (
                    brackets,
                    level_at_least(
                        "new.rd_institution",
                        "自建或合作共建研发机构",
                        "own or joint R&D institution",
                        p("rd_institution_min_level"),
                    ),
                    compare("new.ip", "Ⅰ类知识产权", "class I IP", Field("ip_class_i"), "ge", p("ip_class_i_min")),
                ),
            ),
        ),
    )
    conditions: tuple[Node, ...] = (
        compare(
            "spec.niche", "从事特定细分市场年限", "years in the niche market", NicheYears(), "ge", p("niche_years_min")
        ),
        compare(
            "spec.share",
            "主营业务收入占营业收入比重",
            "main-business share",
            Ratio("main_business_revenue", "operating_revenue", "主营业务收入占营业收入比重", "main-business share"),
            "ge",
            p("main_business_share_min"),
        ),
        compare(
            "spec.growth",
            "近2年主营业务收入平均增长率",
            "average main-business growth over 2 years",
            AverageGrowth("main_business_revenue", "近2年主营业务收入平均增长率", "average main-business growth"),
            "ge",
            p("main_business_growth_min"),
        ),
        flags_any(
            "fine.quality",
            "管理体系认证或发达国家产品认证",
            "management-system or developed-market certification",
            p("quality_any_of"),
            ruleset,
        ),
        compare(
            "fine.debt",
            "资产负债率",
            "debt ratio",
            Ratio("total_liabilities", "total_assets", "资产负债率", "debt ratio"),
            "le",
            p("debt_ratio_max"),
        ),
        compare(
            "fine.digital",
            "数字化水平（核心业务信息系统）",
            "digital level (core processes on information systems)",
            Field("digital_level"),
            "ge",
            p("digital_level_min"),
        ),
        compare(
            "char.market_share",
            "主导产品全国细分市场占有率",
            "national niche-market share",
            Field("market_share_pct"),
            "ge",
            p("market_share_pct_min"),
        ),
        flags_any("char.brand", "拥有自主品牌", "own brand", p("brand_any_of"), ruleset),
        new,
        flags_any(
            "chain",
            "主导产品属于关键产业链环节或工业“六基”",
            "main product on a key chain link or in the six foundations",
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
        conditions=tuple(Block("condition", node) for node in conditions),
    )
