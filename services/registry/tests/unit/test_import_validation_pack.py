"""A large upload is validated in a worker process; its report crosses back packed (``pack`` /
``unpack``). The import must get exactly the report the worker made: same rows, same objects."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import fields
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tidu_registry.domain.districts import Districts
from tidu_registry.domain.enterprise import Contact, EnterpriseProfile
from tidu_registry.domain.import_rows import (
    EnterpriseRow,
    ImportReport,
    IndicatorRow,
    import_file,
    read_tables,
    validate_tables,
)
from tidu_registry.domain.indicators import YearlyIndicators
from tidu_registry.domain.uscc import make_uscc
from tidu_registry.use_cases.import_validation import pack, unpack, validate_packed


def _same(a: Any, b: Any) -> None:
    """Equal, and of the same types all the way down (a Decimal stays a Decimal, a date a date)."""
    assert type(a) is type(b)
    if isinstance(a, tuple | list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    elif hasattr(type(a), "__dataclass_fields__"):
        for f in fields(a):
            _same(getattr(a, f.name), getattr(b, f.name))
    else:
        assert a == b


@pytest.fixture
def report(make_profile: Callable[..., EnterpriseProfile]) -> ImportReport:
    profile = make_profile(
        uscc=make_uscc(1),
        contacts=[Contact("张三", "经理", "13812345678", "z@example.cn"), Contact("李四")],
        niche_market_since=date(2019, 5, 1),
        legal_rep_id_number="E12345678",
    )
    bare = make_profile(uscc=make_uscc(2), contacts=[], own_brand=None)
    years = YearlyIndicators(
        year=2024,
        employees=120,
        operating_revenue=Decimal("1234.500000"),
        net_profit=Decimal("-3.25"),
        quality_cert=True,
    )
    return ImportReport(
        content_hash="abc",
        rows_total=4,
        accepted=(("企业", 2), ("企业", 3), ("指标", 2)),
        enterprises=(
            EnterpriseRow("企业", 2, profile, frozenset({"legal_rep_phone"})),
            EnterpriseRow("企业", 3, bare, frozenset()),
        ),
        indicators=(IndicatorRow("指标", 2, profile.uscc, years),),
        rejected=(),
    )


def test_a_packed_report_unpacks_to_the_same_objects(report: ImportReport) -> None:
    back = unpack(pack(report))
    assert back == report
    _same(back, report)
    _same(back, pickle.loads(pickle.dumps(report)))
    # Restored objects behave as constructed ones: frozen, hashable, comparable.
    with pytest.raises(AttributeError):
        back.enterprises[0].profile.name = "x"  # type: ignore[misc]
    assert hash(back.enterprises[0].profile) == hash(report.enterprises[0].profile)


def test_the_workers_packed_report_is_the_domains_report(districts: Districts, today: date) -> None:
    """Rejected rows (issues) and accepted ones, as ``validate_tables`` gives them."""
    data = "\n".join(
        [
            "统一社会信用代码,企业名称,所属区县代码,行业代码,成立日期,年度,从业人员,营业收入（万元）",
            f"{make_uscc(3)},重庆打包测试有限公司,500113,C3825,2018-04-01,2024,35,1200.5",
            "91110108551385082A,坏的,999999,X1,2999-01-01,2024,-1,abc",
        ]
    ).encode()
    tables = read_tables(data)
    direct = validate_tables(tables, districts=districts, today=today, known_enterprises={})
    assert direct.rejected and direct.enterprises and direct.indicators
    via_worker = unpack(validate_packed(tables, districts=districts, today=today, known_enterprises={}))
    _same(via_worker, direct)
    assert via_worker == import_file(data, districts=districts, today=today, known_enterprises={})
