"""The enterprise profile over HTTP: the full profile on registration, masking in every response,
changes as statements (field, old, new, who, when, source), GET ?as_of=, and the events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, update

from tidu_registry.domain.uscc import make_uscc
from tidu_registry.models import revisions

CST = dt.timezone(dt.timedelta(hours=8))


async def test_full_profile_is_stored_and_personal_data_masked(reg: Any) -> None:
    body = reg.full_body()
    r = await reg.client.post("/v1/enterprises", json=body, headers=reg.admin)
    assert r.status_code == 201, r.text
    got = (await reg.client.get(f"/v1/enterprises/{body['uscc']}", headers=reg.admin)).json()
    assert got["legal_rep_id_number"] == body["legal_rep_id_number"][:4] + "*" * 10 + body["legal_rep_id_number"][-4:]
    assert got["legal_rep_phone"] == "138****5678"
    assert got["contacts"][0]["phone"] == "023****4567"  # the contacts' phones masked too (stored normalised)
    assert r.json()["contacts"][0]["phone"] == "023****4567" and "02361234567" not in r.text
    assert got["main_product"] == "工业传感器" and got["own_brand"] is True
    assert got["version"] == 1 and r.headers["etag"] == "1"
    assert body["legal_rep_id_number"] not in r.text
    history = (await reg.client.get(f"/v1/enterprises/{body['uscc']}/history", headers=reg.admin)).json()
    assert "13812345678" not in str(history) and body["legal_rep_id_number"] not in str(history)
    registered = (await reg.events("enterprise.registered.v1"))[0]
    assert registered["data"]["main_product"]["strategic_emerging"] is True
    assert "legal_rep" not in str(registered) and "13812345678" not in str(registered)


PROFILE_RULES: list[tuple[dict[str, Any], str, str]] = [
    ({"legal_rep_id_number": "500101198001011236"}, "legal_rep_id_number", "id_number_check_digit"),
    ({"legal_rep_id_number": "12345"}, "legal_rep_id_number", "id_number_shape"),
    ({"legal_rep_phone": "12345"}, "legal_rep_phone", "phone_invalid"),
    ({"contacts": [{"name": "李四", "email": "not-an-email"}]}, "contacts[0].email", "email_invalid"),
    ({"contacts": [{"name": "李四", "phone": "999"}]}, "contacts[0].phone", "phone_invalid"),
    ({"niche_market_since": "2999-01-01"}, "niche_market_since", "date_in_future"),
    ({"name": "重"}, "name", "string_too_short"),
    ({"district_code": "50011"}, "district_code", "district_code_shape"),
    ({"industry_code": "3825"}, "industry_code", "industry_code_shape"),
    ({"legal_rep_phone": "138****5678"}, "legal_rep_phone", "masked_value"),
    ({"contacts": [{"name": "李四", "phone": "023****4567"}]}, "contacts[0].phone", "masked_value"),
    ({"own_brand": "perhaps"}, "own_brand", "bool_parsing"),
    ({"uscc": "B1110108551385082Q"}, "uscc", "uscc_authority"),
    ({"legal_rep_id_number": "500101198013411236"}, "legal_rep_id_number", "id_number_invalid"),
    ({"contacts": [{"name": f"联系人{i}"} for i in range(21)]}, "contacts", "too_long"),
    ({"contacts": [{"name": "  "}]}, "contacts[0].name", "required"),
    ({"main_product": "产" * 501}, "main_product", "string_too_long"),
]


async def test_profile_validation_rules(reg: Any) -> None:
    """Each rule of the profile, one request each: 422 problem+json naming the field and the rule."""
    found = {}
    for over, field, code in PROFILE_RULES:
        r = await reg.client.post("/v1/enterprises", json=reg.full_body(**over), headers=reg.admin)
        assert r.headers["content-type"].startswith("application/problem+json"), r.text
        found[(field, code)] = (r.status_code, (field, code) in [(e["field"], e["code"]) for e in r.json()["errors"]])
    assert found == {(field, code): (422, True) for _, field, code in PROFILE_RULES}


async def test_patch_records_statements_and_emits_the_whole_public_profile(reg: Any) -> None:
    ent = await reg.register(**reg.full_body())
    code = ent["uscc"]
    r = await reg.client.patch(
        f"/v1/enterprises/{code}",
        json={"name": "重庆示例传感科技股份有限公司", "own_brand": False, "legal_rep_phone": "13900002222"},
        headers=reg.op(),
    )
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["legal_rep_phone"] == "139****2222"
    changed = (await reg.events("profile_changed.v1"))[-1]
    data = changed["data"]
    assert changed["_key"] == code and changed["subject"] == code
    assert data["name"] == "重庆示例传感科技股份有限公司" and data["industry_code"] == "C3983"
    assert set(data["changes"]) == {"name", "own_brand"}
    assert data["changes"]["own_brand"] == {"old": True, "new": False}
    assert data["personal_fields_changed"] == ["legal_rep_phone"]
    assert data["source"] == "operator" and data["changed_by"] == "op-500113" and data["version"] == 2
    assert "13900002222" not in str(changed)
    history = (await reg.client.get(f"/v1/enterprises/{code}/history?profile_only=true", headers=reg.admin)).json()
    last = [h for h in history if h["when"] == history[-1]["when"]]
    assert {(h["field"], h["source"], h["who"]) for h in last} == {
        ("name", "operator", "op-500113"),
        ("own_brand", "operator", "op-500113"),
        ("legal_rep_phone", "operator", "op-500113"),
    }
    phone = next(h for h in last if h["field"] == "legal_rep_phone")
    assert (phone["old"], phone["new"]) == ("138****5678", "139****2222")


async def test_sources_enterprise_self_declared_operator_external(reg: Any) -> None:
    ent = await reg.register()
    code = ent["uscc"]
    assert (
        await reg.client.patch(f"/v1/enterprises/{code}", json={"own_brand": True}, headers=reg.ent(code))
    ).status_code == 200
    assert (
        await reg.client.patch(
            f"/v1/enterprises/{code}", json={"own_brand": False, "source": "external"}, headers=reg.op()
        )
    ).status_code == 200
    r = await reg.client.patch(
        f"/v1/enterprises/{code}", json={"own_brand": True, "source": "operator"}, headers=reg.ent(code)
    )
    assert r.status_code == 403 and r.json()["code"] == "source_not_allowed"
    history = (await reg.client.get(f"/v1/enterprises/{code}/history?field=own_brand", headers=reg.admin)).json()
    assert [h["source"] for h in history] == ["self_declared", "external"]


async def test_unchanged_patch_records_nothing(reg: Any) -> None:
    ent = await reg.register()
    before = len(await reg.events())
    r = await reg.client.patch(f"/v1/enterprises/{ent['uscc']}", json={"name": ent["name"]}, headers=reg.admin)
    assert r.status_code == 200 and r.json()["version"] == 1
    assert len(await reg.events()) == before


async def test_masked_value_sent_back_keeps_the_stored_one(reg: Any) -> None:
    ent = await reg.register(**reg.full_body())
    got = (await reg.client.get(f"/v1/enterprises/{ent['uscc']}", headers=reg.admin)).json()
    r = await reg.client.patch(
        f"/v1/enterprises/{ent['uscc']}",
        json={"legal_rep_phone": got["legal_rep_phone"], "legal_rep_id_number": got["legal_rep_id_number"]},
        headers=reg.admin,
    )
    assert r.status_code == 200 and r.json()["version"] == 1


async def test_patch_validation_names_every_violation(reg: Any) -> None:
    ent = await reg.register()
    r = await reg.client.patch(
        f"/v1/enterprises/{ent['uscc']}",
        json={"uscc": make_uscc(), "district_code": "999999", "industry_code": "C06", "established_on": "2999-01-01"},
        headers=reg.admin,
    )
    assert r.status_code == 422
    assert {(e["field"], e["code"]) for e in r.json()["errors"]} == {
        ("uscc", "immutable_field"),
        ("district_code", "unknown_district"),
        ("industry_code", "industry_code_division"),
        ("established_on", "date_in_future"),
    }


async def test_if_match_guards_against_lost_updates(reg: Any) -> None:
    ent = await reg.register()
    url = f"/v1/enterprises/{ent['uscc']}"
    ok = await reg.client.patch(url, json={"own_brand": True}, headers={**reg.admin, "If-Match": '"1"'})
    assert ok.status_code == 200 and ok.headers["etag"] == "2"
    stale = await reg.client.patch(url, json={"own_brand": False}, headers={**reg.admin, "If-Match": "1"})
    assert stale.status_code == 412 and stale.json()["code"] == "version_mismatch"


async def test_district_operator_cannot_move_an_enterprise_out_of_its_district(reg: Any) -> None:
    ent = await reg.register()
    url = f"/v1/enterprises/{ent['uscc']}"
    r = await reg.client.patch(url, json={"district_code": "500114"}, headers=reg.op("500113"))
    assert r.status_code == 403
    r = await reg.client.patch(url, json={"district_code": "500114"}, headers=reg.op("500000"))
    assert r.status_code == 200 and r.json()["district_code"] == "500114"


async def _backdate(reg: Any, uscc: str, year_is_null: bool, to: dt.datetime) -> None:
    """Move the latest revision of ``uscc`` back in time (the history's clock is the recording time)."""
    async with reg.app.state.db.transaction() as s:
        cond = revisions.c.year.is_(None) if year_is_null else revisions.c.year.is_not(None)
        last = (await s.execute(select(func.max(revisions.c.id)).where(revisions.c.uscc == uscc, cond))).scalar_one()
        await s.execute(update(revisions).where(revisions.c.id == last).values(recorded_at=to))


async def test_as_of_answers_as_the_record_stood_then(reg: Any) -> None:
    ent = await reg.register(name="重庆旧名称科技有限公司")
    code = ent["uscc"]
    await _backdate(reg, code, True, dt.datetime(2024, 3, 1, 9, 0, tzinfo=CST))
    await reg.client.patch(f"/v1/enterprises/{code}", json={"name": "重庆新名称科技有限公司"}, headers=reg.admin)
    await _backdate(reg, code, True, dt.datetime(2025, 6, 30, 23, 30, tzinfo=CST))
    url = f"/v1/enterprises/{code}"
    assert (await reg.client.get(url, params={"as_of": "2023-12-31"}, headers=reg.admin)).status_code == 404
    then = (await reg.client.get(url, params={"as_of": "2025-06-29"}, headers=reg.admin)).json()
    assert then["name"] == "重庆旧名称科技有限公司" and then["version"] == 1 and then["as_of"] == "2025-06-29"
    # as_of a date is the end of that day in China time: 23:30 CST on 06-30 counts
    later = (await reg.client.get(url, params={"as_of": "2025-06-30"}, headers=reg.admin)).json()
    assert later["name"] == "重庆新名称科技有限公司" and later["version"] == 2
    now = (await reg.client.get(url, headers=reg.admin)).json()
    assert now["name"] == "重庆新名称科技有限公司" and now["as_of"] is None
    bad = await reg.client.get(url, params={"as_of": "yesterday"}, headers=reg.admin)
    assert bad.status_code == 422


async def test_districts_are_extensible_by_the_city(reg: Any) -> None:
    body = {"code": "510104", "name": "锦江区", "province": "四川省", "kind": "district"}
    assert (await reg.client.post("/v1/districts", json=body, headers=reg.op("500113"))).status_code == 403
    r = await reg.client.post("/v1/districts", json=body, headers=reg.op("500000"))
    assert r.status_code == 201, r.text
    assert (await reg.client.post("/v1/districts", json=body, headers=reg.admin)).status_code == 409
    bad = await reg.client.post("/v1/districts", json={**body, "code": "51A104", "kind": "planet"}, headers=reg.admin)
    assert {e["code"] for e in bad.json()["errors"]} == {"district_code_shape", "invalid_choice"}
    codes = [d["code"] for d in (await reg.client.get("/v1/districts", headers=reg.admin)).json()]
    assert "510104" in codes and "500113" in codes
    await reg.register(district_code="510104")
