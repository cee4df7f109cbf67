"""专精特新中小企业 — ``srdi-2022`` (工信部企业〔2022〕63号 附件2), domain-rules §6.

All of: years in niche; R&D amount and ratio; revenue (or, below the floor, equity financing); and
either the score reaches the pass mark or a direct alternative holds.
"""

from __future__ import annotations

from .conditions import AllOf, AnyOf, When, compare, won
from .measures import AverageGrowth, Field, FlagCount, NicheYears, Ratio, YearsTotal
from .program import Block, Program, ProgramLookup, check_names, groups
from .ruleset_schema import RuleSet
from .scoring import (
    BestOfIndicator,
    CascadeIndicator,
    InputPointsIndicator,
    LevelIndicator,
    Scoring,
    band_indicator,
)

GROUPS = ("specialisation", "refinement", "distinctiveness", "innovation")


def build(ruleset: RuleSet, programs: ProgramLookup | None = None) -> Program:
    p, v = ruleset.param, ruleset.value
    for name in ("ip_points", "main_product_field_points"):
        check_names(ruleset, name, v(name).input_names)
    check_names(ruleset, "quality_items", v("quality_items"))
    revenue = Field("operating_revenue")
    equity_years = v("equity_financing_years")
    equity = YearsTotal("equity_financing", equity_years, f"近{equity_years}年新增股权融资总额", "new equity financing")
    conditions = (
        compare("niche", "从事特定细分市场年限", "years in the niche market", NicheYears(), "ge", p("niche_years_min")),
        AllOf(
            "rd",
            "研发投入",
            "R&D input",
            p("rd_ratio_min").clause,
            (
                compare(
                    "rd.expense", "上年度研发费用总额", "R&D expense", Field("rd_expense"), "ge", p("rd_expense_min")
                ),
                compare(
                    "rd.ratio",
                    "研发费用占营业收入比重",
                    "R&D ratio",
                    Ratio("rd_expense", "operating_revenue", "研发费用占营业收入比重", "R&D ratio"),
                    "ge",
                    p("rd_ratio_min"),
                ),
            ),
        ),
        AnyOf(
            "revenue",
            "营业收入或股权融资",
            "revenue, or equity financing below it",
            p("revenue_min").clause,
            (
                compare("revenue.floor", "上年度营业收入", "operating revenue", revenue, "ge", p("revenue_min")),
                When(
                    "revenue.below",
                    "营业收入不足时的股权融资",
                    "equity financing when revenue is below the floor",
                    p("equity_financing_min_below_revenue").clause,
                    compare(
                        "revenue.below.guard",
                        "上年度营业收入低于下限",
                        "operating revenue below the floor",
                        revenue,
                        "lt",
                        p("revenue_min"),
                        lever=False,
                    ),
                    compare(
                        "revenue.below.equity",
                        f"近{equity_years}年新增股权融资总额",
                        f"new equity financing over {equity_years} years",
                        equity,
                        "ge",
                        p("equity_financing_min_below_revenue"),
                    ),
                ),
            ),
        ),
    )
    rd_years = v("alt_rd_average_years")
    alternatives = (
        won(
            "alt.provincial_award",
            "近3年获省级科技奖励并排名前3",
            "provincial S&T award ranked top 3 in 3 years",
            p("alt_provincial_award"),
        ),
        won(
            "alt.national_award",
            "近3年获国家级科技奖励并排名前5",
            "national S&T award ranked top 5 in 3 years",
            p("alt_national_award"),
        ),
        compare(
            "alt.rd_average",
            f"近{rd_years}年研发费用平均",
            f"average R&D expense over {rd_years} years",
            YearsTotal("rd_expense", rd_years, "研发费用平均", "average R&D expense", average=True),
            "ge",
            p("alt_rd_average_min"),
        ),
        compare(
            "alt.equity_financing",
            f"近{equity_years}年新增股权融资总额",
            f"new equity financing over {equity_years} years",
            equity,
            "ge",
            p("alt_equity_financing_min"),
        ),
        won("alt.chuangke", "近3年进入“创客中国”全国500强", "创客中国 national top 500 in 3 years", p("alt_chuangke")),
    )
    ratio = Ratio("rd_expense", "operating_revenue", "研发费用占营业收入比重", "R&D ratio")
    indicators = (
        band_indicator(
            "main_business_share",
            "主营业务收入占营业收入比重",
            "main-business share",
            "specialisation",
            Ratio("main_business_revenue", "operating_revenue", "主营业务收入占营业收入比重", "main-business share"),
            p("main_business_share_points"),
        ),
        band_indicator(
            "main_business_growth",
            "近2年主营业务收入平均增长率",
            "average main-business growth, 2 years",
            "specialisation",
            AverageGrowth("main_business_revenue", "近2年主营业务收入平均增长率", "average main-business growth"),
            p("main_business_growth_points"),
        ),
        band_indicator(
            "niche_years",
            "从事细分市场年限",
            "years in the niche",
            "specialisation",
            NicheYears(),
            p("niche_years_points"),
            improvable=False,
        ),
        CascadeIndicator(
            "main_product_field",
            "主导产品所属领域",
            "main product field",
            "specialisation",
            p("main_product_field_points").clause,
            v("main_product_field_points"),
            improvable=False,
        ),
        band_indicator(
            "digital_level",
            "数字化水平",
            "digital level",
            "refinement",
            Field("digital_level"),
            p("digital_level_points"),
        ),
        band_indicator(
            "quality",
            "质量管理水平",
            "quality",
            "refinement",
            FlagCount(v("quality_items"), "质量管理项目数", "quality items held"),
            p("quality_points"),
        ),
        band_indicator(
            "net_margin",
            "净利润率",
            "net margin",
            "refinement",
            Ratio("net_profit", "operating_revenue", "净利润率", "net margin"),
            p("net_margin_points"),
        ),
        band_indicator(
            "debt_ratio",
            "资产负债率",
            "debt ratio",
            "refinement",
            Ratio("total_liabilities", "total_assets", "资产负债率", "debt ratio"),
            p("debt_ratio_points"),
        ),
        InputPointsIndicator(
            "local",
            "特色化指标（地方）",
            "特色化 (set by the province)",
            "distinctiveness",
            p("local_points_max").clause,
            "srdi_local_score",
            v("local_points_max"),
        ),
        CascadeIndicator(
            "ip",
            "与主导产品相关的有效知识产权",
            "IP related to the main product",
            "innovation",
            p("ip_points").clause,
            v("ip_points"),
        ),
        BestOfIndicator(
            "rd_input",
            "研发投入（金额或占比取高）",
            "R&D input (better of amount and ratio)",
            "innovation",
            p("rd_amount_points").clause,
            ((Field("rd_expense"), v("rd_amount_points")), (ratio, v("rd_ratio_points"))),
        ),
        band_indicator(
            "rd_staff_share",
            "研发人员占比",
            "R&D staff share",
            "innovation",
            Ratio("rd_staff", "employees", "研发人员占比", "R&D staff share"),
            p("rd_staff_share_points"),
        ),
        LevelIndicator(
            "rd_institution",
            "研发机构建设",
            "R&D institution",
            "innovation",
            p("rd_institution_points").clause,
            v("rd_institution_points"),
        ),
    )
    return Program(
        ruleset=ruleset,
        conditions=tuple(Block("condition", node) for node in conditions),
        scoring=Scoring(indicators, groups(ruleset, GROUPS), v("pass_mark"), p("pass_mark").clause),
        alternatives=tuple(Block("alternative", node) for node in alternatives),
    )
