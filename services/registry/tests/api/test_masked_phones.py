"""The contacts' and the commissioners' phones: stored in full (sealed), masked in every response
(profile, ``as_of``, history, exports, commissioners, an enterprise's commissioner), and a masked
phone sent back (a PATCH of what was read, a re-imported export) keeps the stored number without a
statement or an event; a masked phone that stands for no stored number is refused (``masked_value``)."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from sqlalchemy import select

from tidu_registry.domain.uscc import make_uscc
from tidu_registry.models import commissioners, enterprises, outbox, revisions

FIRST, SECOND = "13700001111", "13600002222"
FIRST_SHOWN, SECOND_SHOWN = "137****1111", "136****2222"
COMMISSIONER_PHONE, COMMISSIONER_SHOWN = "13900001111", "139****1111"
CONTACTS = [
    {"name": "李四", "role": "财务", "phone": FIRST, "email": "li@example.cn"},
    {"name": "王五", "role": "销售", "phone": SECOND, "email": None},
]


async def _with_contacts(reg: Any) -> dict[str, Any]:
    r = await reg.client.post("/v1/enterprises", json=reg.full_body(contacts=CONTACTS), headers=reg.admin)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def _stored_contacts(reg: Any, uscc: str) -> list[dict[str, Any]]:
    """The contacts as stored, opened by the column's decrypting type."""
    async with reg.app.state.db.read() as s:
        return (  # type: ignore[no-any-return]
            await s.execute(select(enterprises.c.contacts).where(enterprises.c.uscc == uscc))
        ).scalar_one()


async def _stored_commissioner_phone(reg: Any, cid: str) -> str | None:
    async with reg.app.state.db.read() as s:
        return (  # type: ignore[no-any-return]
            await s.execute(select(commissioners.c.phone).where(commissioners.c.id == cid))
        ).scalar_one()


def _phones(profile: dict[str, Any]) -> list[str | None]:
    return [c["phone"] for c in profile["contacts"]]


def _no_full_phone(text: str) -> bool:
    return all(p not in text for p in (FIRST, SECOND, COMMISSIONER_PHONE))


async def test_contacts_phones_are_masked_in_every_profile_response(reg: Any) -> None:
    created = await _with_contacts(reg)
    uscc = created["uscc"]
    assert _phones(created) == [FIRST_SHOWN, SECOND_SHOWN]
    assert created["contacts"][0]["name"] == "李四" and created["contacts"][0]["email"] == "li@example.cn"

    got = await reg.client.get(f"/v1/enterprises/{uscc}", headers=reg.ent(uscc))
    assert _phones(got.json()) == [FIRST_SHOWN, SECOND_SHOWN] and _no_full_phone(got.text)

    patched = await reg.client.patch(f"/v1/enterprises/{uscc}", json={"own_brand": False}, headers=reg.op())
    assert patched.status_code == 200 and _phones(patched.json()) == [FIRST_SHOWN, SECOND_SHOWN]

    as_of = await reg.client.get(f"/v1/enterprises/{uscc}", params={"as_of": "2100-01-01"}, headers=reg.admin)
    assert _phones(as_of.json()) == [FIRST_SHOWN, SECOND_SHOWN] and _no_full_phone(as_of.text)

    changed = await reg.client.patch(
        f"/v1/enterprises/{uscc}", json={"contacts": [{"name": "赵六", "phone": "023-61234567"}]}, headers=reg.op()
    )
    assert changed.status_code == 200 and _phones(changed.json()) == ["023****4567"]
    history = await reg.client.get(f"/v1/enterprises/{uscc}/history", params={"field": "contacts"}, headers=reg.admin)
    statements = history.json()
    assert [[c["phone"] for c in s["new"]] for s in statements] == [[FIRST_SHOWN, SECOND_SHOWN], ["023****4567"]]
    assert [c["phone"] for c in statements[1]["old"]] == [FIRST_SHOWN, SECOND_SHOWN]
    assert _no_full_phone(history.text) and "02361234567" not in history.text
    # The events never carried the contacts.
    assert all(_no_full_phone(str(e)) and "02361234567" not in str(e) for e in await reg.events())


async def test_export_files_mask_the_contact_phone(reg: Any) -> None:
    uscc = (await _with_contacts(reg))["uscc"]
    csv_text = (await reg.client.get("/v1/exports/enterprises", params={"format": "csv"}, headers=reg.op())).text
    assert FIRST_SHOWN in csv_text and _no_full_phone(csv_text)
    xlsx = await reg.client.get("/v1/exports/enterprises", params={"format": "xlsx"}, headers=reg.op())
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    header, *rows = list(sheet.iter_rows(values_only=True))
    row = next(r for r in rows if r[header.index("uscc")] == uscc)
    assert row[header.index("contact_phone")] == FIRST_SHOWN and row[header.index("contact_name")] == "李四"


async def test_a_profile_patched_back_as_read_changes_nothing(reg: Any) -> None:
    uscc = (await _with_contacts(reg))["uscc"]
    got = await reg.client.get(f"/v1/enterprises/{uscc}", headers=reg.ent(uscc))
    read = got.json()
    editable = {k: v for k, v in read.items() if k not in ("size_class", "size_class_year", "pool_stage")}
    for k in ("commissioner_id", "created_at", "updated_at", "version", "as_of"):
        editable.pop(k)
    counts = [await reg.count(t) for t in (revisions, outbox)]
    r = await reg.client.patch(
        f"/v1/enterprises/{uscc}", json=editable, headers={**reg.ent(uscc), "If-Match": got.headers["etag"]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["version"] == read["version"] == 1 and _phones(r.json()) == [FIRST_SHOWN, SECOND_SHOWN]
    assert [await reg.count(t) for t in (revisions, outbox)] == counts  # no statement, no event
    assert [c["phone"] for c in await _stored_contacts(reg, uscc)] == [FIRST, SECOND]


async def test_masked_contact_phones_keep_the_stored_numbers_when_the_list_changes(reg: Any) -> None:
    uscc = (await _with_contacts(reg))["uscc"]
    shown = (await reg.client.get(f"/v1/enterprises/{uscc}", headers=reg.admin)).json()["contacts"]
    # The first contact removed: the second keeps its number (same name), a new one is added in full.
    body = {"contacts": [shown[1], {"name": "赵六", "phone": "13500003333"}]}
    r = await reg.client.patch(f"/v1/enterprises/{uscc}", json=body, headers=reg.op())
    assert r.status_code == 200, r.text
    assert _phones(r.json()) == [SECOND_SHOWN, "135****3333"] and r.json()["version"] == 2
    assert [(c["name"], c["phone"]) for c in await _stored_contacts(reg, uscc)] == [
        ("王五", SECOND),
        ("赵六", "13500003333"),
    ]
    history = (await reg.client.get(f"/v1/enterprises/{uscc}/history", headers=reg.admin)).json()
    assert [h["field"] for h in history if h["old"] is not None] == ["contacts"]


async def test_a_masked_contact_phone_that_stands_for_nothing_is_refused(reg: Any) -> None:
    uscc = (await _with_contacts(reg))["uscc"]
    counts = [await reg.count(t) for t in (revisions, outbox)]
    for contacts in (
        [{"name": "李四", "phone": "137****9999"}],  # not the stored number's mask
        [{"name": "李四", "phone": FIRST_SHOWN}, {"name": "赵六", "phone": "137****1111"}],  # a new contact
    ):
        r = await reg.client.patch(f"/v1/enterprises/{uscc}", json={"contacts": contacts}, headers=reg.op())
        assert r.status_code == 422, r.text
        errors = r.json()["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [(f"contacts[{len(contacts) - 1}].phone", "masked_value")]
        assert "请填写完整号码" in errors[0]["message"]
    assert [await reg.count(t) for t in (revisions, outbox)] == counts
    assert [c["phone"] for c in await _stored_contacts(reg, uscc)] == [FIRST, SECOND]


async def test_commissioner_phone_is_masked_in_every_response(reg: Any) -> None:
    uscc = (await reg.register())["uscc"]
    created = await reg.commissioner("c-mask")
    assert created["phone"] == COMMISSIONER_SHOWN
    responses = [
        await reg.client.get("/v1/commissioners", headers=reg.op()),
        await reg.client.get("/v1/commissioners/c-mask", headers=reg.op()),
        await reg.client.get("/v1/commissioners/c-mask", headers=reg.comm("c-mask")),
        await reg.client.patch("/v1/commissioners/c-mask", json={"organisation": "区经信委"}, headers=reg.op()),
        await reg.client.put(
            f"/v1/enterprises/{uscc}/commissioner", json={"commissioner_id": "c-mask"}, headers=reg.admin
        ),
        await reg.client.get(f"/v1/enterprises/{uscc}/commissioner", headers=reg.admin),
    ]
    assert [r.status_code for r in responses] == [200] * 6
    assert responses[0].json()[0]["phone"] == COMMISSIONER_SHOWN
    assert {r.json()["phone"] for r in responses[1:4]} == {COMMISSIONER_SHOWN}
    assert {r.json()["current"]["phone"] for r in responses[4:]} == {COMMISSIONER_SHOWN}
    assert all(COMMISSIONER_PHONE not in r.text for r in responses)
    assert all(COMMISSIONER_PHONE not in str(e) for e in await reg.events())
    assert await _stored_commissioner_phone(reg, "c-mask") == COMMISSIONER_PHONE


async def test_commissioner_patched_back_keeps_its_phone_and_a_foreign_mask_is_refused(reg: Any) -> None:
    await reg.commissioner("c-back")
    read = (await reg.client.get("/v1/commissioners/c-back", headers=reg.op())).json()
    back = {k: read[k] for k in ("name", "phone", "email", "organisation", "active")}
    r = await reg.client.patch("/v1/commissioners/c-back", json={**back, "name": "王专员二"}, headers=reg.op())
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["phone"]) == ("王专员二", COMMISSIONER_SHOWN)
    assert await _stored_commissioner_phone(reg, "c-back") == COMMISSIONER_PHONE

    r = await reg.client.patch("/v1/commissioners/c-back", json={"phone": "139****9999"}, headers=reg.op())
    assert r.status_code == 422
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("phone", "masked_value")]
    assert "请填写完整号码" in r.json()["errors"][0]["message"]
    r = await reg.client.post(
        "/v1/commissioners",
        json={"id": "c-new", "name": "李专员", "phone": COMMISSIONER_SHOWN, "district_code": "500113"},
        headers=reg.admin,
    )
    assert r.status_code == 422 and [e["code"] for e in r.json()["errors"]] == ["masked_value"]
    assert await _stored_commissioner_phone(reg, "c-back") == COMMISSIONER_PHONE


async def test_export_reimported_keeps_every_stored_contact_phone(reg: Any) -> None:
    uscc = (await _with_contacts(reg))["uscc"]
    counts = [await reg.count(t) for t in (enterprises, revisions, outbox)]
    for fmt in ("csv", "xlsx"):
        exported = await reg.client.get("/v1/exports/enterprises", params={"format": fmt}, headers=reg.op())
        r = await reg.client.post("/v1/imports", files={"file": (f"e.{fmt}", exported.content)}, headers=reg.admin)
        assert r.status_code == 201, r.text
        assert r.json()["report"]["rejected"] == [] and r.json()["outcome"]["profiles_unchanged"] == 1
    assert [await reg.count(t) for t in (enterprises, revisions, outbox)] == counts
    assert [c["phone"] for c in await _stored_contacts(reg, uscc)] == [FIRST, SECOND]


async def test_an_imported_masked_contact_phone_that_stands_for_nothing_rejects_its_row(reg: Any) -> None:
    uscc = (await _with_contacts(reg))["uscc"]
    new = make_uscc()
    header = "uscc,name,district_code,industry_code,established_on,contact_name,contact_phone,year,employees"
    lines = [
        f"{uscc},重庆示例传感科技有限公司,500113,C3983,2018-04-01,李四,137****9999,2024,10",  # wrong mask
        f"{new},重庆新导入有限公司,500113,C3983,2018-04-01,李四,{FIRST_SHOWN},2024,10",  # nothing stored
    ]
    data = ("\n".join([header, *lines]) + "\n").encode()
    r = await reg.client.post("/v1/imports", files={"file": ("f.csv", data)}, headers=reg.admin)
    assert r.status_code == 201, r.text
    report = r.json()["report"]
    assert (report["accepted_count"], report["rejected_count"]) == (0, 2)
    assert [(i["row"], i["column"], i["code"]) for i in report["rejected"]] == [
        (2, "contact_phone", "masked_value"),
        (3, "contact_phone", "masked_value"),
    ]
    assert all("请填写完整号码" in i["message"] for i in report["rejected"])
    assert (await reg.client.get(f"/v1/enterprises/{new}", headers=reg.admin)).status_code == 404
    assert (await reg.client.get(f"/v1/enterprises/{uscc}/indicators/2024", headers=reg.admin)).status_code == 404
    assert [c["phone"] for c in await _stored_contacts(reg, uscc)] == [FIRST, SECOND]
