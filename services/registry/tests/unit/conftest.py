"""Shared helpers for the registry's domain unit tests (pure functions: no database, no broker)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from stdnum.cn import ric

from tidu_registry.domain.districts import Districts, default_districts
from tidu_registry.domain.enterprise import EnterpriseProfile, parse_profile
from tidu_registry.domain.uscc import make_uscc

TODAY = date(2025, 6, 1)


@pytest.fixture
def today() -> date:
    """A fixed "today" so that future-date rules do not drift with the calendar."""
    return TODAY


@pytest.fixture
def districts() -> Districts:
    return default_districts()


@pytest.fixture
def make_ric() -> Callable[[str], str]:
    """A valid 居民身份证号 from its first 17 digits."""

    def build(first17: str) -> str:
        return first17 + ric.calc_check_digit(first17 + "0")

    return build


@pytest.fixture
def profile_data(make_ric: Callable[[str], str]) -> Callable[..., dict[str, Any]]:
    """Raw data of a valid enterprise profile, with overrides."""

    def build(**over: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "uscc": make_uscc(1),
            "name": "重庆示例科技有限公司",
            "district_code": "500113",
            "industry_code": "C3825",
            "established_on": "2018-04-01",
            "independent_legal_person": True,
            "niche_market_since": "2019-01-01",
            "main_product": "工业传感器",
            "strategic_emerging": True,
            "six_foundations": False,
            "key_chain_link": True,
            "supplies_chain_leader": False,
            "own_brand": True,
            "legal_rep_name": "张三",
            "legal_rep_id_number": make_ric("50010119800101123"),
            "legal_rep_phone": "13812345678",
            "contacts": [{"name": "李四", "role": "财务总监", "phone": "023-61234567", "email": "li@example.cn"}],
        }
        data.update(over)
        return data

    return build


@pytest.fixture
def make_profile(profile_data: Callable[..., dict[str, Any]], districts: Districts) -> Callable[..., EnterpriseProfile]:
    """A parsed, valid profile, with overrides of the raw data."""

    def build(**over: Any) -> EnterpriseProfile:
        return parse_profile(profile_data(**over), districts=districts, today=TODAY)

    return build


@pytest.fixture
def indicator_data() -> Callable[..., dict[str, Any]]:
    """Raw data of a valid, fully reported year, with overrides."""

    def build(**over: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "year": 2024,
            "employees": 120,
            "rd_staff": 30,
            "operating_revenue": "3000",
            "main_business_revenue": "2400",
            "net_profit": "180.5",
            "total_assets": "1000",
            "total_liabilities": "300",
            "rd_expense": "120",
            "equity_financing": "0",
            "ip_class_i": 3,
            "ip_class_i_self_developed": 2,
            "ip_class_i_high_value": 1,
            "ip_class_ii": 5,
            "digital_level": 3,
            "quality_cert": True,
            "quality_award_provincial": False,
            "standards_drafted": True,
            "foreign_product_cert": False,
            "rd_institution_level": "city",
            "market_share_pct": "12.5",
            "market_rank_domestic": 3,
            "development_score": "72",
            "srdi_local_score": "10",
            "rd_expense_over_revenue_explained": False,
        }
        data.update(over)
        return data

    return build
