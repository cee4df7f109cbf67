"""Bulk import and export over HTTP: per-row validation with a JSON and an XLSX report, idempotent
re-upload, indicators, access, limits, and the export → import round trip that changes nothing."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from tidu_registry.domain.uscc import make_uscc
from tidu_registry.models import enterprises, indicators, outbox, revisions

HEADER = "uscc,name,district_code,industry_code,established_on,own_brand,legal_rep_phone"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


async def upload(reg: Any, data: bytes, name: str = "f.csv", headers: dict[str, str] | None = None) -> Any:
    return await reg.client.post("/v1/imports", files={"file": (name, data)}, headers=headers or reg.admin)


async def test_rows_validated_on_their_own_with_a_report(reg: Any) -> None:
    a, b = make_uscc(), make_uscc()
    data = csv_bytes(
        f"{a},重庆甲科技有限公司,500113,C3825,2018-04-01,是,13812345678",
        f"{b.lower()} ,重庆乙科技有限公司,500114,C3983,2019/5/6,false,",
        "91110108551385082A,重庆丙有限公司,999999,X1,2999-01-01,maybe,123",
        f"{make_uscc()},,500113,C3825,,,",
    )
    r = await upload(reg, data)
    assert r.status_code == 201, r.text
    body = r.json()
    report = body["report"]
    assert (report["rows_total"], report["accepted_count"], report["rejected_count"]) == (4, 2, 2)
    assert report["accepted_rows"] == [{"sheet": "csv", "ranges": [[2, 3]]}]
    bad_row = {(i["column"], i["code"]) for i in report["rejected"] if i["row"] == 4}
    assert bad_row == {
        ("uscc", "uscc_check_char"),
        ("district_code", "unknown_district"),
        ("industry_code", "industry_code_shape"),
        ("established_on", "date_in_future"),
        ("own_brand", "invalid_boolean"),
        ("legal_rep_phone", "phone_invalid"),
    }
    assert {(i["column"], i["code"]) for i in report["rejected"] if i["row"] == 5} == {
        ("name", "required"),
        ("established_on", "required"),
    }
    assert all(i["message"] for i in report["rejected"])
    assert body["outcome"]["registered"] == 2
    got = (await reg.client.get(f"/v1/enterprises/{b}", headers=reg.admin)).json()
    assert got["established_on"] == "2019-05-06" and got["own_brand"] is False
    history = (await reg.client.get(f"/v1/enterprises/{a}/history", headers=reg.admin)).json()
    assert {h["source"] for h in history} == {"import"}
    assert len(await reg.events("enterprise.registered.v1")) == 2

    x = await reg.client.get(f"/v1/imports/{body['id']}/report.xlsx", headers=reg.admin)
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(x.content), read_only=True)
    rows = list(wb["rejected"].iter_rows(values_only=True))
    assert rows[0][:3] == ("工作表", "行号", "列") and len(rows) == 1 + 8
    assert {(r[1], r[2], r[3]) for r in rows[1:]} >= {(4, "uscc", "uscc_check_char"), (5, "name", "required")}
    again = await reg.client.get(f"/v1/imports/{body['id']}", headers=reg.admin)
    assert again.json()["report"] == report


async def test_the_same_file_twice_changes_nothing(reg: Any) -> None:
    code = make_uscc()
    data = csv_bytes(f"{code},重庆甲科技有限公司,500113,C3825,2018-04-01,是,")
    first = await upload(reg, data)
    counts = [await reg.count(t) for t in (enterprises, revisions, outbox)]
    second = await upload(reg, b"\xef\xbb\xbf" + data, name="copy.csv")  # a BOM more: the same cells
    assert second.status_code == 200
    assert second.json()["repeated"] is True and second.json()["id"] == first.json()["id"]
    assert [await reg.count(t) for t in (enterprises, revisions, outbox)] == counts
    # the same rows in another file (another hash) are applied again, and change nothing either
    reordered = csv_bytes(
        f"重庆甲科技有限公司,{code},500113,C3825,2018-04-01,是,",
        header="name,uscc,district_code,industry_code,established_on,own_brand,legal_rep_phone",
    )
    third = await upload(reg, reordered)
    assert third.status_code == 201 and third.json()["outcome"]["profiles_unchanged"] == 1
    assert [await reg.count(t) for t in (enterprises, revisions, outbox)] == counts


async def test_indicator_rows_need_their_enterprise_and_restate(reg: Any) -> None:
    known = await reg.register()
    code = known["uscc"]
    header = "uscc,year,employees,rd_staff,operating_revenue,main_business_revenue,rd_expense"
    data = csv_bytes(
        f"{code},2024,120,30,3000,2400,120",
        f"{make_uscc()},2024,10,1,100,90,5",
        f"{code},2023,10,20,100,90,5",
        header=header,
    )
    r = await upload(reg, data)
    report = r.json()["report"]
    assert {(i["row"], i["code"]) for i in report["rejected"]} == {
        (3, "enterprise_unknown"),
        (4, "rd_staff_exceeds_employees"),
    }
    assert r.json()["outcome"]["years_reported"] == 1
    got = (await reg.client.get(f"/v1/enterprises/{code}/indicators/2024", headers=reg.admin)).json()
    assert got["operating_revenue"] == "3000" and got["source"] == "import"
    restate = await upload(reg, csv_bytes(f"{code},2024,120,30,3100,2400,120", header=header))
    assert restate.json()["outcome"] == {**restate.json()["outcome"], "years_restated": 1}
    event = (await reg.events("indicators_reported.v1"))[-1]["data"]
    assert event["restated"] is True and event["changed_fields"] == ["operating_revenue"]
    assert event["indicators"]["rd_expense"] == "120"  # absent columns keep their stored values


async def test_profile_and_indicators_in_one_workbook(reg: Any) -> None:
    code = make_uscc()
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "indicators"
    ws.append(["统一社会信用代码", "年度", "营业收入（万元）", "从业人员（年平均）"])
    ws.append([code, 2024, 1234.5, 12])
    profiles = wb.create_sheet("企业")
    profiles.append(["*统一社会信用代码", "企业名称", "所属区县代码", "行业代码", "成立日期", "备注"])
    profiles.append([code, "重庆工作簿科技有限公司", "500113", "C3825", "2020-01-01", "ignored"])
    buf = io.BytesIO()
    wb.save(buf)
    r = await upload(reg, buf.getvalue(), name="book.xlsx")
    assert r.status_code == 201, r.text
    assert r.json()["report"]["accepted_count"] == 2
    assert r.json()["report"]["warnings"][0]["code"] == "unknown_column"
    got = (await reg.client.get(f"/v1/enterprises/{code}/indicators/2024", headers=reg.admin)).json()
    assert got["operating_revenue"] == "1234.5" and got["employees"] == 12


async def test_district_operators_import_their_own_district(reg: Any) -> None:
    mine, theirs = make_uscc(), make_uscc()
    stored_elsewhere = await reg.register(district_code="500114")
    data = csv_bytes(
        f"{mine},重庆甲科技有限公司,500113,C3825,2018-04-01,,",
        f"{theirs},黔江乙科技有限公司,500114,C3825,2018-04-01,,",
        f"{stored_elsewhere['uscc']},搬来的公司,500113,C3825,2018-04-01,,",
    )
    r = await upload(reg, data, headers=reg.op("500113"))
    report = r.json()["report"]
    assert {(i["row"], i["code"]) for i in report["rejected"]} == {(3, "other_district"), (4, "other_district")}
    assert (await reg.client.get(f"/v1/enterprises/{theirs}", headers=reg.admin)).status_code == 404
    assert (await reg.client.get(f"/v1/imports/{r.json()['id']}", headers=reg.op("500114"))).status_code == 404
    assert (await reg.client.get(f"/v1/imports/{r.json()['id']}", headers=reg.op("500113"))).status_code == 200
    for headers in (reg.ent(mine), reg.comm("c1"), reg.h("department", dept="500113-kjj")):
        assert (await upload(reg, data, headers=headers)).status_code == 403


async def test_unreadable_files_are_refused_as_a_whole(reg: Any) -> None:
    r = await upload(reg, b"PK\x03\x04 not really a zip", name="x.xlsx")
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "file_unreadable"
    r = await upload(reg, b"\xd0\xcf\x11\xe0 old excel", name="x.xls")
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "file_format"
    r = await upload(reg, b"\n\n", name="empty.csv")
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "file_empty"
    r = await reg.client.post("/v1/imports", data={"file": "text"}, headers=reg.admin)
    assert r.status_code == 422
    too_many = csv_bytes(*[f"{make_uscc(i)},名称{i}公司,500113,C3825,2018-04-01,," for i in range(6)])
    reg.app.state.settings.import_max_rows = 5
    r = await upload(reg, too_many)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "too_many_rows"


async def test_oversized_upload_is_413(app_client_factory: Any, auth_header: Any) -> None:
    async with app_client_factory(
        "registry", run_relay=False, run_consumers=False, qualification_job_enabled=False, import_max_bytes=2000
    ) as (_, client):
        r = await client.post("/v1/imports", files={"file": ("big.csv", b"x" * 5000)}, headers=auth_header("admin"))
        assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


async def test_export_then_import_changes_nothing(reg: Any) -> None:
    for i in range(3):
        ent = await reg.register(
            **reg.full_body(
                name=f"=重庆导出{i}有限公司",
                contacts=[{"name": "甲", "phone": "13800000000"}, {"name": "乙", "email": "b@example.cn"}],
            )
        )
        await reg.put_indicators(ent["uscc"], 2024, net_profit="-1.25")
    await reg.register(district_code="500114")
    counts = [await reg.count(t) for t in (enterprises, indicators, revisions, outbox)]
    for fmt in ("csv", "xlsx"):
        exported = await reg.client.get("/v1/exports/enterprises", params={"format": fmt}, headers=reg.op())
        assert exported.status_code == 200
        assert exported.headers["content-disposition"].endswith(f'.{fmt}"')
        r = await upload(reg, exported.content, name=f"enterprises.{fmt}")
        assert r.json()["report"]["accepted_count"] == 3, r.json()["report"]["rejected"]
        assert r.json()["outcome"]["profiles_unchanged"] == 3
        figures = await reg.client.get("/v1/exports/indicators", params={"format": fmt, "year": 2024}, headers=reg.op())
        r = await upload(reg, figures.content, name=f"indicators.{fmt}")
        assert r.json()["outcome"]["years_unchanged"] == 3, r.json()
    assert [await reg.count(t) for t in (enterprises, indicators, revisions, outbox)] == counts
    text = (await reg.client.get("/v1/exports/enterprises", params={"format": "csv"}, headers=reg.op())).text
    assert "13812345678" not in text and "138****5678" in text and "'=重庆导出0有限公司" in text
    assert (await reg.client.get("/v1/exports/enterprises", headers=reg.ent(ent["uscc"]))).status_code == 403


async def test_large_uploads_validated_in_buckets_give_the_same_report(
    app_client_factory: Any, auth_header: Any
) -> None:
    """The worker-process path (forced here with a low threshold) reports exactly as the one-piece path."""
    known = make_uscc()
    lines = [f"{make_uscc(i + 5_000)},重庆分桶{i}有限公司,500113,C3825,2018-04-01,是," for i in range(30)]
    lines += [
        "91110108551385082A,坏的,999999,X1,2999-01-01,maybe,123",
        f"{known},重庆已登记公司,500113,C3825,2018-04-01,,",
    ]
    lines += [lines[3], lines[3].replace("是,", "否,")]  # a duplicate, and a conflicting duplicate
    data = csv_bytes(*lines)
    reports = []
    for threshold in (1_000_000, 2):
        async with app_client_factory(
            "registry",
            run_relay=False,
            run_consumers=False,
            qualification_job_enabled=False,
            import_parallel_from_rows=threshold,
        ) as (_, client):
            admin = auth_header("admin")
            body = {
                "uscc": known,
                "name": "重庆已登记公司",
                "district_code": "500113",
                "industry_code": "C3825",
                "established_on": "2018-04-01",
            }
            assert (await client.post("/v1/enterprises", json=body, headers=admin)).status_code == 201
            r = await client.post("/v1/imports", files={"file": ("f.csv", data)}, headers=admin)
            assert r.status_code == 201, r.text
            reports.append((r.json()["report"], r.json()["outcome"]))
    (one, one_outcome), (buckets, bucket_outcome) = reports
    assert buckets == one
    assert bucket_outcome == one_outcome == {**one_outcome, "registered": 30, "profiles_unchanged": 1}
    assert {(i["row"], i["code"]) for i in one["rejected"]} >= {(32, "uscc_check_char"), (35, "duplicate_row_conflict")}
