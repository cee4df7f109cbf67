"""Routing: category × district → a lead department and co-handling departments.

Sources, first match wins, for an issue of category ``c`` in district ``d`` at instant ``t``:

1. the operators' rule for (``c``, ``d``) in force at ``t``;
2. the operators' category-wide rule for (``c``, any district) in force at ``t``;
3. the reference default (``issue_categories.yaml``): ``<d>-<lead kind>`` and ``<d>-<co kind>``.

A rule names departments either by kind (``"ghzy"``, placed in the issue's district) or by full
code (``"500000-ghzy"``, e.g. to send a category straight to the city). A rule with
``to_triage`` sends the pair to the coordinator; a rule with ``retired`` withdraws an override
(the next source applies again).

History. Rules are never edited in place: every change is a new :class:`RoutingRule` version
with ``effective_from``, ``revision``, ``changed_by`` and ``reason``. The version in force for a
key at ``t`` is the one with the greatest (effective_from, revision) not after ``t``; the whole
list is the history an operator sees.

Unroutable → triage by the district's coordinator (``<d>-jxw``, ``coordinator_kind``): the
category is in ``triage_categories`` (default ``other``, which the data says the coordinator
triages) with no operator rule naming a lead; the category is unknown; a rule says
``to_triage``; or a rule names a department the reference does not know (a kind removed since).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tidu_whistle.domain.errors import DomainError, ErrorCode
from tidu_whistle.domain.reference import DepartmentCode, Reference
from tidu_whistle.domain.working_days import to_shanghai

DEFAULT_TRIAGE_CATEGORIES: frozenset[str] = frozenset({"other"})


class RoutingSource(StrEnum):
    DISTRICT_RULE = "district_rule"
    CATEGORY_RULE = "category_rule"
    DEFAULT = "default"
    TRIAGE = "triage"


@dataclass(frozen=True)
class RoutingRule:
    """One version of an operator's routing rule."""

    rule_id: str
    category: str
    district: str | None  # None: every district
    lead: str | None  # a kind ("ghzy") or a department code ("500000-ghzy")
    co: tuple[str, ...]
    effective_from: datetime
    revision: int
    changed_by: str
    reason: str
    to_triage: bool = False
    retired: bool = False

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.category, self.district)


@dataclass(frozen=True)
class RoutingDecision:
    lead: DepartmentCode | None  # None: to triage
    co: tuple[DepartmentCode, ...]
    coordinator: DepartmentCode
    source: RoutingSource
    rule_id: str | None = None
    rule_revision: int | None = None
    reason: str | None = None  # why it went to triage

    @property
    def triage(self) -> bool:
        return self.lead is None


def resolve_department(token: str, district: str, reference: Reference) -> DepartmentCode:
    """``"ghzy"`` → ``<district>-ghzy``; ``"500000-ghzy"`` stays; both checked against the reference."""
    token = token.strip()
    if "-" in token:
        return reference.department(token)
    return reference.department(DepartmentCode(district, token))


def rules_in_force(rules: Iterable[RoutingRule], at: datetime) -> dict[tuple[str, str | None], RoutingRule]:
    at = to_shanghai(at)
    current: dict[tuple[str, str | None], RoutingRule] = {}
    for rule in rules:
        if rule.effective_from > at:
            continue
        held = current.get(rule.key)
        if held is None or (rule.effective_from, rule.revision) > (held.effective_from, held.revision):
            current[rule.key] = rule
    return {k: r for k, r in current.items() if not r.retired}


def route(
    category: str,
    district: str,
    at: datetime,
    reference: Reference,
    rules: Sequence[RoutingRule] = (),
    triage_categories: frozenset[str] = DEFAULT_TRIAGE_CATEGORIES,
) -> RoutingDecision:
    """Decide where an issue goes (see the module docstring)."""
    coordinator = reference.coordinator_for(district)  # raises unknown_district

    in_force = rules_in_force(rules, at)
    for key, source in (
        ((category, district), RoutingSource.DISTRICT_RULE),
        ((category, None), RoutingSource.CATEGORY_RULE),
    ):
        rule = in_force.get(key)
        if rule is None:
            continue
        if rule.to_triage or rule.lead is None:
            return _triage(coordinator, f"rule {rule.rule_id} sends {category} to triage", source, rule)
        try:
            lead = resolve_department(rule.lead, district, reference)
            co = _co(rule.co, lead, district, reference)
        except DomainError as exc:
            return _triage(coordinator, f"rule {rule.rule_id} names an unknown department: {exc.message}", source, rule)
        return RoutingDecision(lead, co, coordinator, source, rule.rule_id, rule.revision)

    found = reference.categories.get(category)
    if found is None:
        return _triage(coordinator, f"unknown category {category!r}")
    if category in triage_categories:
        return _triage(coordinator, f"category {category!r} is triaged by the coordinator")
    lead = DepartmentCode(district, found.lead_kind)
    co = _co(found.co_kinds, lead, district, reference)
    return RoutingDecision(lead, co, coordinator, RoutingSource.DEFAULT)


def _triage(
    coordinator: DepartmentCode,
    reason: str,
    source: RoutingSource = RoutingSource.TRIAGE,
    rule: RoutingRule | None = None,
) -> RoutingDecision:
    return RoutingDecision(
        lead=None,
        co=(),
        coordinator=coordinator,
        source=source,
        rule_id=rule.rule_id if rule else None,
        rule_revision=rule.revision if rule else None,
        reason=reason,
    )


def _co(tokens: Iterable[str], lead: DepartmentCode, district: str, reference: Reference) -> tuple[DepartmentCode, ...]:
    out: list[DepartmentCode] = []
    for token in tokens:
        dept = resolve_department(token, district, reference)
        if dept != lead and dept not in out:
            out.append(dept)
    return tuple(out)


def validate_rule(rule: RoutingRule, reference: Reference) -> RoutingRule:
    """Check an operator's new rule version before it is stored. Raises invalid_routing_rule."""
    problems: list[str] = []
    if rule.category not in reference.categories:
        problems.append(f"unknown category {rule.category!r}")
    if rule.district is not None and rule.district not in reference.regions:
        problems.append(f"unknown district {rule.district!r}")
    if rule.revision < 1:
        problems.append("revision must be at least 1")
    if not rule.reason.strip():
        problems.append("a reason is required")
    if rule.effective_from.tzinfo is None:
        problems.append("effective_from must be timezone-aware")
    if not rule.retired and not rule.to_triage:
        if rule.lead is None:
            problems.append("a lead department (kind or code) is required")
        tokens = [t for t in (rule.lead, *rule.co) if t is not None]
        # kinds are checked in a known district; full codes as they are
        probe = rule.district or reference.escalate_to
        for token in tokens:
            try:
                resolve_department(token, probe, reference)
            except DomainError as exc:
                problems.append(exc.message)
        if rule.lead is not None and rule.lead in rule.co:
            problems.append("the lead is also listed as co-handling")
    if problems:
        raise DomainError(ErrorCode.INVALID_ROUTING_RULE, "the routing rule is invalid", problems=problems)
    return rule


def next_revision(rules: Iterable[RoutingRule], category: str, district: str | None) -> int:
    """The revision number for the next version of the (category, district) rule."""
    return 1 + max((r.revision for r in rules if r.key == (category, district)), default=0)


def history(rules: Iterable[RoutingRule], category: str, district: str | None) -> tuple[RoutingRule, ...]:
    """All versions of one rule, oldest first."""
    return tuple(
        sorted((r for r in rules if r.key == (category, district)), key=lambda r: (r.effective_from, r.revision))
    )
