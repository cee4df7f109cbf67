"""Event-driven assessment: a registry event updates the projection and re-assesses the enterprise
under every rule set in force in the same transaction; an assessment row and
tidu.eligibility.assessment.completed.v1 only when a result changes; candidate.recommended.v1 when it
newly qualifies for a tier it does not hold."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tidu_eligibility.models import assessments, indicator_years, latest_assessments
from tidu_shared.contracts.eligibility import ASSESSMENT_COMPLETED, CANDIDATE_RECOMMENDED
from tidu_shared.contracts.registry import (
    QUALIFICATION_EXPIRED,
    QUALIFICATION_REVOKED,
)

IN_FORCE = {"size-2011", "innovative-2022", "srdi-2026", "little-giant-2026"}  # on 2026-06-01, outside 500114


async def latest(app: Any, uscc: str) -> dict[str, Any]:
    async with app.state.db.read() as s:
        rows = (await s.execute(select(latest_assessments).where(latest_assessments.c.uscc == uscc))).all()
    return {r.ruleset_id: r for r in rows}


async def count(app: Any, uscc: str) -> int:
    async with app.state.db.read() as s:
        return int(
            (
                await s.execute(select(func.count()).select_from(assessments).where(assessments.c.uscc == uscc))
            ).scalar_one()
        )


async def test_registration_assesses_under_every_rule_set_in_force(
    service: Any, registry: Any, outbox_events: Any
) -> None:
    app, _ = service
    uscc = await registry.register()
    got = await latest(app, uscc)
    assert set(got) == IN_FORCE
    assert {r.as_of.isoformat() for r in got.values()} == {"2026-06-01"}
    assert {r.data_year for r in got.values()} == {2025}
    events = await outbox_events(ASSESSMENT_COMPLETED)
    assert {e["ruleset_id"] for e in events} == IN_FORCE
    assert all(e["previous_result"] is None and e["trigger"] == "event" and e["uscc"] == uscc for e in events)
    assert await outbox_events(CANDIDATE_RECOMMENDED) == []


async def test_only_changes_are_stored_and_published(
    service: Any, registry: Any, outbox_events: Any, srdi26: Any
) -> None:
    app, _ = service
    uscc = await registry.register(**srdi26["profile"])
    first = len(await outbox_events(ASSESSMENT_COMPLETED))
    rows = await count(app, uscc)

    await registry.indicators(uscc, 2025, srdi26["2025"])
    after_2025 = await outbox_events(ASSESSMENT_COMPLETED)
    changed = after_2025[first:]
    assert changed, "the 2025 figures change some results"
    assert all(e["previous_result"] is not None for e in changed)
    assert await count(app, uscc) == rows + len(changed)

    # the same figures again (a new statement): nothing changes, nothing is stored or published
    await registry.indicators(uscc, 2025, srdi26["2025"], restated=True)
    assert len(await outbox_events(ASSESSMENT_COMPLETED)) == len(after_2025)
    assert await count(app, uscc) == rows + len(changed)
    async with app.state.db.read() as s:
        stored = (await s.execute(select(indicator_years).where(indicator_years.c.uscc == uscc))).one()
    assert stored.restated is True  # the projection took the newer statement


async def test_newly_eligible_without_the_tier_is_recommended(
    service: Any, registry: Any, outbox_events: Any, srdi26: Any, auth_header: Any
) -> None:
    app, client = service
    uscc = await registry.register(**srdi26["profile"])
    await registry.indicators(uscc, 2025, srdi26["2025"])
    await registry.indicators(uscc, 2024, srdi26["2024"])
    assert (await latest(app, uscc))["srdi-2026"].result == "not_eligible"  # no 创新型 yet
    env = await registry.qualification(uscc, "innovative_sme")

    srdi = (await latest(app, uscc))["srdi-2026"]
    assert srdi.result == "eligible"
    completed = [e for e in await outbox_events(ASSESSMENT_COMPLETED) if e["ruleset_id"] == "srdi-2026"]
    assert (completed[-1]["result"], completed[-1]["previous_result"]) == ("eligible", "not_eligible")
    assert completed[-1]["next_tier"] == "little_giant"
    recommended = await outbox_events(CANDIDATE_RECOMMENDED)
    assert [(e["uscc"], e["tier"], e["ruleset_id"], e["assessment_id"]) for e in recommended] == [
        (uscc, "srdi", "srdi-2026", srdi.assessment_id)
    ]
    assert "专精特新中小企业" in recommended[0]["reason"]

    # the assessment names the rules version and the input statements it used
    detail = (
        await client.get(f"/v1/enterprises/{uscc}/assessments/{srdi.assessment_id}", headers=auth_header("admin"))
    ).json()
    assert (detail["ruleset_id"], detail["ruleset_version"], detail["trigger"]) == ("srdi-2026", 1, "event")
    assert detail["trigger_ref"] == env.id
    inputs = detail["inputs"]
    assert inputs["years"]["2025"]["values"]["rd_expense"] == "150"
    assert inputs["years"]["2025"]["event_id"] and inputs["enterprise"]["event_id"]
    assert [q["event_id"] for q in inputs["qualifications"]] == [env.id]


async def test_no_recommendation_for_a_tier_already_held(
    service: Any, registry: Any, outbox_events: Any, srdi26: Any
) -> None:
    app, _ = service
    uscc = await registry.register(**srdi26["profile"])
    await registry.qualification(uscc, "srdi_sme", granted_on="2024-01-01", expires_on="2026-12-31")
    await registry.indicators(uscc, 2025, srdi26["2025"])
    await registry.indicators(uscc, 2024, srdi26["2024"])
    await registry.qualification(uscc, "innovative_sme")
    assert (await latest(app, uscc))["srdi-2026"].result == "eligible"
    assert [e for e in await outbox_events(CANDIDATE_RECOMMENDED) if e["tier"] == "srdi"] == []


async def test_revocation_and_expiry_reassess(service: Any, registry: Any, outbox_events: Any, srdi26: Any) -> None:
    app, _ = service
    uscc = await registry.register(**srdi26["profile"])
    await registry.indicators(uscc, 2025, srdi26["2025"])
    await registry.indicators(uscc, 2024, srdi26["2024"])
    granted = await registry.qualification(uscc, "innovative_sme", qualification_id="q-1")
    assert (await latest(app, uscc))["srdi-2026"].result == "eligible"
    await registry.qualification(
        uscc, "innovative_sme", type_=QUALIFICATION_REVOKED, qualification_id="q-1", revoked_on="2026-05-01",
        reason="材料不实",
    )  # fmt: skip
    assert (await latest(app, uscc))["srdi-2026"].result == "not_eligible"
    # a late expiry of a revoked record changes nothing
    before = len(await outbox_events())
    await registry.qualification(uscc, "innovative_sme", type_=QUALIFICATION_EXPIRED, qualification_id="q-1")
    assert len(await outbox_events()) == before
    assert granted.id


async def test_profile_changes_are_projected_and_reassessed(
    service: Any, registry: Any, srdi26: Any, auth_header: Any
) -> None:
    app, client = service
    uscc = await registry.register()
    await registry.indicators(uscc, 2025, srdi26["2025"])
    await registry.indicators(uscc, 2024, srdi26["2024"])
    await registry.qualification(uscc, "innovative_sme")
    assert (await latest(app, uscc))["srdi-2026"].result == "undetermined"  # niche_market_since unknown
    await registry.change_profile(
        uscc, niche_market_since="2018-01-01", own_brand=True,
        main_product={"text": "传感器", "key_chain_link": True, "time_honoured_brand": False},
    )  # fmt: skip
    assert (await latest(app, uscc))["srdi-2026"].result == "eligible"
    profile = (await client.get(f"/v1/enterprises/{uscc}", headers=auth_header("admin"))).json()
    assert profile["niche_market_since"] == "2018-01-01"
    assert profile["main_product"]["key_chain_link"] is True


async def test_an_older_profile_change_arriving_late_changes_nothing(service: Any, registry: Any) -> None:
    import datetime as dt

    app, _ = service
    uscc = await registry.register()
    await registry.change_profile(uscc, niche_market_since="2018-01-01")
    await registry.change_profile(
        uscc, niche_market_since="2024-01-01", changed_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    async with app.state.db.read() as s:
        from tidu_eligibility.models import profiles

        got = (await s.execute(select(profiles.c.niche_market_since).where(profiles.c.uscc == uscc))).scalar_one()
    assert got.isoformat() == "2018-01-01"


async def test_indicators_before_the_registration_are_kept_not_assessed(service: Any, registry: Any) -> None:
    app, _ = service
    uscc = "91500113MA5U7LXX3F"
    await registry.indicators(uscc, 2025, {"operating_revenue": "100", "rd_expense_over_revenue_explained": True})
    assert await latest(app, uscc) == {}
    await registry.register(uscc)
    assert set(await latest(app, uscc)) == IN_FORCE  # the registry's extra fields are not passed to the engine


async def test_size_class_is_published_for_the_registry(registry: Any, outbox_events: Any) -> None:
    uscc = await registry.register(industry="I6510")
    await registry.indicators(uscc, 2025, {"employees": 120, "operating_revenue": "800"})
    size = [e for e in await outbox_events(ASSESSMENT_COMPLETED) if e["ruleset_id"] == "size-2011"]
    assert (size[-1]["result"], size[-1]["size_class"], size[-1]["data_year"]) == ("eligible", "small", 2025)
