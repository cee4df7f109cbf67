"""Bulk import and export: formats, round trips, per-row validation, reports, idempotence."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from tidu_registry.domain.districts import Districts
from tidu_registry.domain.enterprise import EnterpriseProfile, mask_phone
from tidu_registry.domain.errors import DomainValidationError
from tidu_registry.domain.import_rows import (
    ENTERPRISE_COLUMNS,
    INDICATOR_COLUMNS,
    ImportReport,
    Sheet,
    column_for_header,
    content_hash,
    enterprise_export_row,
    export_enterprises,
    export_indicators,
    import_file,
    indicator_export_row,
    read_tables,
    report_json,
    report_xlsx,
    write_csv,
    write_xlsx,
)
from tidu_registry.domain.indicators import YearlyIndicators, parse_indicators
from tidu_registry.domain.uscc import make_uscc
from tidu_registry.domain.xlsx import read_xlsx

MakeProfile = Callable[..., EnterpriseProfile]
SENSITIVE = frozenset({"legal_rep_id_number", "legal_rep_phone"})


@pytest.fixture
def run_import(districts: Districts, today: date) -> Callable[..., ImportReport]:
    def run(data: bytes, known: dict[str, date] | None = None) -> ImportReport:
        return import_file(data, districts=districts, today=today, known_enterprises=known)

    return run


@pytest.fixture
def profiles(make_profile: MakeProfile) -> list[EnterpriseProfile]:
    return [
        make_profile(uscc=make_uscc(1)),
        make_profile(
            uscc=make_uscc(2), name='=HYPERLINK("x")公司', main_product="-传感器", own_brand=None, contacts=[]
        ),
        make_profile(uscc=make_uscc(3, authority="Y"), niche_market_since=None, legal_rep_id_number="E12345678"),
    ]


@pytest.fixture
def years(indicator_data: Callable[..., dict[str, Any]], today: date) -> list[tuple[str, YearlyIndicators]]:
    parse = lambda **over: parse_indicators(indicator_data(**over), established_on=date(2018, 4, 1), today=today)  # noqa: E731
    return [
        (make_uscc(1), parse()),
        (make_uscc(1), parse(year=2023, net_profit="-12.345678", market_share_pct="0.5")),
        (make_uscc(2), parse(operating_revenue="123456789012.123456", rd_expense_over_revenue_explained=True)),
        (make_uscc(3), parse_indicators({"year": 2022}, established_on=None, today=today)),
    ]


def without_sensitive(profile: EnterpriseProfile) -> EnterpriseProfile:
    """What a row of an export reads as: masked values left out (kept), the contact's phone masked
    (resolved against the stored contacts when the import applies the row)."""
    contacts = tuple(replace(c, phone=mask_phone(c.phone) if c.phone else None) for c in profile.contacts)
    return replace(profile, legal_rep_id_number=None, legal_rep_phone=None, contacts=contacts)


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("headers", ["name", "zh"])
def test_enterprises_round_trip(
    run_import: Callable[..., ImportReport], profiles: list[EnterpriseProfile], fmt: str, headers: str
) -> None:
    report = run_import(export_enterprises(profiles, fmt, headers=headers))  # type: ignore[arg-type]
    assert report.rejected == ()
    assert [r.profile for r in report.enterprises] == [without_sensitive(p) for p in profiles]
    assert all(r.kept_fields == SENSITIVE for r in report.enterprises)  # masked on export: keep what is stored
    assert [r.row for r in report.enterprises] == [2, 3, 4]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_indicators_round_trip_exactly(
    run_import: Callable[..., ImportReport], years: list[tuple[str, YearlyIndicators]], fmt: str
) -> None:
    known = {code: date(2018, 4, 1) for code, _ in years}
    report = run_import(export_indicators(years, fmt), known)  # type: ignore[arg-type]
    assert report.rejected == ()
    assert [(r.uscc, r.indicators) for r in report.indicators] == years


def test_export_columns_are_the_import_columns(profiles: list[EnterpriseProfile]) -> None:
    header = export_enterprises(profiles, "csv").decode("utf-8-sig").splitlines()[0].split(",")
    assert header == [c.name for c in ENTERPRISE_COLUMNS]
    assert all(column_for_header(c.name) == c.name for c in (*ENTERPRISE_COLUMNS, *INDICATOR_COLUMNS))
    assert all(column_for_header(c.zh_header) == c.name for c in (*ENTERPRISE_COLUMNS, *INDICATOR_COLUMNS))
    assert column_for_header(" *营业收入(万元) ") == "operating_revenue"
    assert column_for_header("OPERATING_REVENUE") == "operating_revenue"


def test_exports_mask_sensitive_values(profiles: list[EnterpriseProfile]) -> None:
    row = enterprise_export_row(profiles[0])
    assert row["legal_rep_phone"] == "138****5678"
    assert str(row["legal_rep_id_number"]).startswith("5001**********")
    assert row["contact_phone"] == "023****4567"  # the contact's phone too
    text = export_enterprises(profiles, "csv").decode("utf-8-sig")
    assert "13812345678" not in text and "02361234567" not in text
    assert profiles[0].legal_rep_id_number not in text  # type: ignore[operator]


def test_a_masked_contact_phone_is_read_as_sent_and_the_rest_of_the_contact_validated(
    run_import: Callable[..., ImportReport],
) -> None:
    header = "uscc,name,district_code,industry_code,established_on,contact_name,contact_phone,contact_email"
    lines = [
        f"{make_uscc(1)},重庆甲有限公司,500113,C3825,2018-04-01,李四,023****4567,li@example.cn",
        f"{make_uscc(2)},重庆乙有限公司,500113,C3825,2018-04-01,,023****4567,",
        f"{make_uscc(3)},重庆丙有限公司,500113,C3825,2018-04-01,王五,023****4567,not-an-email",
    ]
    report = run_import(("\n".join([header, *lines]) + "\n").encode())
    assert [c.phone for r in report.enterprises for c in r.profile.contacts] == ["023****4567"]
    assert {(i.row, i.column, i.code) for i in report.rejected} == {
        (3, "contact_name", "required"),
        (4, "contact_email", "email_invalid"),
    }


def test_csv_neutralises_formulas_and_import_restores_the_text(profiles: list[EnterpriseProfile]) -> None:
    text = export_enterprises(profiles, "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert "'-传感器" in text


def test_xlsx_writes_formula_like_text_as_text(profiles: list[EnterpriseProfile]) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(export_enterprises(profiles, "xlsx")))
    sheet = workbook["enterprises"]
    cell = sheet.cell(row=3, column=2)
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("x")公司'


def test_xlsx_cells_are_typed(years: list[tuple[str, YearlyIndicators]]) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(export_indicators(years, "xlsx")), read_only=True)
    rows = list(workbook["indicators"].iter_rows(values_only=True))
    workbook.close()
    header = rows[0]
    first = dict(zip(header, rows[1], strict=False))
    assert first["year"] == 2024
    assert first["operating_revenue"] == 3000
    assert first["quality_cert"] is True
    big = dict(zip(header, rows[3], strict=False))
    assert big["operating_revenue"] == "123456789012.123456"  # 18 digits: written as text to stay exact


# --- encodings and layouts -----------------------------------------------------------------------

HEADER = "uscc,name,district_code,industry_code,established_on"


def csv_rows(*lines: str) -> str:
    return "\r\n".join([HEADER, *lines]) + "\r\n"


def test_csv_with_and_without_bom_and_in_gbk_reads_the_same(run_import: Callable[..., ImportReport]) -> None:
    text = csv_rows(f"{make_uscc(5)},重庆甲乙科技有限公司,500113,C3825,2018-04-01")
    reports = [
        run_import(text.encode("utf-8")),
        run_import(text.encode("utf-8-sig")),
        run_import(text.encode("gbk")),
    ]
    assert all(len(r.enterprises) == 1 and r.rejected == () for r in reports)
    assert {r.enterprises[0].profile.name for r in reports} == {"重庆甲乙科技有限公司"}
    assert len({r.content_hash for r in reports}) == 1


def test_tab_separated_and_chinese_headers(run_import: Callable[..., ImportReport]) -> None:
    text = (
        "统一社会信用代码\t企业名称\t所属区县代码\t行业代码\t成立日期\n"
        + f"{make_uscc(6)}\t某某公司\t500114\tI6510\t2019/5/6\n"
    )
    report = run_import(text.encode("utf-8"))
    assert report.rejected == ()
    assert report.enterprises[0].profile.established_on == date(2019, 5, 6)


def test_bad_rows_are_reported_with_row_and_column_and_good_rows_still_pass(
    run_import: Callable[..., ImportReport],
) -> None:
    text = csv_rows(
        f"{make_uscc(7)},重庆甲公司,500113,C3825,2018-04-01",
        "91110108551385082A,重庆乙公司,999999,C3825,2018-04-01",
        ",,,,",  # a blank row keeps its number
        f"{make_uscc(8).lower()} ,重庆丙公司,500113,X1,2099-01-01",
    )
    report = run_import(text.encode("utf-8"))
    assert [r.row for r in report.enterprises] == [2]
    assert [(i.row, i.column, i.code) for i in report.rejected] == [
        (3, "uscc", "uscc_check_char"),
        (3, "district_code", "unknown_district"),
        (5, "industry_code", "industry_code_shape"),
        (5, "established_on", "date_in_future"),
    ]
    assert report.rows_total == 3
    assert report.rejected_rows == 2
    assert all(i.sheet == "csv" and i.message_zh and i.message_en for i in report.rejected)


def test_the_reported_column_is_the_header_as_written(run_import: Callable[..., ImportReport]) -> None:
    text = (
        "统一社会信用代码,企业名称,所属区县代码,行业代码,成立日期,联系人电话\n"
        + f"{make_uscc(9)},某某公司,500113,C3825,2018-01-01,12\n"
    )
    report = run_import(text.encode("utf-8"))
    assert [(i.column, i.code) for i in report.rejected] == [
        ("contact_name", "required"),
        ("联系人电话", "phone_invalid"),
    ]


def test_unknown_columns_are_warnings(run_import: Callable[..., ImportReport]) -> None:
    text = (
        "uscc,name,district_code,industry_code,established_on,remarks,name\n"
        + f"{make_uscc(10)},某某公司,500113,C3825,2018-01-01,x,y\n"
    )
    report = run_import(text.encode("utf-8"))
    assert len(report.enterprises) == 1
    assert [(w.row, w.column, w.code) for w in report.warnings] == [
        (1, "remarks", "unknown_column"),
        (1, "name", "duplicate_column"),
    ]


def test_a_table_without_its_key_column_is_rejected_once_on_the_header(run_import: Callable[..., ImportReport]) -> None:
    report = run_import("name,district_code\n某某公司,500113\n某某二公司,500113\n".encode())
    assert [(i.row, i.column, i.code) for i in report.rejected] == [(1, "uscc", "missing_column")]
    assert report.rejected_rows == 2
    assert report.accepted == ()


def test_indicators_need_a_known_enterprise_or_one_in_the_same_file(
    run_import: Callable[..., ImportReport],
    profiles: list[EnterpriseProfile],
    years: list[tuple[str, YearlyIndicators]],
) -> None:
    workbook = write_xlsx(
        [
            Sheet("indicators", INDICATOR_COLUMNS, [indicator_export_row(c, y) for c, y in years]),  # first on purpose
            Sheet("enterprises", ENTERPRISE_COLUMNS, [enterprise_export_row(profiles[0])]),
        ]
    )
    report = run_import(workbook, {make_uscc(2): date(2018, 4, 1)})
    assert [(r.uscc, r.indicators.year) for r in report.indicators] == [
        (make_uscc(1), 2024),
        (make_uscc(1), 2023),
        (make_uscc(2), 2024),
    ]
    assert [(i.sheet, i.row, i.column, i.code) for i in report.rejected] == [
        ("indicators", 5, "uscc", "enterprise_unknown")
    ]


def test_years_are_checked_against_the_establishment_date(run_import: Callable[..., ImportReport]) -> None:
    code = make_uscc(11)
    report = run_import(f"uscc,year,employees\n{code},2015,10\n{code},2024,10\n".encode(), {code: date(2018, 4, 1)})
    assert [(i.row, i.column, i.code) for i in report.rejected] == [(2, "year", "year_before_establishment")]


def test_one_table_may_carry_profiles_and_years_together(run_import: Callable[..., ImportReport]) -> None:
    code = make_uscc(12)
    text = (
        "uscc,name,district_code,industry_code,established_on,year,operating_revenue,rd_expense\n"
        f"{code},某某公司,500113,C3825,2018-01-01,2023,1000,50\n"
        f"{code},某某公司,500113,C3825,2018-01-01,2024,1200,60\n"
        f"{code},某某公司,500113,C3825,2018-01-01,2017,1200,60\n"
        f"{make_uscc(13)},某某公司,500113,X,2018-01-01,2024,1200,6000\n"
    )
    report = run_import(text.encode())
    assert len(report.enterprises) == 1  # the same profile on every row counts once
    assert [y.indicators.year for y in report.indicators] == [2023, 2024]
    assert [(i.row, i.column, i.code) for i in report.rejected] == [
        (4, "year", "year_before_establishment"),
        (5, "industry_code", "industry_code_shape"),
        (5, "rd_expense", "rd_expense_exceeds_revenue"),
    ]


def test_identical_duplicates_count_once_and_conflicting_ones_are_rejected(
    run_import: Callable[..., ImportReport],
) -> None:
    code = make_uscc(14)
    text = csv_rows(
        f"{code},重庆甲公司,500113,C3825,2018-04-01",
        f"{code},重庆甲公司,500113,C3825,2018-04-01",
        f"{code},重庆乙公司,500113,C3825,2018-04-01",
    )
    report = run_import(text.encode())
    assert len(report.enterprises) == 1
    assert [r for r in report.accepted] == [("csv", 2), ("csv", 3)]
    assert [(i.row, i.code) for i in report.rejected] == [(4, "duplicate_row_conflict")]
    assert "2" in report.rejected[0].message_zh


# --- idempotence and reports ---------------------------------------------------------------------


def test_the_same_file_twice_gives_the_same_hash_and_the_same_rows(
    run_import: Callable[..., ImportReport], profiles: list[EnterpriseProfile]
) -> None:
    data = export_enterprises(profiles, "xlsx")
    first, second = run_import(data), run_import(data)
    assert first == second
    other = run_import(export_enterprises(profiles[:2], "xlsx"))
    assert other.content_hash != first.content_hash


def test_the_hash_ignores_blank_rows_and_trailing_separators(run_import: Callable[..., ImportReport]) -> None:
    line = f"{make_uscc(15)},重庆甲公司,500113,C3825,2018-04-01"
    assert (
        run_import(csv_rows(line).encode()).content_hash == run_import(csv_rows("", line + ",,").encode()).content_hash
    )


def test_json_report(run_import: Callable[..., ImportReport]) -> None:
    lines = [f"{make_uscc(20 + i)},重庆甲公司,500113,C3825,2018-04-01" for i in range(4)]
    lines.insert(2, "91110108551385082A,重庆乙公司,500113,C3825,2018-04-01")
    document = report_json(run_import(csv_rows(*lines).encode()))
    assert document["rows_total"] == 5
    assert (document["accepted_count"], document["rejected_count"]) == (4, 1)
    assert document["accepted_rows"] == [{"sheet": "csv", "ranges": [[2, 3], [5, 6]]}]
    assert document["rejected"] == [
        {
            "sheet": "csv",
            "row": 4,
            "column": "uscc",
            "code": "uscc_check_char",
            "message": document["rejected"][0]["message"],
            "message_en": document["rejected"][0]["message_en"],
        }
    ]


def test_xlsx_report_lists_every_rejection(run_import: Callable[..., ImportReport]) -> None:
    report = run_import(csv_rows("91110108551385082A,重庆乙公司,999999,C3825,2018-04-01").encode())
    workbook = openpyxl.load_workbook(io.BytesIO(report_xlsx(report)), read_only=True)
    rejected = list(workbook["rejected"].iter_rows(values_only=True))
    summary = dict(workbook["summary"].iter_rows(values_only=True))  # type: ignore[arg-type]
    workbook.close()
    assert rejected[0] == ("工作表", "行号", "列", "错误代码", "说明", "说明（英文）")
    assert [(r[1], r[2], r[3]) for r in rejected[1:]] == [
        (2, "uscc", "uscc_check_char"),
        (2, "district_code", "unknown_district"),
    ]
    assert summary["未导入 rejected"] == 1


# --- files that cannot be read -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "file_empty"),
        (b"\r\n , \r\n", "file_empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "file_format"),
        (b"PK\x03\x04not really a zip", "file_unreadable"),
        (b"\xff\xfe\x00\xd8\x00\xdc", "file_encoding"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(
    data: bytes, code: str, run_import: Callable[..., ImportReport]
) -> None:
    with pytest.raises(DomainValidationError) as caught:
        run_import(data)
    assert caught.value.codes == (code,)


def test_too_many_rows(districts: Districts, today: date) -> None:
    text = csv_rows(*[f"{make_uscc(i)},某某公司,500113,C3825,2018-04-01" for i in range(3)])
    with pytest.raises(DomainValidationError) as caught:
        import_file(text.encode(), districts=districts, today=today, max_rows=2)
    assert caught.value.codes == ("too_many_rows",)


# --- the fast XLSX reader against openpyxl -------------------------------------------------------


def openpyxl_rows(data: bytes) -> list[tuple[str, list[list[object]]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        result = []
        for sheet in workbook.worksheets:
            rows = []
            for row in sheet.iter_rows(values_only=True):
                cells = list(row)
                while cells and cells[-1] is None:
                    cells.pop()
                rows.append(cells)
            result.append((sheet.title, rows))
        return result
    finally:
        workbook.close()


def fast_rows(data: bytes) -> list[tuple[str, list[list[object]]]]:
    return [(name, [cells for _, cells in rows]) for name, rows in read_xlsx(data)]


def test_fast_reader_agrees_with_openpyxl_on_a_workbook_with_shared_strings_and_styles() -> None:
    workbook = openpyxl.Workbook()  # the normal writer: shared strings, styles, as Excel saves
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "企业"
    sheet.append(["uscc", "name", "established_on", "flag", "money", "count", "blank", "text_number"])
    sheet.append([make_uscc(1), "重庆甲公司", date(2018, 4, 1), True, 1234.56, 12, None, "00123"])
    sheet.append(
        [make_uscc(2), "重庆乙公司", datetime(2019, 5, 6, 0, 0), False, Decimal("0.1"), -3, None, "=not a formula"]
    )
    sheet["H3"].data_type = "s"
    sheet.cell(row=5, column=3, value="gap row after an empty one")
    sheet["J2"] = 7  # a cell beyond the header
    second = workbook.create_sheet("indicators")
    second.append(["uscc", "year"])
    second.append([make_uscc(1), 2024])
    workbook.create_sheet("empty")
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    fast = fast_rows(data)
    slow = openpyxl_rows(data)
    assert [name for name, _ in fast] == [name for name, _ in slow] == ["企业", "indicators", "empty"]
    for (_, fast_sheet), (_, slow_sheet) in zip(fast, slow, strict=True):
        assert [r for r in fast_sheet if r] == [r for r in slow_sheet if r]
    assert fast[0][1][1][2] == datetime(2018, 4, 1)


def test_fast_reader_handles_the_1904_date_system_and_inline_strings() -> None:
    workbook = openpyxl.Workbook()
    workbook.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["d", "s"])
    sheet.append([date(2020, 2, 29), "文字"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert fast_rows(buffer.getvalue()) == openpyxl_rows(buffer.getvalue())
    written = write_xlsx([Sheet("s", INDICATOR_COLUMNS[:2], [{"uscc": "x", "year": 2024}])])  # inline strings
    assert fast_rows(written) == openpyxl_rows(written)


def test_csv_writer_and_reader_agree_on_quoting() -> None:
    columns = ENTERPRISE_COLUMNS[:2]
    data = write_csv(columns, [{"uscc": "a", "name": '带,逗号和"引号"\n换行'}])
    (table,) = read_tables(data)
    assert table.rows == ((2, ("a", '带,逗号和"引号"\n换行')),)
    assert content_hash([table]) == content_hash(read_tables(data))


def test_a_sheet_without_known_columns_is_skipped_with_a_warning(
    run_import: Callable[..., ImportReport], profiles: list[EnterpriseProfile]
) -> None:
    notes = Sheet("说明", (replace(ENTERPRISE_COLUMNS[0], name="notes", zh="填表说明"),), [{"notes": "请勿修改表头"}])
    report = run_import(
        write_xlsx([notes, Sheet("enterprises", ENTERPRISE_COLUMNS, [enterprise_export_row(profiles[0])])])
    )
    assert len(report.enterprises) == 1
    assert [(w.sheet, w.code) for w in report.warnings] == [("说明", "unknown_column"), ("说明", "no_known_columns")]
    assert (report.rows_total, report.rejected_rows) == (1, 0)  # rows of a skipped sheet are not counted
    assert report.rejected == ()


def test_an_indicator_row_without_its_uscc(run_import: Callable[..., ImportReport]) -> None:
    report = run_import(b"uscc,year,employees\n,2024,10\n")
    assert [(i.row, i.column, i.code) for i in report.rejected] == [(2, "uscc", "required")]
