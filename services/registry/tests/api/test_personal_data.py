"""Personal data in the registry: identity and phone numbers sealed at rest (rows and history),
masked in every response, absent from logs; key rotation; the 0004 migration; the data export."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select, text

from tidu_registry.domain.uscc import make_uscc
from tidu_registry.models import commissioners, enterprises
from tidu_registry.reseal import reseal
from tidu_shared import crypto
from tidu_shared.crypto import DataProtectionSettings, Keyring, new_key, parse_keys
from tidu_shared.logs import JsonFormatter
from tidu_shared.migrations import downgrade, upgrade

PHONE = "13812345678"
NEW_PHONE = "13987654321"
CONTACT_PHONE = "13700001111"
COMMISSIONER_PHONE = "13900001111"


async def _raw_dump(reg: Any) -> str:
    """Every text cell of the tables that hold personal data, as the database stores it."""
    async with reg.app.state.db.read() as s:
        out = []
        for sql in (
            "SELECT legal_rep_id_number, legal_rep_phone, contacts FROM enterprises",
            "SELECT changes FROM revisions",
            "SELECT phone FROM commissioners",
            "SELECT payload FROM outbox",
            "SELECT payload FROM changes",
        ):
            for row in (await s.execute(text(sql))).all():
                out.extend(v.decode() if isinstance(v, bytes) else str(v) for v in row)
    return "\n".join(out)


async def _personal_enterprise(reg: Any) -> tuple[str, str]:
    rid = reg.ric()
    ent = await reg.register(
        **reg.full_body(
            legal_rep_id_number=rid,
            legal_rep_phone=PHONE,
            contacts=[{"name": "李四", "role": "财务", "phone": CONTACT_PHONE, "email": "li@example.cn"}],
        )
    )
    r = await reg.client.patch(f"/v1/enterprises/{ent['uscc']}", json={"legal_rep_phone": NEW_PHONE}, headers=reg.admin)
    assert r.status_code == 200, r.text
    return ent["uscc"], rid


async def test_rows_and_history_hold_no_plaintext_and_responses_stay_masked(reg: Any) -> None:
    uscc, rid = await _personal_enterprise(reg)
    await reg.commissioner("comm-pd-1")
    await reg.assign(uscc, "comm-pd-1")

    raw = await _raw_dump(reg)
    for secret in (rid, PHONE, NEW_PHONE, CONTACT_PHONE, COMMISSIONER_PHONE):
        assert secret not in raw
    assert "tdk1:" in raw

    profile = (await reg.client.get(f"/v1/enterprises/{uscc}", headers=reg.admin)).json()
    assert profile["legal_rep_id_number"] == rid[:4] + "*" * 10 + rid[-4:]
    assert profile["legal_rep_phone"] == "139****4321"
    assert profile["contacts"][0]["phone"] == "137****1111"  # the contacts' phones masked too
    assert await _stored_contact_phones(reg, uscc) == [CONTACT_PHONE]  # stored in full (sealed)
    history = (await reg.client.get(f"/v1/enterprises/{uscc}/history", headers=reg.ent(uscc))).json()
    phones = [(h["old"], h["new"]) for h in history if h["field"] == "legal_rep_phone"]
    assert phones == [(None, "138****5678"), ("138****5678", "139****4321")]
    # "As of" replays the sealed statements: the record as it stood, masked.
    before = (await reg.client.get(f"/v1/enterprises/{uscc}?as_of=2100-01-01", headers=reg.admin)).json()
    assert before["legal_rep_phone"] == "139****4321"
    # A masked value sent back still means "unchanged".
    r = await reg.client.patch(
        f"/v1/enterprises/{uscc}", json={"legal_rep_phone": "139****4321"}, headers=reg.ent(uscc)
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    # The commissioner's phone is sealed, and masked for its owner too; a PATCH of what was read
    # keeps the stored number.
    me = await reg.client.get("/v1/commissioners/comm-pd-1", headers=reg.comm("comm-pd-1"))
    assert me.status_code == 200 and me.json()["phone"] == "139****1111"
    r = await reg.client.patch("/v1/commissioners/comm-pd-1", json={"phone": me.json()["phone"]}, headers=reg.admin)
    assert r.status_code == 200 and r.json()["phone"] == "139****1111"
    async with reg.app.state.db.read() as s:
        stored = (await s.execute(select(commissioners.c.phone).where(commissioners.c.id == "comm-pd-1"))).scalar_one()
    assert stored == COMMISSIONER_PHONE


async def _stored_contact_phones(reg: Any, uscc: str) -> list[str | None]:
    """The contacts' phones as stored, opened (the column's decrypting type)."""
    async with reg.app.state.db.read() as s:
        contacts = (await s.execute(select(enterprises.c.contacts).where(enterprises.c.uscc == uscc))).scalar_one()
    return [c["phone"] for c in contacts]


async def test_logs_never_carry_identity_or_phone_numbers(reg: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    uscc, rid = await _personal_enterprise(reg)
    await reg.client.get(f"/v1/enterprises/{uscc}/data-export", headers=reg.ent(uscc))
    bad = await reg.client.post(
        "/v1/enterprises",
        json=reg.body(legal_rep_id_number="500101199001011230x", legal_rep_phone=PHONE),
        headers=reg.admin,
    )
    assert bad.status_code == 422
    formatter = JsonFormatter("registry")
    lines = "\n".join(formatter.format(r) for r in caplog.records)
    assert lines  # something was logged
    for secret in (rid, PHONE, NEW_PHONE, CONTACT_PHONE):
        assert secret not in lines


async def _phone_cell(app: Any, uscc: str) -> str:
    async with app.state.db.read() as s:
        return str(
            (await s.execute(text("SELECT legal_rep_phone FROM enterprises WHERE uscc = :u"), {"u": uscc})).scalar_one()
        )


async def test_keys_rotate_old_values_read_new_values_use_the_current_key(
    app_client_factory: Any, auth_header: Any, test_databases: Any, keys_restored: None
) -> None:
    url = test_databases.fresh("registry")
    old_key, new = new_key(), new_key()
    admin = auth_header("admin", sub="admin-rot")
    body = {
        "uscc": make_uscc(),
        "name": "重庆轮换密钥测试有限公司",
        "district_code": "500113",
        "industry_code": "C3983",
        "established_on": "2018-04-01",
        "legal_rep_phone": PHONE,
    }
    opts: dict[str, Any] = {"run_relay": False, "run_consumers": False, "qualification_job_enabled": False}
    async with app_client_factory(
        "registry", database_url=url, data=DataProtectionSettings(keys=f"old={old_key}"), **opts
    ) as (app, client):
        assert (await client.post("/v1/enterprises", json=body, headers=admin)).status_code == 201
        assert (await _phone_cell(app, body["uscc"])).startswith("tdk1:old:")
    async with app_client_factory(
        "registry", database_url=url, data=DataProtectionSettings(keys=f"new={new},old={old_key}"), **opts
    ) as (app, client):
        got = (await client.get(f"/v1/enterprises/{body['uscc']}", headers=admin)).json()
        assert got["legal_rep_phone"] == "138****5678"  # sealed under the old key, still read
        r = await client.patch(f"/v1/enterprises/{body['uscc']}", json={"legal_rep_phone": NEW_PHONE}, headers=admin)
        assert r.status_code == 200 and r.json()["legal_rep_phone"] == "139****4321"
        assert (await _phone_cell(app, body["uscc"])).startswith("tdk1:new:")
        history = (await client.get(f"/v1/enterprises/{body['uscc']}/history", headers=admin)).json()
        assert [h["new"] for h in history if h["field"] == "legal_rep_phone"] == ["138****5678", "139****4321"]

    # Re-seal what is left under the old key; then the old key can go.
    counts = await reseal(url, Keyring(parse_keys(f"new={new},old={old_key}")))
    # the row was rewritten under the new key by the change; the registration's statement was not
    assert counts["enterprises"] == 0 and counts["revisions"] == 1
    assert await reseal(url, Keyring(parse_keys(f"new={new},old={old_key}"))) == {
        "enterprises": 0,
        "commissioners": 0,
        "revisions": 0,
    }
    async with app_client_factory(
        "registry", database_url=url, data=DataProtectionSettings(keys=f"new={new}"), **opts
    ) as (
        app,
        client,
    ):
        async with app.state.db.read() as s:
            history_text = " ".join(str(v) for v in (await s.execute(text("SELECT changes FROM revisions"))).scalars())
        assert "tdk1:old:" not in history_text and "tdk1:new:" in history_text
        history = (await client.get(f"/v1/enterprises/{body['uscc']}/history", headers=admin)).json()
        assert [h["new"] for h in history if h["field"] == "legal_rep_phone"] == ["138****5678", "139****4321"]


async def test_production_refuses_to_start_without_a_real_data_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from tidu_registry.settings import Settings

    monkeypatch.setenv("TIDU_ENVIRONMENT", "production")
    monkeypatch.setenv("TIDU_AUTH_JWKS_URL", "https://idp.example/jwks")
    monkeypatch.delenv("TIDU_DATA_KEYS", raising=False)
    with pytest.raises(ValidationError, match="TIDU_DATA_KEYS"):
        Settings()
    monkeypatch.setenv("TIDU_DATA_KEYS", f"k1={new_key()}")
    monkeypatch.setenv("TIDU_DATA_HASH_KEY", new_key())
    assert Settings().data.uses_development_key is False


async def test_migration_0004_seals_existing_rows_and_its_downgrade_opens_them(
    test_databases: Any, app_client_factory: Any, auth_header: Any
) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    url = test_databases.empty("registry")
    upgrade("tidu_registry", "registry", url, "0003")
    uscc, rid = make_uscc(), "500101199001011234"
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO enterprises (uscc, name, district_code, industry_code, established_on, created_at,"
                    " updated_at, version, legal_rep_id_number, legal_rep_phone, contacts) VALUES (:u, '旧数据公司',"
                    " '500113', 'C3983', '2018-04-01', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', 1,"
                    " :rid, :phone, :contacts)"
                ),
                {
                    "u": uscc,
                    "rid": rid,
                    "phone": PHONE,
                    "contacts": f'[{{"name": "李四", "phone": "{CONTACT_PHONE}"}}]',
                },
            )
            await conn.execute(
                text(
                    "INSERT INTO revisions (uscc, year, source, who, recorded_at, changes) VALUES (:u, NULL,"
                    " 'operator', 'op', '2026-01-01 00:00:00+00:00', :changes)"
                ),
                {
                    "u": uscc,
                    "changes": f'[{{"field": "name", "old": null, "new": "旧数据公司"}},'
                    f' {{"field": "legal_rep_phone", "old": null, "new": "{PHONE}"}}]',
                },
            )
            await conn.execute(
                text(
                    "INSERT INTO commissioners (id, name, phone, district_code, active, created_at, updated_at)"
                    " VALUES ('c-old', '王专员', :p, '500113', true, '2026-01-01 00:00:00+00:00',"
                    " '2026-01-01 00:00:00+00:00')"
                ),
                {"p": COMMISSIONER_PHONE},
            )

        async def dump() -> str:
            await engine.dispose()  # fresh connections: the migrations changed the column types
            async with engine.connect() as conn:
                cells = [
                    *(
                        await conn.execute(
                            text("SELECT legal_rep_id_number, legal_rep_phone, contacts FROM enterprises")
                        )
                    ).one(),
                    (await conn.execute(text("SELECT changes FROM revisions"))).scalar_one(),
                    (await conn.execute(text("SELECT phone FROM commissioners"))).scalar_one(),
                ]
            return "\n".join(str(c) for c in cells)

        upgrade("tidu_registry", "registry", url)
        sealed = await dump()
        for secret in (rid, PHONE, CONTACT_PHONE, COMMISSIONER_PHONE):
            assert secret not in sealed
        assert "旧数据公司" in sealed  # only the personal fields are sealed
        upgrade("tidu_registry", "registry", url)  # at head: nothing to do, nothing sealed twice
        assert await dump() == sealed

        admin = auth_header("admin", sub="admin-mig")
        opts: dict[str, Any] = {"run_relay": False, "run_consumers": False, "qualification_job_enabled": False}
        async with app_client_factory("registry", database_url=url, **opts) as (_app, client):
            got = (await client.get(f"/v1/enterprises/{uscc}", headers=admin)).json()
            assert got["legal_rep_id_number"] == "5001**********1234" and got["legal_rep_phone"] == "138****5678"
            assert got["contacts"][0]["phone"] == "137****1111"
            assert CONTACT_PHONE not in str(got)
            history = (await client.get(f"/v1/enterprises/{uscc}/history", headers=admin)).json()
            assert [h["new"] for h in history if h["field"] == "legal_rep_phone"] == ["138****5678"]

        downgrade("tidu_registry", "registry", url, "0003")
        opened = await dump()
        for secret in (rid, PHONE, CONTACT_PHONE, COMMISSIONER_PHONE):
            assert secret in opened
        assert "tdk1:" not in opened
    finally:
        await engine.dispose()


# --- the data export -------------------------------------------------------------------------------


async def test_data_export_holds_everything_masked_for_those_allowed(reg: Any) -> None:
    uscc, rid = await _personal_enterprise(reg)
    assert (await reg.put_indicators(uscc, 2025)).status_code in (200, 201)
    await reg.grant(uscc)
    await reg.commissioner("comm-pd-2")
    await reg.assign(uscc, "comm-pd-2")
    goal = await reg.client.post(
        f"/v1/enterprises/{uscc}/plan/goals", json={"title": "申报专精特新"}, headers=reg.admin
    )
    assert goal.status_code == 201, goal.text

    for headers in (reg.ent(uscc), reg.op("500113"), reg.op("500000"), reg.admin):
        r = await reg.client.get(f"/v1/enterprises/{uscc}/data-export", headers=headers)
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["service"] == "registry" and doc["uscc"] == uscc and doc["personal_data"] == "masked"
        sec = doc["sections"]
        assert sec["profile"]["legal_rep_phone"] == "139****4321"
        assert sec["profile"]["contacts"][0]["phone"] == "137****1111"
        assert {h["field"] for h in sec["history"]} >= {"name", "legal_rep_phone", "contacts"}
        assert [y["year"] for y in sec["indicators"]] == [2025]
        assert len(sec["qualifications"]) == 1
        assert sec["commissioner"]["current_id"] == "comm-pd-2"
        assert sec["commissioner"]["commissioners"][0]["phone"] == "139****1111"
        assert [g["title"] for g in sec["plan"]["goals"]] == ["申报专精特新"]
        for secret in (rid, PHONE, NEW_PHONE, CONTACT_PHONE, COMMISSIONER_PHONE):
            assert secret not in r.text


async def test_data_export_refused_to_others(reg: Any) -> None:
    uscc, _ = await _personal_enterprise(reg)
    other = await reg.register()
    r = await reg.client.get(f"/v1/enterprises/{uscc}/data-export", headers=reg.ent(other["uscc"]))
    assert r.status_code == 404 and r.json()["code"] == "enterprise_not_found"
    r = await reg.client.get(f"/v1/enterprises/{make_uscc()}/data-export", headers=reg.ent(other["uscc"]))
    assert r.status_code == 404 and r.json()["code"] == "enterprise_not_found"
    r = await reg.client.get(f"/v1/enterprises/{uscc}/data-export", headers=reg.op("500112"))
    assert r.status_code == 403 and r.json()["code"] == "other_district"
    for role, scope in (("department", {"dept": "500113-jrb"}), ("institution", {"inst": "demo-ccb"})):
        r = await reg.client.get(f"/v1/enterprises/{uscc}/data-export", headers=reg.h(role, **scope))
        assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    await reg.commissioner("comm-pd-3")
    await reg.assign(uscc, "comm-pd-3")
    r = await reg.client.get(f"/v1/enterprises/{uscc}/data-export", headers=reg.comm("comm-pd-3"))
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"


@pytest.fixture
def keys_restored() -> Any:
    saved = crypto._keyring
    yield
    crypto._keyring = saved
