"""Shared fixtures for the whistle domain's unit tests (no database, no broker)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from tidu_whistle.domain.issues import IssueDraft, open_issue
from tidu_whistle.domain.model import (
    Action,
    Actor,
    Command,
    Issue,
    IssueState,
    Outcome,
    Party,
    Role,
    TimelineEntry,
    Urgency,
)
from tidu_whistle.domain.reference import DepartmentCode, Reference, load_reference
from tidu_whistle.domain.sla import routing_clocks, terms_for
from tidu_whistle.domain.state_machine import WorkflowContext, WorkflowPolicy, apply
from tidu_whistle.domain.working_days import SHANGHAI

USCC = "91500113MA5U8XYZ1K"
OTHER_USCC = "91500114MA5U8XYZ2L"
DISTRICT = "500113"  # 巴南区
OTHER_DISTRICT = "500114"  # 黔江区
LEAD = DepartmentCode(DISTRICT, "ghzy")
CO = (DepartmentCode(DISTRICT, "jxw"), DepartmentCode(DISTRICT, "yq"))
# Friday 2025-09-26 10:00 Shanghai: Sunday 09-28 is a 调休 working day, 10-01..08 are holidays.
T0 = datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(scope="session")
def reference() -> Reference:
    return load_reference()


@pytest.fixture(scope="session")
def ctx(reference: Reference) -> WorkflowContext:
    return WorkflowContext(reference=reference, policy=WorkflowPolicy())


class World:
    """Builds actors and issues, and plays commands, so tests read as stories."""

    uscc = USCC
    district = DISTRICT
    lead = LEAD
    co = CO
    t0 = T0

    def __init__(self, ctx: WorkflowContext) -> None:
        self.ctx = ctx
        self.reference = ctx.reference
        self.entries: dict[str, list[TimelineEntry]] = {}

    # actors
    enterprise = Actor(Role.ENTERPRISE, "ent-user", uscc=USCC)
    other_enterprise = Actor(Role.ENTERPRISE, "other-ent", uscc=OTHER_USCC)
    commissioner = Actor(Role.COMMISSIONER, "comm-1", enterprises=frozenset({USCC}))
    other_commissioner = Actor(Role.COMMISSIONER, "comm-2", enterprises=frozenset({OTHER_USCC}))
    operator = Actor(Role.OPERATOR, "op-banan", district=DISTRICT)
    city_operator = Actor(Role.OPERATOR, "op-city", district="500000")
    other_operator = Actor(Role.OPERATOR, "op-qianjiang", district=OTHER_DISTRICT)
    admin = Actor(Role.ADMIN, "admin-1")
    institution = Actor(Role.INSTITUTION, "bank-1")
    system = Actor.system()

    @staticmethod
    def dept(code: DepartmentCode | str) -> Actor:
        dept = DepartmentCode.parse(code)
        return Actor(Role.DEPARTMENT, f"staff-{dept}", dept=dept)

    def actor_for(self, party: Party, issue: Issue) -> Actor:
        """An actor that holds ``party`` for ``issue``."""
        if party is Party.ENTERPRISE:
            return self.enterprise
        if party is Party.COMMISSIONER:
            return self.commissioner
        if party is Party.LEAD_DEPARTMENT:
            assert issue.lead_department is not None
            return self.dept(issue.lead_department)
        if party is Party.CO_DEPARTMENT:
            assert issue.co_departments
            return self.dept(issue.co_departments[0])
        if party is Party.COORDINATOR:
            return self.operator
        return self.system

    def outsider_for(self, party: Party) -> Actor:
        """An actor of the same role that is not a party to the issue."""
        return {
            Party.ENTERPRISE: self.other_enterprise,
            Party.COMMISSIONER: self.other_commissioner,
            Party.LEAD_DEPARTMENT: self.dept("500114-ghzy"),
            Party.CO_DEPARTMENT: self.dept("500114-jxw"),
            Party.COORDINATOR: self.other_operator,
        }[party]

    # issues
    def draft(self, **overrides: Any) -> IssueDraft:
        values: dict[str, Any] = {
            "enterprise_uscc": USCC,
            "category": "land",
            "district": DISTRICT,
            "title": "厂房扩建用地指标",
            "description": "扩建二期厂房需新增工业用地 30 亩，请协调用地指标。",
        }
        values.update(overrides)
        return IssueDraft(**values)

    def raise_issue(self, issue_id: str = "iss-1", at: datetime = T0, **overrides: Any) -> Issue:
        outcome = open_issue(issue_id, self.draft(**overrides), actor=self.enterprise, at=at, reference=self.reference)
        self.entries[issue_id] = list(outcome.entries)
        return outcome.issue

    def do(
        self,
        issue: Issue,
        actor: Actor,
        action: Action,
        at: datetime,
        *,
        check_version: bool = True,
        **command: Any,
    ) -> Issue:
        outcome = self.run(issue, actor, action, at, check_version=check_version, **command)
        return outcome.issue

    def run(
        self, issue: Issue, actor: Actor, action: Action, at: datetime, *, check_version: bool = True, **command: Any
    ) -> Outcome:
        outcome = apply(
            issue,
            Command(action, **command),
            actor=actor,
            at=at,
            ctx=self.ctx,
            expected_version=issue.version if check_version else None,
        )
        self.entries.setdefault(issue.id, []).extend(outcome.entries)
        return outcome

    def issue_in(self, state: IssueState, **overrides: Any) -> Issue:
        """A consistent issue in ``state`` (lead and co departments set where a state needs them)."""
        base = Issue(
            id="iss-x",
            enterprise_uscc=USCC,
            category="land",
            district=DISTRICT,
            title="用地",
            description="用地指标",
            urgency=Urgency.NORMAL,
            state=state,
            version=5,
            submitted_at=T0,
            updated_at=T0,
        )
        terms = terms_for("land", self.reference)
        if state not in (IssueState.SUBMITTED, IssueState.TRIAGE, IssueState.RETURNED):
            base = replace(base, lead_department=LEAD, co_departments=CO, deadlines=routing_clocks(T0, terms))
        if state is IssueState.EXTENSION_REQUESTED:
            base = replace(base, pending_extension_days=3)
        if state in (IssueState.RESOLVED, IssueState.CLOSED):
            base = replace(base, resolved_at=T0 + timedelta(days=1))
        if state is IssueState.CLOSED:
            base = replace(base, closed_at=T0 + timedelta(days=2))
        return replace(base, **overrides)


@pytest.fixture
def world(ctx: WorkflowContext) -> World:
    return World(ctx)
