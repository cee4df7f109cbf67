"""Search: each filter, name substring (Chinese), sorting, cursor pagination, bad parameters, and the
scope each role searches in."""

from __future__ import annotations

from typing import Any

import pytest

from tidu_registry.domain.uscc import make_uscc

ROWS = [
    # seed, name, district, industry, established
    (1, "重庆渝南精密机械有限公司", "500113", "C3484", "2015-03-18"),
    (2, "重庆智能传感科技有限公司", "500113", "C3983", "2018-07-02"),
    (3, "黔江新材料有限公司", "500114", "C2662", "2019-11-20"),
    (4, "渝北软件技术有限公司", "500112", "I6513", "2016-05-09"),
    (5, "南岸医疗器械有限公司", "500108", "C3581", "2017-09-26"),
    (6, "巴南传感器件有限公司", "500113", "C3985", "2020-01-01"),
    (7, "ABC 100% Tech_有限公司", "500113", "I6510", "2021-01-01"),
]


@pytest.fixture
async def seeded(reg: Any) -> dict[int, str]:
    codes = {}
    for seed, name, district, industry, established in ROWS:
        code = make_uscc(seed + 70_000_000)
        await reg.register(
            uscc=code, name=name, district_code=district, industry_code=industry, established_on=established
        )
        codes[seed] = code
    return codes


async def _find(reg: Any, headers: dict[str, str] | None = None, **params: Any) -> list[str]:
    r = await reg.client.get("/v1/enterprises", params=params, headers=headers or reg.admin)
    assert r.status_code == 200, r.text
    return [i["name"] for i in r.json()["items"]]


async def test_filters(reg: Any, seeded: dict[int, str]) -> None:
    assert await _find(reg, district="500113", sort="name") == sorted(
        ["重庆渝南精密机械有限公司", "重庆智能传感科技有限公司", "巴南传感器件有限公司", "ABC 100% Tech_有限公司"]
    )
    assert len(await _find(reg, district="500000")) == 7  # the whole city
    assert set(await _find(reg, industry="C39")) == {"重庆智能传感科技有限公司", "巴南传感器件有限公司"}
    assert set(await _find(reg, industry="c398")) == {"重庆智能传感科技有限公司", "巴南传感器件有限公司"}
    assert await _find(reg, industry="C3983") == ["重庆智能传感科技有限公司"]
    assert set(await _find(reg, industry="I")) == {"渝北软件技术有限公司", "ABC 100% Tech_有限公司"}
    assert set(await _find(reg, q="传感")) == {"重庆智能传感科技有限公司", "巴南传感器件有限公司"}
    assert await _find(reg, q="传感", district="500113", industry="C3985") == ["巴南传感器件有限公司"]
    assert await _find(reg, q="100%") == ["ABC 100% Tech_有限公司"]  # LIKE wildcards are literal
    assert await _find(reg, q="h_") == ["ABC 100% Tech_有限公司"]
    assert await _find(reg, q="0%T") == []


async def test_qualification_valid_on_a_date_and_pool_stage(reg: Any, seeded: dict[int, str]) -> None:
    await reg.grant(seeded[1], kind="srdi_sme", granted_on="2022-01-01")  # through 2024-12-31
    await reg.grant(seeded[2], kind="srdi_sme", granted_on="2024-06-01")
    await reg.grant(seeded[3], kind="high_tech", level="national", granted_on="2024-06-01")
    assert set(await _find(reg, qualification="srdi_sme", valid_on="2024-07-01")) == {
        "重庆渝南精密机械有限公司",
        "重庆智能传感科技有限公司",
    }
    assert await _find(reg, qualification="srdi_sme", valid_on="2025-01-01") == ["重庆智能传感科技有限公司"]
    assert await _find(reg, qualification="srdi_sme", valid_on="2021-12-31") == []
    r = await reg.client.post(
        f"/v1/enterprises/{seeded[6]}/pool/moves", json={"to_stage": "reserve", "reason": "x"}, headers=reg.admin
    )
    assert r.status_code == 201
    assert await _find(reg, pool_stage="reserve") == ["巴南传感器件有限公司"]
    assert await _find(reg, pool_stage="cultivating") == []


async def test_cursor_pagination_visits_every_row_once_in_order(reg: Any, seeded: dict[int, str]) -> None:
    for sort, order in [
        ("uscc", "asc"),
        ("name", "asc"),
        ("established_on", "desc"),
        ("uscc", "desc"),
        ("name", "desc"),
        ("established_on", "asc"),
    ]:
        seen: list[dict[str, Any]] = []
        cursor = None
        pages = 0
        while True:
            params = {"sort": sort, "order": order, "limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await reg.client.get("/v1/enterprises", params=params, headers=reg.admin)).json()
            seen.extend(page["items"])
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert pages == 4, (sort, order)
        keys = [(i[sort], i["uscc"]) for i in seen]
        assert keys == sorted(keys, reverse=order == "desc"), (sort, order)
        assert len({i["uscc"] for i in seen}) == len(ROWS)


async def test_bad_parameters_are_named(reg: Any, seeded: dict[int, str]) -> None:
    r = await reg.client.get(
        "/v1/enterprises",
        params={
            "district": "5001",
            "industry": "X9",
            "size_class": "huge",
            "qualification": "nobel",
            "pool_stage": "outer",
        },
        headers=reg.admin,
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {
        "district",
        "industry",
        "size_class",
        "qualification",
        "pool_stage",
    }
    assert (await reg.client.get("/v1/enterprises", params={"limit": 0}, headers=reg.admin)).status_code == 422
    assert (await reg.client.get("/v1/enterprises", params={"limit": 201}, headers=reg.admin)).status_code == 422
    assert (await reg.client.get("/v1/enterprises", params={"sort": "rank"}, headers=reg.admin)).status_code == 422
    r = await reg.client.get("/v1/enterprises", params={"cursor": "garbage!"}, headers=reg.admin)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "invalid_cursor"
    page = (await reg.client.get("/v1/enterprises", params={"limit": 2}, headers=reg.admin)).json()
    r = await reg.client.get(
        "/v1/enterprises", params={"cursor": page["next_cursor"], "sort": "name"}, headers=reg.admin
    )
    assert r.status_code == 422  # a cursor belongs to its sort


async def test_each_role_searches_in_its_scope(reg: Any, seeded: dict[int, str]) -> None:
    assert len(await _find(reg, reg.op("500113"))) == 4
    assert await _find(reg, reg.op("500114")) == ["黔江新材料有限公司"]
    r = await reg.client.get("/v1/enterprises", params={"district": "500114"}, headers=reg.op("500113"))
    assert r.status_code == 403 and r.json()["code"] == "other_district"
    r = await reg.client.get("/v1/enterprises", params={"district": "500000"}, headers=reg.op("500113"))
    assert r.status_code == 403
    assert len(await _find(reg, reg.op("500000"))) == 7
    assert await _find(reg, reg.ent(seeded[3])) == ["黔江新材料有限公司"]
    assert await _find(reg, reg.ent(seeded[3]), district="500113") == []
    await reg.commissioner("c1")
    await reg.assign(seeded[2], "c1")
    assert await _find(reg, reg.comm("c1")) == ["重庆智能传感科技有限公司"]
    assert await _find(reg, reg.comm("c2")) == []
    r = await reg.client.get("/v1/enterprises", params={"commissioner": "c1"}, headers=reg.comm("c2"))
    assert r.status_code == 403
    for role, scope in [("department", {"dept": "500113-kjj"}), ("institution", {"inst": "ccb"})]:
        r = await reg.client.get("/v1/enterprises", headers=reg.h(role, **scope))
        assert r.status_code == 403
    assert (await reg.client.get("/v1/enterprises")).status_code == 401
