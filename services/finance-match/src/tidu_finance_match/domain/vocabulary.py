"""Closed vocabularies shared by the catalogue, demands, gates and the workflow.

Values are the strings used in data files, events and API payloads.
"""

from __future__ import annotations

from enum import StrEnum


class ProductKind(StrEnum):
    LOAN = "loan"
    GUARANTEE = "guarantee"
    EQUITY_FUND = "equity_fund"
    LISTING_SERVICE = "listing_service"
    BRIDGE_FUND = "bridge_fund"


class InstitutionKind(StrEnum):
    BANK = "bank"
    GUARANTOR = "guarantor"
    FUND = "fund"
    EQUITY_MARKET = "equity_market"
    GOVERNMENT_FUND = "government_fund"
    OTHER = "other"


class CollateralKind(StrEnum):
    """What secures a product (``Product.collateral``) or what a demand can offer.

    ``none`` and ``as_existing`` describe products only (unsecured; "the security
    of the loan being renewed"); a demand offers any of the others.
    ``receivables`` means receivables confirmed by the debtor (确权应收账款).
    """

    NONE = "none"
    MORTGAGE = "mortgage"
    RECEIVABLES = "receivables"
    IP_PLEDGE = "ip_pledge"
    COUNTER_GUARANTEE = "counter_guarantee"
    EQUIPMENT = "equipment"
    EQUITY_PLEDGE = "equity_pledge"
    AS_EXISTING = "as_existing"


OFFERABLE_COLLATERAL: frozenset[CollateralKind] = frozenset(CollateralKind) - {
    CollateralKind.NONE,
    CollateralKind.AS_EXISTING,
}

COLLATERAL_ZH: dict[CollateralKind, str] = {
    CollateralKind.NONE: "无需担保",
    CollateralKind.MORTGAGE: "不动产抵押",
    CollateralKind.RECEIVABLES: "确权应收账款",
    CollateralKind.IP_PLEDGE: "知识产权质押",
    CollateralKind.COUNTER_GUARANTEE: "反担保",
    CollateralKind.EQUIPMENT: "设备抵押",
    CollateralKind.EQUITY_PLEDGE: "股权质押",
    CollateralKind.AS_EXISTING: "沿用原贷款担保",
}


class Purpose(StrEnum):
    """What the money is for (a demand states one; a product's ``purpose_any`` gate lists some)."""

    WORKING_CAPITAL = "working_capital"
    TECHNICAL_UPGRADE = "technical_upgrade"
    DIGITAL_TRANSFORMATION = "digital_transformation"
    EQUIPMENT = "equipment"
    RD = "rd"
    EXPANSION = "expansion"
    LOAN_RENEWAL = "loan_renewal"
    BRIDGE = "bridge"
    SUPPLY_CHAIN = "supply_chain"
    EQUITY_GROWTH = "equity_growth"
    LISTING = "listing"
    OTHER = "other"


PURPOSE_ZH: dict[Purpose, str] = {
    Purpose.WORKING_CAPITAL: "流动资金",
    Purpose.TECHNICAL_UPGRADE: "技术改造",
    Purpose.DIGITAL_TRANSFORMATION: "数字化转型",
    Purpose.EQUIPMENT: "设备购置",
    Purpose.RD: "研发投入",
    Purpose.EXPANSION: "扩大产能",
    Purpose.LOAN_RENEWAL: "贷款续贷",
    Purpose.BRIDGE: "转贷过桥",
    Purpose.SUPPLY_CHAIN: "供应链融资",
    Purpose.EQUITY_GROWTH: "股权融资",
    Purpose.LISTING: "挂牌上市",
    Purpose.OTHER: "其他",
}


class Urgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class SizeClass(StrEnum):
    """Size classes of ``size-2011`` (大/中/小/微)."""

    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"


SIZE_CLASS_ZH: dict[str, str] = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}

# Qualification kinds of the registry (domain-rules §3), with their Chinese names.
QUALIFICATION_ZH: dict[str, str] = {
    "high_tech": "高新技术企业",
    "tech_sme": "科技型中小企业",
    "innovative_sme": "创新型中小企业",
    "srdi_sme": "专精特新中小企业",
    "little_giant": "专精特新“小巨人”企业",
    "single_champion": "制造业单项冠军企业",
    "gazelle": "瞪羚企业",
    "unicorn": "独角兽企业",
    "hard_tech": "硬科技企业",
    "ip_advantage": "知识产权优势企业",
    "ip_demonstration": "知识产权示范企业",
    "tech_innovation_demo": "国家级技术创新示范企业",
    "listed": "上市企业",
    "regional_equity_listed": "区域性股权市场挂牌企业",
}
QUALIFICATION_KINDS: frozenset[str] = frozenset(QUALIFICATION_ZH)

# The cultivation ladder's tiers (domain-rules §10) that are qualifications. A product whose
# qualification gate accepts only these is "tier-exclusive" unless its data says otherwise.
TIER_QUALIFICATIONS: frozenset[str] = frozenset(
    {"tech_sme", "innovative_sme", "srdi_sme", "little_giant", "single_champion"}
)
