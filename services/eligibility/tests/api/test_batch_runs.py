"""Batch re-assessment over HTTP on a small population: 202 with a run id, progress and summary by
GET (waited for with a deadline), only changes written after a rule-set change, resume after an
interruption, access by district."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
import yaml
from sqlalchemy import select, update

from tidu_eligibility.domain.ruleset_loader import default_ruleset_dir
from tidu_eligibility.models import assessments, batch_runs
from tidu_shared.contracts.eligibility import ASSESSMENT_COMPLETED

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
async def service(app_client_factory: Any) -> AsyncIterator[tuple[Any, Any]]:
    """Small chunks, so that a run of a few enterprises takes several."""
    async with app_client_factory("eligibility", run_relay=False, run_consumers=False, batch_chunk_size=2) as (
        app,
        client,
    ):
        app.state.eligibility.clock = lambda: TODAY
        yield app, client


async def wait_for_run(client: Any, run_id: str, headers: dict[str, str], deadline_s: float = 30.0) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline_s
    while True:
        run: dict[str, Any] = (await client.get(f"/v1/batch-runs/{run_id}", headers=headers)).json()
        if run["status"] in ("completed", "failed"):
            return run
        assert loop.time() < end, f"run not finished within {deadline_s}s: {run}"
        await asyncio.sleep(0.01)


def stricter_srdi26() -> str:
    data = yaml.safe_load((default_ruleset_dir() / "srdi-2026.yaml").read_text("utf-8"))
    data = copy.deepcopy(data)
    data.update(version=2, effective_from="2026-06-01")
    data["parameters"]["rd_ratio_min"]["value"] = "0.06"
    return yaml.safe_dump(data, allow_unicode=True)


async def test_a_run_reports_progress_and_a_summary(
    service: Any, population: Any, auth_header: Any, outbox_events: Any
) -> None:
    app, client = service
    firms = await population()
    op = auth_header("operator", district="500113")
    r = await client.post("/v1/batch-runs", json={"ruleset": "srdi-2026", "district": "500113"}, headers=op)
    assert r.status_code == 202, r.text
    started = r.json()
    assert r.headers["location"] == f"/v1/batch-runs/{started['id']}"
    assert (started["total"], started["rulesets"], started["as_of"]) == (4, ["srdi-2026@1"], "2026-06-01")

    run = await wait_for_run(client, started["id"], op)
    assert run["status"] == "completed", run
    assert (run["done"], run["total"], run["percent"], run["eta_s"]) == (4, 4, 100.0, 0.0)
    assert run["rate"] > 0 and run["elapsed_s"] > 0
    summary = run["summary"]
    assert summary["by_result"] == {"eligible": 3, "not_eligible": 1, "undetermined": 0}
    # the events had assessed every enterprise already: nothing changed, nothing was written
    assert summary["changes"] == {"new": 0, "changed": 0, "unchanged": 4, "skipped_newer": 0}
    assert summary["previous_run"] is None

    # a stricter version from today: re-running writes and publishes only what changed
    before = len(await outbox_events(ASSESSMENT_COMPLETED))
    up = await client.post(
        "/v1/rulesets", content=stricter_srdi26(), headers={**auth_header("admin"), "Content-Type": "application/yaml"}
    )
    assert up.status_code == 201, up.text
    again = await client.post("/v1/batch-runs", json={"ruleset": "srdi-2026", "district": "500113"}, headers=op)
    run2 = await wait_for_run(client, again.json()["id"], op)
    s2 = run2["summary"]
    assert run2["rulesets"] == ["srdi-2026@2"]
    assert s2["by_result"] == {"eligible": 0, "not_eligible": 4, "undetermined": 0}
    assert s2["changes"]["changed"] == 3
    assert s2["by_ruleset"]["srdi-2026"]["transitions"] == {"eligible→not_eligible": 3}
    assert s2["previous_run"]["id"] == started["id"]
    assert s2["since_previous_run"]["srdi-2026"] == {"eligible": -3, "not_eligible": 3, "undetermined": 0}
    published = (await outbox_events(ASSESSMENT_COMPLETED))[before:]
    assert len(published) == 3
    assert {e["batch_run_id"] for e in published} == {run2["id"]}
    assert {e["uscc"] for e in published} == {firms[k] for k in ("eligible0", "eligible1", "holder")}
    async with app.state.db.read() as s:
        rows = (await s.execute(select(assessments.c.trigger).where(assessments.c.trigger_ref == run2["id"]))).all()
    assert [r.trigger for r in rows] == ["batch"] * 3


async def test_scopes_dates_and_tiers(service: Any, population: Any, auth_header: Any, outbox_events: Any) -> None:
    _, client = service
    await population()
    admin = auth_header("admin")
    published = len(await outbox_events())
    # every rule set in force by default; an industry prefix; nothing published
    r = await client.post("/v1/batch-runs", json={"industry_prefix": "c38", "publish": False}, headers=admin)
    assert r.status_code == 202, r.text
    assert sorted(r.json()["rulesets"]) == ["innovative-2022@1", "little-giant-2026@1", "size-2011@1", "srdi-2026@1"]
    run = await wait_for_run(client, r.json()["id"], admin)
    assert run["done"] == 5 and run["industry_prefix"] == "C38"
    assert set(run["summary"]["by_ruleset"]) == {"innovative-2022", "little-giant-2026", "size-2011", "srdi-2026"}
    assert run["summary"]["assessments"] == 20
    # srdi as of 2025-06-01 is srdi-2022: the first assessment under it is new for everyone
    city = auth_header("operator", district="500000")
    r = await client.post(
        "/v1/batch-runs", json={"tier": "srdi", "as_of": "2025-06-01", "publish": False}, headers=city
    )
    run = await wait_for_run(client, r.json()["id"], city)
    assert (run["rulesets"], run["data_year"]) == (["srdi-2022@1"], 2024)
    assert run["summary"]["changes"]["new"] == 5
    assert len(await outbox_events()) == published
    # no enterprise in the scope
    r = await client.post("/v1/batch-runs", json={"tier": "size", "industry_prefix": "A01"}, headers=admin)
    run = await wait_for_run(client, r.json()["id"], admin)
    assert (run["status"], run["total"], run["done"], run["summary"]["assessments"]) == ("completed", 0, 0, 0)


async def test_an_interrupted_run_resumes_after_its_last_chunk(service: Any, registry: Any, auth_header: Any) -> None:
    app, client = service
    for _ in range(8):
        await registry.register()
    admin = auth_header("admin")
    r = await client.post("/v1/batch-runs", json={"ruleset": "size-2011"}, headers=admin)
    run_id = r.json()["id"]
    await wait_for_run(client, run_id, admin)
    # as a crash after the second chunk leaves it: running, heartbeat stopped, 4 of 8 done
    async with app.state.db.read() as s:
        usccs = sorted((await s.execute(select(assessments.c.uscc).distinct())).scalars())
    async with app.state.db.transaction() as s:
        await s.execute(
            update(batch_runs)
            .where(batch_runs.c.id == run_id)
            .values(status="running", done=4, cursor=usccs[3], counts="{}", summary=None, finished_at=None,
                    heartbeat_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), worker="gone:1:x")
        )  # fmt: skip
    got = (await client.get(f"/v1/batch-runs/{run_id}", headers=admin)).json()
    assert (got["status"], got["resumable"]) == ("interrupted", True)
    r = await client.post(f"/v1/batch-runs/{run_id}/resume", headers=admin)
    assert r.status_code == 202, r.text
    run = await wait_for_run(client, run_id, admin)
    assert (run["status"], run["done"], run["summary"]["assessments"]) == ("completed", 8, 4)  # the last 4
    again = await client.post(f"/v1/batch-runs/{run_id}/resume", headers=admin)
    assert (again.status_code, again.json()["code"]) == (409, "batch_run_not_resumable")


async def test_an_enterprise_the_engine_cannot_read_is_set_aside(service: Any, registry: Any, auth_header: Any) -> None:
    """The registry validates what it publishes; should a value still be out of the engine's range,
    the event keeps the projection and the batch run completes, naming the enterprise."""
    _, client = service
    good = await registry.register()
    odd = await registry.register()
    await registry.indicators(odd, 2025, {"digital_level": 9})  # the engine accepts 0-4
    admin = auth_header("admin")
    r = await client.post("/v1/batch-runs", json={"ruleset": "srdi-2026"}, headers=admin)
    run = await wait_for_run(client, r.json()["id"], admin)
    assert run["status"] == "completed"
    assert (run["summary"]["invalid_count"], run["summary"]["invalid_inputs"]) == (1, [odd])
    assert run["summary"]["assessments"] == 1 and good


async def test_runs_left_running_are_marked_interrupted_at_start_up(
    service: Any, app_client_factory: Any, auth_header: Any
) -> None:
    app, client = service
    r = await client.post("/v1/batch-runs", json={"ruleset": "size-2011"}, headers=auth_header("admin"))
    run_id = r.json()["id"]
    await wait_for_run(client, run_id, auth_header("admin"))
    async with app.state.db.transaction() as s:
        await s.execute(
            update(batch_runs)
            .where(batch_runs.c.id == run_id)
            .values(status="running", heartbeat_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), worker="gone:1:x")
        )
    restarted = app_client_factory("eligibility", database_url=app.state.db.url, run_relay=False, run_consumers=False)
    async with restarted, app.state.db.read() as s:
        status = (await s.execute(select(batch_runs.c.status).where(batch_runs.c.id == run_id))).scalar_one()
    assert status == "interrupted"


WHO_MAY_START: list[tuple[str, dict[str, str], dict[str, Any], int]] = [
    ("operator", {"district": "500113"}, {"ruleset": "srdi-2026", "district": "500113"}, 202),
    ("operator", {"district": "500113"}, {"ruleset": "srdi-2026", "district": "500114"}, 403),
    ("operator", {"district": "500113"}, {"ruleset": "srdi-2026"}, 403),
    ("operator", {"district": "500000"}, {"ruleset": "srdi-2026"}, 202),
    ("admin", {}, {"tier": "size"}, 202),
    ("enterprise", {"uscc": "X"}, {"ruleset": "srdi-2026"}, 403),
    ("commissioner", {}, {"ruleset": "srdi-2026"}, 403),
    ("department", {"dept": "d"}, {"ruleset": "srdi-2026"}, 403),
    ("institution", {"inst": "i"}, {"ruleset": "srdi-2026"}, 403),
    ("admin", {}, {"tier": "pool"}, 422),  # no pool rule set in force on 2026-06-01
    ("admin", {}, {"ruleset": "srdi-2026", "tier": "srdi"}, 422),
    ("admin", {}, {"ruleset": "srdi-2026", "district": "5001"}, 422),
    ("admin", {}, {"ruleset": "srdi-2026", "industry_prefix": "C38%"}, 422),
]


async def test_who_may_start_a_run(service: Any, auth_header: Any) -> None:
    _, client = service
    got = []
    for role, scope, body, _ in WHO_MAY_START:
        r = await client.post("/v1/batch-runs", json=body, headers=auth_header(role, **scope))
        got.append((role, scope, body, r.status_code))
    assert got == WHO_MAY_START


async def test_operators_see_their_districts_runs(service: Any, auth_header: Any) -> None:
    _, client = service
    mine = auth_header("operator", district="500113")
    r = await client.post("/v1/batch-runs", json={"ruleset": "size-2011", "district": "500113"}, headers=mine)
    run_id = r.json()["id"]
    await wait_for_run(client, run_id, mine)
    assert (await client.get(f"/v1/batch-runs/{run_id}", headers=auth_header("admin"))).status_code == 200
    other = auth_header("operator", district="500114")
    assert (await client.get(f"/v1/batch-runs/{run_id}", headers=other)).status_code == 404
    assert (
        await client.get(f"/v1/batch-runs/{run_id}", headers=auth_header("enterprise", uscc="X"))
    ).status_code == 403
    assert [x["id"] for x in (await client.get("/v1/batch-runs", headers=mine)).json()] == [run_id]
    assert (await client.get("/v1/batch-runs", headers=other)).json() == []
    assert (await client.get("/v1/batch-runs/nope", headers=mine)).status_code == 404
