"""Statements and "as the record stood then"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tidu_registry.domain.enterprise import EnterpriseProfile, profile_from_record
from tidu_registry.domain.errors import DomainValidationError
from tidu_registry.domain.history import (
    CHINA_TZ,
    Source,
    Statement,
    cutoff,
    diff,
    field_history,
    masked_statement,
    parse_source,
    record_as_of,
    statements_until,
    years_as_of,
)
from tidu_registry.domain.indicators import YearlyIndicators, indicators_from_record, parse_indicators

MakeProfile = Callable[..., EnterpriseProfile]


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    """A time in China Standard Time."""
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hour, minute, tzinfo=CHINA_TZ)


def test_registration_states_every_field_with_a_value(make_profile: MakeProfile) -> None:
    profile = make_profile()
    statements = diff(None, profile.to_record(), who="op-1", when=at("2024-01-10"), source=Source.OPERATOR)
    stated = {s.field for s in statements}
    record = profile.to_record()
    assert stated == {name for name, value in record.items() if value is not None}
    assert all(s.old is None and s.who == "op-1" and s.source is Source.OPERATOR for s in statements)


def test_a_change_is_one_statement_per_changed_field(make_profile: MakeProfile) -> None:
    before = make_profile()
    after = make_profile(name="重庆新名称有限公司", own_brand=False)
    statements = diff(
        before.to_record(), after.to_record(), who="ent", when=at("2024-03-01"), source=Source.SELF_DECLARED
    )
    assert [(s.field, s.old, s.new) for s in statements] == [
        ("name", "重庆示例科技有限公司", "重庆新名称有限公司"),
        ("own_brand", True, False),
    ]


def test_an_unchanged_record_states_nothing(make_profile: MakeProfile) -> None:
    profile = make_profile()
    assert diff(profile.to_record(), profile.to_record(), who="x", when=at("2024-01-01"), source=Source.IMPORT) == []


def test_statements_need_an_aware_time_and_an_author(make_profile: MakeProfile) -> None:
    record = make_profile().to_record()
    with pytest.raises(ValueError, match="timezone"):
        diff(None, record, who="x", when=datetime(2024, 1, 1), source=Source.IMPORT)
    with pytest.raises(ValueError, match="author"):
        diff(None, record, who=" ", when=at("2024-01-01"), source=Source.IMPORT)


def test_sources_are_a_closed_vocabulary() -> None:
    assert parse_source("Self_Declared") is Source.SELF_DECLARED
    assert {s.value for s in Source} == {"self_declared", "operator", "import", "external"}
    with pytest.raises(DomainValidationError):
        parse_source("rumour")


@pytest.fixture
def timeline(make_profile: MakeProfile) -> tuple[list[Statement], list[EnterpriseProfile]]:
    """Registered on 2024-01-10, renamed on 2024-03-01 23:30 CST, moved district on 2024-06-15."""
    v1 = make_profile()
    v2 = make_profile(name="重庆第二名称有限公司")
    v3 = make_profile(name="重庆第二名称有限公司", district_code="500114")
    statements = [
        *diff(None, v1.to_record(), who="op", when=at("2024-01-10"), source=Source.OPERATOR),
        *diff(v1.to_record(), v2.to_record(), who="ent", when=at("2024-03-01", 23, 30), source=Source.SELF_DECLARED),
        *diff(v2.to_record(), v3.to_record(), who="ext", when=at("2024-06-15"), source=Source.EXTERNAL),
    ]
    return statements, [v1, v2, v3]


def test_as_of_a_date_answers_as_the_record_stood_then(
    timeline: tuple[list[Statement], list[EnterpriseProfile]],
) -> None:
    statements, (v1, v2, v3) = timeline
    assert record_as_of(statements, date(2024, 1, 9)) is None  # not yet registered
    assert profile_from_record(record_as_of(statements, date(2024, 1, 10)) or {}) == v1
    assert profile_from_record(record_as_of(statements, date(2024, 2, 29)) or {}) == v1
    assert profile_from_record(record_as_of(statements, date(2024, 3, 1)) or {}) == v2  # 23:30 CST is that day
    assert profile_from_record(record_as_of(statements, date(2024, 6, 14)) or {}) == v2
    assert profile_from_record(record_as_of(statements, date(2024, 6, 15)) or {}) == v3
    assert profile_from_record(record_as_of(statements) or {}) == v3


def test_a_date_ends_at_midnight_china_time_not_utc(timeline: tuple[list[Statement], list[EnterpriseProfile]]) -> None:
    statements, (_, v2, _) = timeline
    # 2024-03-01 23:30 CST is 15:30 UTC the same day; a UTC cut-off at 15:00 misses it, 16:00 includes it.
    assert record_as_of(statements, datetime(2024, 3, 1, 15, 0, tzinfo=UTC))["name"] != v2.name  # type: ignore[index]
    assert record_as_of(statements, datetime(2024, 3, 1, 15, 30, tzinfo=UTC))["name"] == v2.name  # type: ignore[index]
    assert cutoff(date(2024, 3, 1)) == datetime(2024, 3, 2, tzinfo=CHINA_TZ)
    with pytest.raises(ValueError, match="aware"):
        cutoff(datetime(2024, 3, 1))


def test_statements_at_the_same_instant_apply_in_the_given_order() -> None:
    when = at("2024-05-05")
    statements = [
        Statement("name", None, "甲公司", "a", when, Source.OPERATOR),
        Statement("name", "甲公司", "乙公司", "b", when, Source.OPERATOR),
    ]
    assert record_as_of(statements, date(2024, 5, 5)) == {"name": "乙公司"}
    assert statements_until(list(reversed(statements)), None)[0].new == "乙公司"


def test_field_history_lists_every_value_a_field_had(timeline: tuple[list[Statement], list[EnterpriseProfile]]) -> None:
    statements, _ = timeline
    assert [(s.old, s.new, s.source) for s in field_history(statements, "name")] == [
        (None, "重庆示例科技有限公司", Source.OPERATOR),
        ("重庆示例科技有限公司", "重庆第二名称有限公司", Source.SELF_DECLARED),
    ]


def test_history_responses_mask_sensitive_values(make_profile: MakeProfile) -> None:
    old = make_profile()
    new = make_profile(legal_rep_phone="13900001111")
    (statement,) = diff(old.to_record(), new.to_record(), who="op", when=at("2024-01-01"), source=Source.OPERATOR)
    shown = masked_statement(statement)
    assert (shown.old, shown.new) == ("138****5678", "139****1111")
    assert statement.new == "13900001111"  # the store keeps the number
    name = Statement("name", "甲", "乙", "op", at("2024-01-01"), Source.OPERATOR)
    assert masked_statement(name) == name


def test_restating_a_year_keeps_the_earlier_statement(
    indicator_data: Callable[..., dict[str, Any]], today: date
) -> None:
    first = parse_indicators(indicator_data(), established_on=date(2018, 1, 1), today=today)
    restated = parse_indicators(
        indicator_data(rd_expense="150", net_profit="170"), established_on=date(2018, 1, 1), today=today
    )
    other_year = parse_indicators(indicator_data(year=2023), established_on=date(2018, 1, 1), today=today)
    statements = [
        *diff(None, first.to_record(), who="ent", when=at("2025-03-01"), source=Source.SELF_DECLARED, year=2024),
        *diff(None, other_year.to_record(), who="ent", when=at("2025-03-01"), source=Source.SELF_DECLARED, year=2023),
        *diff(
            first.to_record(), restated.to_record(), who="op", when=at("2025-04-20"), source=Source.OPERATOR, year=2024
        ),
    ]
    assert [(s.old, s.new) for s in field_history(statements, "rd_expense", year=2024)] == [
        (None, "120"),
        ("120", "150"),
    ]
    assert indicators_from_record(2024, record_as_of(statements, date(2025, 4, 19), year=2024) or {}) == first
    assert indicators_from_record(2024, record_as_of(statements, date(2025, 4, 20), year=2024) or {}) == restated
    assert record_as_of(statements, date(2025, 4, 20)) is None  # the profile was never stated here
    years = years_as_of(statements, date(2025, 4, 30))
    assert sorted(years) == [2023, 2024]
    assert indicators_from_record(2023, years[2023]) == other_year
    assert years_as_of(statements, date(2025, 2, 28)) == {}
    assert YearlyIndicators(2024) != restated
