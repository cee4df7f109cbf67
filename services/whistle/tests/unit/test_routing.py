"""Routing: defaults from the reference, operator rules with history, triage."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tidu_whistle.domain.errors import DomainError, ErrorCode
from tidu_whistle.domain.reference import DepartmentCode, Reference
from tidu_whistle.domain.routing import (
    RoutingRule,
    RoutingSource,
    history,
    next_revision,
    route,
    rules_in_force,
    validate_rule,
)
from tidu_whistle.domain.working_days import SHANGHAI

T = datetime(2025, 9, 26, 10, tzinfo=SHANGHAI)
D = DepartmentCode


def rule(
    category: str = "land",
    district: str | None = "500113",
    lead: str | None = "zjw",
    co: tuple[str, ...] = (),
    *,
    at: datetime = T - timedelta(days=1),
    revision: int = 1,
    **kw: object,
) -> RoutingRule:
    values: dict[str, object] = {
        "rule_id": f"r-{category}-{district}",
        "category": category,
        "district": district,
        "lead": lead,
        "co": co,
        "effective_from": at,
        "revision": revision,
        "changed_by": "op-banan",
        "reason": "区政府分工调整",
    }
    return RoutingRule(**(values | kw))  # type: ignore[arg-type]


def test_default_routing_places_kinds_in_the_district(reference: Reference) -> None:
    decision = route("financing", "500114", T, reference)
    assert decision.source is RoutingSource.DEFAULT and not decision.triage
    assert decision.lead == D("500114", "jrb")
    assert decision.co == (D("500114", "jxw"), D("500114", "czj"), D("500114", "rh"), D("500114", "jrjg"))
    assert decision.coordinator == D("500114", "jxw")


@pytest.mark.parametrize("category", ["land", "energy", "labour", "ip", "market_access", "tax", "legal"])
def test_every_default_category_routes_to_its_lead(reference: Reference, category: str) -> None:
    decision = route(category, "500113", T, reference)
    assert decision.lead == D("500113", reference.category(category).lead_kind)
    assert decision.lead not in decision.co


def test_other_goes_to_the_coordinator(reference: Reference) -> None:
    decision = route("other", "500113", T, reference)
    assert decision.triage and decision.lead is None and decision.co == ()
    assert decision.source is RoutingSource.TRIAGE
    assert decision.coordinator == D("500113", "jxw")
    assert "other" in (decision.reason or "")


def test_unknown_category_goes_to_triage_but_unknown_district_is_an_error(reference: Reference) -> None:
    assert route("space_travel", "500113", T, reference).triage
    with pytest.raises(DomainError) as err:
        route("land", "999999", T, reference)
    assert err.value.code is ErrorCode.UNKNOWN_DISTRICT


def test_district_rule_beats_category_rule_beats_default(reference: Reference) -> None:
    rules = [
        rule(district=None, lead="500000-ghzy", co=("jxw",)),  # category-wide: straight to the city
        rule(district="500113", lead="zjw", co=("ghzy", "yq")),
    ]
    here = route("land", "500113", T, reference, rules)
    assert (here.source, here.lead, here.co) == (
        RoutingSource.DISTRICT_RULE,
        D("500113", "zjw"),
        (D("500113", "ghzy"), D("500113", "yq")),
    )
    assert here.rule_id == "r-land-500113" and here.rule_revision == 1
    there = route("land", "500114", T, reference, rules)
    assert (there.source, there.lead, there.co) == (
        RoutingSource.CATEGORY_RULE,
        D("500000", "ghzy"),
        (D("500114", "jxw"),),
    )
    assert route("energy", "500113", T, reference, rules).source is RoutingSource.DEFAULT


def test_operator_rule_can_route_other(reference: Reference) -> None:
    decision = route("other", "500113", T, reference, [rule(category="other", lead="jxw")])
    assert decision.lead == D("500113", "jxw") and not decision.triage


def test_rule_to_triage_and_unknown_kind(reference: Reference) -> None:
    assert route("land", "500113", T, reference, [rule(to_triage=True)]).triage
    broken = route("land", "500113", T, reference, [rule(lead="gone")])
    assert broken.triage and broken.source is RoutingSource.DISTRICT_RULE
    assert "unknown department" in (broken.reason or "")


def test_history_and_effective_dates(reference: Reference) -> None:
    v1 = rule(lead="zjw", at=T - timedelta(days=10), revision=1)
    v2 = rule(lead="fgw", at=T + timedelta(days=1), revision=2)  # scheduled for tomorrow
    v3 = rule(lead=None, at=T + timedelta(days=5), revision=3, retired=True)  # then withdrawn
    rules = [v3, v1, v2]
    assert route("land", "500113", T, reference, rules).lead == D("500113", "zjw")
    assert route("land", "500113", T + timedelta(days=2), reference, rules).lead == D("500113", "fgw")
    after = route("land", "500113", T + timedelta(days=6), reference, rules)
    assert after.source is RoutingSource.DEFAULT and after.lead == D("500113", "ghzy")
    assert history(rules, "land", "500113") == (v1, v2, v3)
    assert next_revision(rules, "land", "500113") == 4
    assert next_revision(rules, "land", None) == 1
    assert rules_in_force(rules, T - timedelta(days=20)) == {}


def test_same_instant_later_revision_wins(reference: Reference) -> None:
    rules = [rule(lead="zjw", revision=1), rule(lead="fgw", revision=2)]
    assert route("land", "500113", T, reference, rules).lead == D("500113", "fgw")


def test_validate_rule(reference: Reference) -> None:
    assert validate_rule(rule(), reference)
    assert validate_rule(rule(lead=None, to_triage=True), reference)
    assert validate_rule(rule(district=None, lead="500000-ghzy"), reference)
    bad = rule(category="nope", district="999999", lead="zzz", co=("zzz",), revision=0, reason=" ")
    with pytest.raises(DomainError) as err:
        validate_rule(bad, reference)
    assert err.value.code is ErrorCode.INVALID_ROUTING_RULE
    problems = err.value.details["problems"]
    assert any("category" in p for p in problems) and any("district" in p for p in problems)
    assert any("reason" in p for p in problems) and any("revision" in p for p in problems)
    with pytest.raises(DomainError):
        validate_rule(rule(lead=None), reference)
    with pytest.raises(DomainError):
        validate_rule(rule(lead="jxw", co=("jxw",)), reference)
    with pytest.raises(DomainError):
        validate_rule(rule(at=datetime(2025, 9, 26)), reference)
