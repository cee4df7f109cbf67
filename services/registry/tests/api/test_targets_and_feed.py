"""District targets (目标清单) with actuals from the registry, and the change feed with its cursor."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import func, select

from tidu_registry.models import changes, outbox


async def test_progress_counts_qualifications_valid_at_year_end(reg: Any) -> None:
    codes = [(await reg.register())["uscc"] for _ in range(3)]
    elsewhere = await reg.register(district_code="500114")
    await reg.grant(codes[0], kind="srdi_sme", granted_on="2023-03-01")  # valid through 2026-02-28
    await reg.grant(codes[1], kind="srdi_sme", granted_on="2024-12-31")
    await reg.grant(codes[2], kind="srdi_sme", granted_on="2025-01-01")
    await reg.grant(elsewhere["uscc"], kind="srdi_sme", granted_on="2024-01-01")
    r = await reg.client.get("/v1/targets/500113/progress", params={"today": "2025-06-30"}, headers=reg.op())
    assert r.status_code == 200, r.text
    body = r.json()
    srdi = next(i for i in body["indicators"] if i["key"] == "srdi_smes")
    rows = {y["year"]: y for y in srdi["years"]}
    assert rows[2024] == {"year": 2024, "target": "180", "actual": "2", "percentage": "1.1", "shortfall": "178"}
    assert rows[2025]["actual"] == "3"  # measured today (2025-06-30) while the year runs
    assert rows[2026]["actual"] is None and rows[2026]["shortfall"] is None  # not begun
    ents = next(i for i in body["indicators"] if i["key"] == "enterprises")
    assert next(y for y in ents["years"] if y["year"] == 2024)["actual"] == "0.0003"  # 3 enterprises, in 万家
    market = next(i for i in body["indicators"] if i["key"] == "market_entities")
    assert market["measure"] == "external" and all(y["actual"] is None for y in market["years"])
    flows = {(f["key"], f["year"]): f for f in body["flow_targets"]}
    assert flows[("srdi_smes", 2024)]["actual"] == "1" and flows[("srdi_smes", 2024)]["target"] == "20"
    assert flows[("srdi_smes", 2025)]["actual"] == "1"
    one_year = await reg.client.get(
        "/v1/targets/500113/progress", params={"year": 2024, "today": "2025-06-30"}, headers=reg.admin
    )
    assert {y["year"] for i in one_year.json()["indicators"] for y in i["years"]} == {2024}
    city = (
        await reg.client.get("/v1/targets/500000/progress", params={"today": "2025-06-30"}, headers=reg.op("500000"))
    ).json()
    assert city["indicators"][0]["years"][0] == {
        "year": 2025,
        "target": "2500",
        "actual": "4",
        "percentage": "0.2",
        "shortfall": "2496",
    }


async def test_targets_access(reg: Any) -> None:
    assert [t["region"] for t in (await reg.client.get("/v1/targets", headers=reg.op())).json()] == ["500113"]
    assert len((await reg.client.get("/v1/targets", headers=reg.op("500000"))).json()) == 4
    assert (await reg.client.get("/v1/targets/500114/progress", headers=reg.op("500113"))).status_code == 403
    assert (await reg.client.get("/v1/targets/500000/progress", headers=reg.op("500113"))).status_code == 403
    assert (await reg.client.get("/v1/targets/999999/progress", headers=reg.admin)).status_code == 404
    assert (await reg.client.get("/v1/targets", headers=reg.ent("91110108551385082Q"))).status_code == 403


async def _settled(reg: Any, count: int) -> None:
    """Wait until the whole feed is served (PostgreSQL serves a transaction's rows once every older
    transaction of the cluster has ended, other test workers' included)."""
    deadline = time.monotonic() + 20
    while len((await _feed(reg, reg.admin))["events"]) < count:
        assert time.monotonic() < deadline, "the feed did not settle"
        await asyncio.sleep(0.05)


async def _feed(reg: Any, headers: dict[str, str], after: str | None = None, limit: int = 100) -> Any:
    params: dict[str, Any] = {"limit": limit}
    if after is not None:
        params["after"] = after
    r = await reg.client.get("/v1/changes", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_feed_serves_exactly_the_outbox_events_resumably(reg: Any) -> None:
    a = await reg.register()
    b = await reg.register(district_code="500114")
    await reg.put_indicators(a["uscc"], 2024)
    await reg.grant(b["uscc"])
    await reg.client.patch(f"/v1/enterprises/{a['uscc']}", json={"own_brand": True}, headers=reg.admin)
    seen: list[dict[str, Any]] = []
    cursor = None
    deadline = time.monotonic() + 20
    while len(seen) < 5:
        page = await _feed(reg, reg.admin, cursor, limit=2)
        if not page["events"]:  # an empty page keeps the reader where it was
            assert page["next_cursor"] == (cursor or "0.0") and time.monotonic() < deadline
            await asyncio.sleep(0.05)
            continue
        seen.extend(page["events"])
        cursor = page["next_cursor"]
    published = [e for e in await reg.events()]
    assert [e["id"] for e in seen] == [e["id"] for e in published]
    assert seen[0] == {k: v for k, v in published[0].items() if not k.startswith("_")}
    assert [e["type"].split(".")[-2] for e in seen] == [
        "registered",
        "registered",
        "indicators_reported",
        "granted",
        "profile_changed",
    ]
    # resume: nothing new, then one more event
    assert (await _feed(reg, reg.admin, cursor))["events"] == []
    await reg.put_indicators(a["uscc"], 2023)
    # On PostgreSQL the feed serves a transaction's rows once every older transaction of the cluster has
    # ended (other test workers' included), so a reader polls, as a real one does.
    more = await _feed(reg, reg.admin, cursor)
    deadline = time.monotonic() + 20
    while not more["events"] and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        more = await _feed(reg, reg.admin, cursor)
    assert [e["type"] for e in more["events"]] == ["tidu.registry.enterprise.indicators_reported.v1"]
    async with reg.app.state.db.read() as s:
        assert (await s.execute(select(func.count()).select_from(changes))).scalar_one() == (
            await s.execute(select(func.count()).select_from(outbox))
        ).scalar_one()


async def test_feed_shows_each_reader_what_it_may_see(reg: Any) -> None:
    a = await reg.register()
    b = await reg.register(district_code="500114")
    await reg.commissioner("c1")
    await reg.assign(a["uscc"], "c1")

    def subjects(page: Any) -> set[str]:
        return {e["subject"] for e in page["events"]}

    await _settled(reg, 3)  # two registrations and an assignment

    assert subjects(await _feed(reg, reg.op("500113"))) == {a["uscc"]}
    assert subjects(await _feed(reg, reg.op("500114"))) == {b["uscc"]}
    assert subjects(await _feed(reg, reg.op("500000"))) == {a["uscc"], b["uscc"]}
    assert subjects(await _feed(reg, reg.ent(b["uscc"]))) == {b["uscc"]}
    assert subjects(await _feed(reg, reg.comm("c1"))) == {a["uscc"]}
    assert subjects(await _feed(reg, reg.comm("c2"))) == set()
    r = await reg.client.get("/v1/changes", headers=reg.h("department", dept="500113-kjj"))
    assert r.status_code == 403
    r = await reg.client.get("/v1/changes", params={"after": "not-a-cursor"}, headers=reg.admin)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "invalid_cursor"
