"""创新型中小企业 — ``innovative-2022`` (工信部企业〔2022〕63号 附件1), domain-rules §5.

Eligible if any direct condition holds, or the score reaches the pass mark with every group at its
floor. Thresholds and bands: the rule set's parameters.
"""

from __future__ import annotations

from .conditions import compare, held, level_at_least, won
from .inputs import RD_INSTITUTION_LEVELS
from .measures import Growth, Ratio, YearsTotal
from .program import Block, Program, ProgramLookup, check_level, check_names, groups
from .ruleset_schema import RuleSet
from .scoring import CascadeIndicator, Scoring, band_indicator

GROUPS = ("innovation", "growth", "specialisation")


def build(ruleset: RuleSet, programs: ProgramLookup | None = None) -> Program:
    p = ruleset.param
    check_level(ruleset, "direct_rd_institution_min_level", RD_INSTITUTION_LEVELS)
    for name in ("ip_points", "main_product_field_points"):
        check_names(ruleset, name, ruleset.value(name).input_names)
    years = ruleset.value("direct_equity_financing_years")
    direct = (
        won(
            "direct.st_award",
            "近3年获省级以上科学技术奖励",
            "national or provincial S&T award in the last 3 years",
            p("direct_st_award"),
        ),
        held(
            "direct.qualification",
            "有效的高新技术企业、国家级技术创新示范企业、知识产权优势/示范企业资格",
            "valid high-tech, technology-innovation demonstration, or IP advantage/demonstration qualification",
            p("direct_qualifications"),
        ),
        level_at_least(
            "direct.rd_institution",
            "拥有省部级以上研发机构",
            "provincial-or-higher R&D institution",
            p("direct_rd_institution_min_level"),
        ),
        compare(
            "direct.equity_financing",
            f"近{years}年新增股权融资总额",
            f"new equity financing over the last {years} years",
            YearsTotal("equity_financing", years, "新增股权融资总额", "new equity financing"),
            "ge",
            p("direct_equity_financing_min"),
        ),
    )
    indicators = (
        CascadeIndicator(
            "ip",
            "与主导产品相关的有效知识产权",
            "IP related to the main product",
            "innovation",
            p("ip_points").clause,
            ruleset.value("ip_points"),
        ),
        band_indicator(
            "rd_ratio",
            "研发费用占营业收入比重",
            "R&D ratio",
            "innovation",
            Ratio("rd_expense", "operating_revenue", "研发费用占营业收入比重", "R&D ratio"),
            p("rd_ratio_points"),
        ),
        band_indicator(
            "main_business_growth",
            "主营业务收入增长率",
            "main-business revenue growth",
            "growth",
            Growth("main_business_revenue", "主营业务收入增长率", "main-business revenue growth"),
            p("main_business_growth_points"),
        ),
        band_indicator(
            "debt_ratio",
            "资产负债率",
            "debt ratio",
            "growth",
            Ratio("total_liabilities", "total_assets", "资产负债率", "debt ratio"),
            p("debt_ratio_points"),
        ),
        CascadeIndicator(
            "main_product_field",
            "主导产品所属领域",
            "main product field",
            "specialisation",
            p("main_product_field_points").clause,
            ruleset.value("main_product_field_points"),
            improvable=False,
        ),
        band_indicator(
            "main_business_share",
            "主营业务收入占营业收入比重",
            "main-business share",
            "specialisation",
            Ratio("main_business_revenue", "operating_revenue", "主营业务收入占营业收入比重", "main-business share"),
            p("main_business_share_points"),
        ),
    )
    return Program(
        ruleset=ruleset,
        scoring=Scoring(indicators, groups(ruleset, GROUPS), ruleset.value("pass_mark"), p("pass_mark").clause),
        alternatives=tuple(Block("alternative", node) for node in direct),
    )
