"""Statistics over summaries built from played-out issues; every figure checked by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from tidu_whistle.domain.errors import DomainError, ErrorCode
from tidu_whistle.domain.model import Action, IssueState
from tidu_whistle.domain.statistics import (
    Granularity,
    IssueSummary,
    StatisticsReport,
    compute_statistics,
    percentile,
    period_key,
    summarize,
)
from tidu_whistle.domain.working_days import SHANGHAI

A = Action
T0 = datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI)
AS_OF = datetime(2025, 11, 1, 12, 0, tzinfo=SHANGHAI)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


def h(hours: float) -> timedelta:
    return timedelta(hours=hours)


def build(world: Any) -> list[IssueSummary]:
    w, ent, op, sys_ = world, world.enterprise, world.operator, world.system
    dept = w.dept
    issues = []

    # A — land, closed on time, rated 5
    a = w.raise_issue("A", category="land")
    a = w.do(a, sys_, A.ROUTE, T0, department="500113-ghzy", co_departments=("500113-jxw",))
    a = w.do(a, dept("500113-ghzy"), A.CHECK_IN, T0 + h(2))
    a = w.do(a, dept("500113-ghzy"), A.RESOLVE, T0 + timedelta(days=5), note="已解决")
    a = w.do(a, ent, A.RATE, T0 + timedelta(days=6), rating=5)
    issues.append(a)

    # B — tax: returned by swj, routed to czj, resolved late, confirmed, rated 3 later
    b = w.raise_issue("B", category="tax")
    b = w.do(b, sys_, A.ROUTE, T0, department="500113-swj")
    b = w.do(b, dept("500113-swj"), A.RETURN, T0 + h(1), note="非税务事项")
    b = w.do(b, op, A.ROUTE, T0 + h(3), department="500113-czj")
    b = w.do(b, dept("500113-czj"), A.CHECK_IN, T0 + h(4))
    b = w.do(b, dept("500113-czj"), A.RESOLVE, sh(2025, 10, 20, 10), note="已兑现")  # due 10-16: late
    b = w.do(b, ent, A.CONFIRM, sh(2025, 10, 21, 10))
    b = w.do(b, ent, A.RATE, sh(2025, 10, 22, 10), rating=3)
    issues.append(b)

    # C — energy in 黔江: never checked in, escalated to the city, still not checked in
    c = w.raise_issue("C", category="energy", district="500114")
    c = w.do(c, sys_, A.ROUTE, T0, department="500114-jxw")
    c = w.do(c, sys_, A.ESCALATE, sh(2025, 9, 29, 0, 5), note="报到超时")
    issues.append(c)

    # D — land in October: checked in, transferred, checked in again, in progress
    d = w.raise_issue("D", at=sh(2025, 10, 9, 9), category="land")
    d = w.do(d, sys_, A.ROUTE, sh(2025, 10, 9, 10), department="500113-ghzy")
    d = w.do(d, dept("500113-ghzy"), A.CHECK_IN, sh(2025, 10, 9, 12))
    d = w.do(d, dept("500113-ghzy"), A.TRANSFER, sh(2025, 10, 10, 10), department="500113-zjw", note="属住建")
    d = w.do(d, dept("500113-zjw"), A.CHECK_IN, sh(2025, 10, 10, 14))
    issues.append(d)

    # E — other: triaged, then withdrawn
    e = w.raise_issue("E", category="other")
    e = w.do(e, sys_, A.SEND_TO_TRIAGE, T0, note="类别为其他")
    e = w.do(e, ent, A.WITHDRAW, T0 + h(1))
    issues.append(e)

    # F — withdrawn before it was accepted: not counted
    f = w.raise_issue("F", category="tax")
    f = w.do(f, ent, A.WITHDRAW, T0 + h(1))
    issues.append(f)

    # G — land: resolved in a day, rated 1 → reopened, back with ghzy
    g = w.raise_issue("G", at=sh(2025, 10, 9, 9), category="land")
    g = w.do(g, sys_, A.ROUTE, sh(2025, 10, 9, 10), department="500113-ghzy")
    g = w.do(g, dept("500113-ghzy"), A.CHECK_IN, sh(2025, 10, 9, 11))
    g = w.do(g, dept("500113-ghzy"), A.RESOLVE, sh(2025, 10, 10, 10), note="已回复")
    g = w.do(g, ent, A.RATE, sh(2025, 10, 11, 10), rating=1, note="没有解决")
    assert g.state is IssueState.REOPENED
    issues.append(g)

    return [summarize(i, w.entries[i.id], coordinator=w.reference.coordinator_for(i.district)) for i in issues]


@pytest.fixture
def report(world: Any) -> StatisticsReport:
    return compute_statistics(build(world), as_of=AS_OF)


def test_summaries(world: Any) -> None:
    by_id = {s.issue_id: s for s in build(world)}
    assert by_id["A"].closed_on_time is True
    assert by_id["B"].closed_on_time is False
    assert by_id["F"].accepted_at is None
    assert str(by_id["C"].holder) == "500000-jxw"
    assert [a.ended_by for a in by_id["B"].assignments] == [A.RETURN, A.RESOLVE]
    assert [(str(a.department), a.routed_at is None) for a in by_id["G"].assignments] == [
        ("500113-ghzy", False),
        ("500113-ghzy", True),  # the reopen: no check-in stage
    ]
    assert by_id["C"].overdue_at(AS_OF) and not by_id["D"].overdue_at(AS_OF)


def test_totals(report: StatisticsReport) -> None:
    t = report.total
    assert (t.accepted, t.closed, t.withdrawn) == (6, 2, 1)
    assert t.closure_rate == pytest.approx(2 / 6)
    assert (t.closed_on_time, t.overdue_now) == (1, 1)
    assert t.on_time_rate == pytest.approx(1 / 3)
    assert (t.assignments, t.returns, t.transfers, t.escalations) == (9, 1, 1, 1)
    assert t.return_rate == pytest.approx(1 / 9) and t.transfer_rate == pytest.approx(1 / 9)
    # check-in hours [2, 1, 2, 4, 1]
    assert (t.check_in_hours.count, t.check_in_hours.median, t.check_in_hours.p90) == (5, 2, pytest.approx(3.2))
    # handling hours A 118, B 572, G 23
    assert t.handling_hours.count == 3
    assert t.handling_hours.median == pytest.approx(118)
    assert t.handling_hours.p90 == pytest.approx(118 + 0.8 * (572 - 118))
    assert (t.ratings, t.mean_rating) == (3, pytest.approx(3.0))
    assert t.satisfaction_rate == pytest.approx(1 / 3)


def test_by_department(report: StatisticsReport) -> None:
    deps = {g.key: g.figures for g in report.by_department}
    assert set(deps) == {"500113-ghzy", "500113-swj", "500113-czj", "500113-zjw", "500114-jxw", "500000-jxw"}
    ghzy = deps["500113-ghzy"]
    assert (ghzy.accepted, ghzy.closed, ghzy.closed_on_time, ghzy.overdue_now) == (3, 1, 1, 0)
    assert ghzy.on_time_rate == 1.0 and ghzy.closure_rate == pytest.approx(1 / 3)
    assert (ghzy.assignments, ghzy.transfers, ghzy.ratings, ghzy.mean_rating) == (4, 1, 2, 3.0)
    swj = deps["500113-swj"]
    assert (swj.accepted, swj.closed, swj.return_rate, swj.on_time_rate) == (1, 0, 1.0, None)
    czj = deps["500113-czj"]
    assert (czj.closed, czj.closed_on_time, czj.on_time_rate, czj.mean_rating) == (1, 0, 0.0, 3.0)
    assert deps["500114-jxw"].escalations == 1 and deps["500114-jxw"].overdue_now == 0
    assert deps["500000-jxw"].overdue_now == 1 and deps["500000-jxw"].on_time_rate == 0.0


def test_ranking(report: StatisticsReport) -> None:
    assert [(r.rank, r.department) for r in report.ranking] == [
        (1, "500113-ghzy"),
        (2, "500113-czj"),
        (3, "500000-jxw"),
        (4, "500113-swj"),
        (4, "500113-zjw"),
        (4, "500114-jxw"),
    ]


def test_by_category_district_period(report: StatisticsReport) -> None:
    cats = {g.key: g.figures.accepted for g in report.by_category}
    assert cats == {"land": 3, "tax": 1, "energy": 1, "other": 1}
    assert {g.key: g.figures.accepted for g in report.by_district} == {"500113": 5, "500114": 1}
    assert {g.key: g.figures.accepted for g in report.by_period} == {"2025-09": 4, "2025-10": 2}
    land = next(g.figures for g in report.by_category if g.key == "land")
    assert (land.closed, land.closed_on_time, land.overdue_now, land.on_time_rate) == (1, 1, 0, 1.0)


def test_period_filter_and_granularity(world: Any) -> None:
    summaries = build(world)
    october = compute_statistics(summaries, as_of=AS_OF, start=date(2025, 10, 1), end=date(2025, 11, 1))
    assert october.total.accepted == 2
    quarters = compute_statistics(summaries, as_of=AS_OF, granularity=Granularity.QUARTER)
    assert {g.key: g.figures.accepted for g in quarters.by_period} == {"2025-Q3": 4, "2025-Q4": 2}
    early = compute_statistics(summaries, as_of=T0 - h(1))
    assert early.total.accepted == 0 and early.total.closure_rate is None and early.ranking == ()
    with pytest.raises(DomainError) as err:
        compute_statistics(summaries, as_of=AS_OF, start=date(2025, 10, 1), end=date(2025, 10, 1))
    assert err.value.code is ErrorCode.INVALID_QUERY


def test_min_accepted_for_ranking(world: Any) -> None:
    report = compute_statistics(build(world), as_of=AS_OF, min_accepted_for_ranking=2)
    assert [r.department for r in report.ranking] == ["500113-ghzy"]


def test_percentile_linear_interpolation() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7], 0.9) == 7
    assert percentile([4, 1, 3, 2], 0.5) == 2.5
    assert percentile(list(range(1, 11)), 0.9) == pytest.approx(9.1)
    assert percentile([1, 5], 0) == 1 and percentile([1, 5], 1) == 5
    with pytest.raises(ValueError, match="within"):
        percentile([1], 1.5)


@pytest.mark.parametrize(
    ("day", "granularity", "key"),
    [
        (date(2025, 9, 28), Granularity.WEEK, "2025-W39"),
        (date(2025, 12, 29), Granularity.WEEK, "2026-W01"),
        (date(2025, 9, 28), Granularity.MONTH, "2025-09"),
        (date(2025, 10, 1), Granularity.QUARTER, "2025-Q4"),
        (date(2025, 3, 31), Granularity.QUARTER, "2025-Q1"),
        (date(2025, 9, 28), Granularity.YEAR, "2025"),
    ],
)
def test_period_keys(day: date, granularity: Granularity, key: str) -> None:
    assert period_key(day, granularity) == key
