"""Bulk import and export of enterprises and yearly indicators (CSV and XLSX).

One set of column definitions serves both directions, so that an exported file imports unchanged.

Reading (:func:`read_tables`): XLSX is recognised by its signature (a ZIP), anything else is CSV. CSV is
UTF-8 with or without BOM, or GBK/GB18030 as Excel saves "CSV" on Chinese Windows; comma- or
tab-separated. Every non-empty sheet of a workbook is a table; the first non-blank row is its header;
blank rows are skipped but keep their numbers, so a reported row is the row a spreadsheet shows.

Headers: a column is known by its field name (``operating_revenue``, any case), its Chinese label
(``营业收入``) or the label with its unit (``营业收入（万元）``); a leading ``*`` (a template's "required"
mark) is ignored. A table with enterprise columns (besides ``uscc``) carries profiles; one with a
``year`` column carries yearly indicators; a table may carry both (one row per enterprise and year).
Unknown columns are reported as warnings and ignored.

Validation (:func:`validate_tables`): each row stands alone and is accepted or rejected as a whole;
a rejected row lists every violation as (sheet, row, column, code, message). Decisions:

- blank cells are "not reported" (``None``), not "keep the stored value"; masked values
  (``5001**********1234``, as exports show them) are "keep the stored value" (``kept_fields``); a
  masked ``contact_phone`` stays in the row's contact as it is (the rest of the contact validated):
  only the stored contacts tell what it stands for, so the import resolves it when it applies the
  row (``enterprise.restore_contact_phones``) and rejects the row when it stands for nothing;
- an indicator row needs its enterprise: in the same upload (an accepted profile, any sheet) or in
  ``known_enterprises`` (the registry's USCC → ``established_on``), else ``enterprise_unknown``;
- the same enterprise (or enterprise and year) twice with identical content counts once; with
  different content the later row is rejected (``duplicate_row_conflict``), naming the first;
- the file's content hash (:func:`content_hash`: SHA-256 of the cells, not of the bytes, so a BOM or
  a re-save that changes nothing else keeps it) lets the service answer a second upload of the same
  file with the first report; and since unchanged values make no statements, re-applying the rows
  changes nothing either;
- a file is refused as a whole only when it cannot be read, or holds more than ``max_rows`` data rows;
  a table that lacks a required column (``uscc``; ``year`` for indicators) has all its rows rejected
  with one issue on its header row.

Writing: CSV is UTF-8 with BOM (Excel opens it correctly) with booleans ``true``/``false``, ISO dates
and exact decimals; XLSX has typed cells (numbers, dates, booleans). Text cells that a spreadsheet
would run as a formula (``=``, ``+``, ``-``, ``@``) are neutralised: a ``'`` prefix in CSV (removed
again on import), a string-typed cell in XLSX. Sensitive values are exported masked.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from tidu_registry.domain import uscc as uscc_rules
from tidu_registry.domain.districts import Districts
from tidu_registry.domain.enterprise import (
    PROFILE_SPECS,
    EnterpriseProfile,
    check_profile,
    is_masked,
    mask_value,
    strip_masked,
    with_masked_phone,
)
from tidu_registry.domain.errors import DomainValidationError, Violation
from tidu_registry.domain.indicators import INDICATOR_SPECS, YEAR_SPEC, YearlyIndicators, check_indicators
from tidu_registry.domain.values import FieldSpec, Kind, clean_text, is_blank, plain_decimal
from tidu_registry.domain.xlsx import XlsxError, read_xlsx

MAX_ROWS = 200_000
HeaderStyle = Literal["name", "zh"]
Format = Literal["csv", "xlsx"]


# --- columns -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    zh: str
    kind: Kind
    unit: str | None = None

    @property
    def zh_header(self) -> str:
        return f"{self.zh}（{self.unit}）" if self.unit else self.zh

    def header(self, style: HeaderStyle) -> str:
        return self.name if style == "name" else self.zh_header


def _column(spec: FieldSpec) -> Column:
    return Column(spec.name, spec.zh, spec.kind, spec.unit)


CONTACT_COLUMNS: tuple[Column, ...] = (
    Column("contact_name", "联系人姓名", Kind.TEXT),
    Column("contact_role", "联系人职务", Kind.TEXT),
    Column("contact_phone", "联系人电话", Kind.TEXT),
    Column("contact_email", "联系人邮箱", Kind.TEXT),
)
ENTERPRISE_COLUMNS: tuple[Column, ...] = tuple(_column(s) for s in PROFILE_SPECS) + CONTACT_COLUMNS
INDICATOR_COLUMNS: tuple[Column, ...] = (
    _column(PROFILE_SPECS[0]),
    _column(YEAR_SPEC),
    *(_column(s) for s in INDICATOR_SPECS),
)
_ENTERPRISE_NAMES = frozenset(c.name for c in ENTERPRISE_COLUMNS)
_INDICATOR_NAMES = frozenset(c.name for c in INDICATOR_COLUMNS)
_COLUMNS: dict[str, Column] = {c.name: c for c in (*ENTERPRISE_COLUMNS, *INDICATOR_COLUMNS)}
_TEXT_FIELDS = frozenset(c.name for c in _COLUMNS.values() if c.kind is Kind.TEXT)


def _header_key(raw: object) -> str:
    return clean_text(raw).lstrip("*").strip().casefold().replace(" ", "")


_ALIASES: dict[str, str] = {
    _header_key(alias): column.name
    for column in _COLUMNS.values()
    for alias in (column.name, column.zh, column.zh_header)
}


def column_for_header(header: object) -> str | None:
    """The field name a header cell stands for, or ``None`` when unknown."""
    return _ALIASES.get(_header_key(header))


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Table:
    sheet: str
    header_row: int
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[object, ...]], ...]


def _file_error(code: str, zh: str, en: str) -> DomainValidationError:
    return DomainValidationError([Violation("file", code, zh, en)])


def _table(sheet: str, numbered: Iterable[tuple[int, Sequence[object]]]) -> Table | None:
    header: tuple[str, ...] | None = None
    header_row = 0
    rows: list[tuple[int, tuple[object, ...]]] = []
    for number, cells in numbered:
        if all(is_blank(c) for c in cells):
            continue
        cells = list(cells)
        while is_blank(cells[-1]):  # trailing blanks: readers and editors differ in how many they keep
            cells.pop()
        if header is None:
            header, header_row = tuple("" if is_blank(c) else clean_text(c) for c in cells), number
        else:
            rows.append((number, tuple(cells)))
    return None if header is None else Table(sheet, header_row, header, tuple(rows))


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error("file_encoding", "无法识别文件编码（应为 UTF-8 或 GBK）", "the file is neither UTF-8 nor GBK")


def _csv_tables(data: bytes) -> list[Table]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = _table("csv", enumerate(reader, start=1))
    return [] if table is None else [table]


def _openpyxl_tables(data: bytes) -> list[Table]:
    from openpyxl import load_workbook  # only when the fast reader gives up

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors alike
        raise _file_error("file_unreadable", "无法读取该 Excel 文件", f"cannot read the workbook: {exc}") from None
    try:
        tables = [_table(sheet.title, enumerate(sheet.iter_rows(values_only=True), start=1)) for sheet in workbook]
        return [t for t in tables if t is not None]
    finally:
        workbook.close()


def _xlsx_tables(data: bytes) -> list[Table]:
    """Every non-empty sheet, read by the fast reader (:mod:`.xlsx`), or by openpyxl where it gives up."""
    try:
        tables = [_table(name, rows) for name, rows in read_xlsx(data)]
    except XlsxError:
        return _openpyxl_tables(data)
    return [t for t in tables if t is not None]


def read_tables(data: bytes, *, max_rows: int = MAX_ROWS) -> list[Table]:
    """The tables of an uploaded CSV or XLSX file."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_error("file_format", "不支持 .xls 格式，请另存为 .xlsx 或 .csv", "save .xls files as .xlsx or .csv")
    tables = _xlsx_tables(data) if data.startswith(b"PK\x03\x04") else _csv_tables(data)
    if not tables:
        raise _file_error("file_empty", "文件中没有数据", "the file holds no data")
    count = sum(len(t.rows) for t in tables)
    if count > max_rows:
        raise _file_error(
            "too_many_rows",
            f"单个文件最多 {max_rows} 行，实际 {count} 行",
            f"at most {max_rows} rows per file, found {count}",
        )
    return tables


def content_hash(tables: Iterable[Table]) -> str:
    """SHA-256 of the tables' cells (header and data rows; blank rows, row numbers and sheet names left
    out). Cells are hashed through their ``repr``, which is exact for the types a reader yields."""
    digest = hashlib.sha256()
    for table in tables:
        digest.update(repr(table.header).encode())
        for _, cells in table.rows:
            digest.update(repr(cells).encode())
        digest.update(b"\x1d")
    return digest.hexdigest()


# --- validation ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowIssue:
    sheet: str
    row: int
    column: str
    code: str
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, object]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message_zh,
            "message_en": self.message_en,
        }


@dataclass(frozen=True, slots=True)
class EnterpriseRow:
    sheet: str
    row: int
    profile: EnterpriseProfile
    kept_fields: frozenset[str]  # masked in the file: keep the stored values


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    sheet: str
    row: int
    uscc: str
    indicators: YearlyIndicators


@dataclass(frozen=True, slots=True)
class ImportReport:
    content_hash: str
    rows_total: int
    accepted: tuple[tuple[str, int], ...]  # (sheet, row)
    enterprises: tuple[EnterpriseRow, ...]
    indicators: tuple[IndicatorRow, ...]
    rejected: tuple[RowIssue, ...]
    warnings: tuple[RowIssue, ...] = ()

    @property
    def rejected_rows(self) -> int:
        return self.rows_total - len(self.accepted)


@dataclass(frozen=True, slots=True)
class _Layout:
    """How a table's columns map onto fields, and which parts (profile, indicators) its rows carry."""

    table: Table
    columns: dict[str, int]  # field → cell index
    enterprise: bool
    indicators: bool
    warnings: list[RowIssue]
    missing: list[str]  # required columns the table lacks
    text_fields: tuple[str, ...]

    def header_of(self, name: str) -> str:
        index = self.columns.get(name)
        return self.table.header[index] if index is not None else name


def _layout(table: Table) -> _Layout:
    columns: dict[str, int] = {}
    warnings: list[RowIssue] = []
    for index, header in enumerate(table.header):
        if not header:
            continue
        name = column_for_header(header)
        if name is None or name in columns:
            code, zh, en = (
                ("unknown_column", f"未识别的列“{header}”，已忽略", f"unknown column {header!r} ignored")
                if name is None
                else ("duplicate_column", f"重复的列“{header}”，已忽略", f"duplicate column {header!r} ignored")
            )
            warnings.append(RowIssue(table.sheet, table.header_row, header, code, zh, en))
            continue
        columns[name] = index
    names = set(columns)
    enterprise = bool(names & (_ENTERPRISE_NAMES - {"uscc"}))
    indicators = bool(names & (_INDICATOR_NAMES - {"uscc"}))
    if not (enterprise or indicators):
        warnings.append(
            RowIssue(
                table.sheet,
                table.header_row,
                "",
                "no_known_columns",
                "未识别到任何已知的列，该表已跳过",
                "no known columns: table skipped",
            )
        )
    required = ({"uscc"} if enterprise or indicators else set()) | ({"year"} if indicators else set())
    return _Layout(
        table,
        columns,
        enterprise,
        indicators,
        warnings,
        missing=sorted(required - names),
        text_fields=tuple(name for name in columns if name in _TEXT_FIELDS),
    )


def _unguard(value: str) -> str:
    """Undo the CSV formula guard: ``'=x`` → ``=x``."""
    return value[1:] if len(value) > 1 and value[1] in "=+-@\t\r" else value


def _cells(layout: _Layout, cells: tuple[object, ...]) -> dict[str, object]:
    width = len(cells)
    values = {name: cells[i] if i < width else None for name, i in layout.columns.items()}
    for name in layout.text_fields:
        value = values[name]
        if isinstance(value, str) and value.startswith("'"):
            values[name] = _unguard(value)
    return values


def _issue_column(violation_field: str) -> str:
    if violation_field.startswith("contacts"):
        _, _, sub = violation_field.partition("].")
        return f"contact_{sub or 'name'}"
    return violation_field


def _enterprise_part(
    values: Mapping[str, object], *, districts: Districts, today: date
) -> tuple[EnterpriseProfile | None, frozenset[str], list[Violation]]:
    data = {k: v for k, v in values.items() if k in _ENTERPRISE_NAMES and not k.startswith("contact_")}
    contact = {c.name[len("contact_") :]: values.get(c.name) for c in CONTACT_COLUMNS}
    if not all(is_blank(v) for v in contact.values()):
        data["contacts"] = [contact]
    masked_phone = clean_text(contact["phone"]) if is_masked(contact["phone"]) else None
    if masked_phone is not None:
        contact["phone"] = None  # resolved against the stored contacts when the row is applied
    data, kept = strip_masked(data)
    profile, violations = check_profile(data, districts=districts, today=today)
    if profile is not None and masked_phone is not None:
        profile = replace(profile, contacts=(replace(profile.contacts[0], phone=masked_phone),))
    return profile, kept, violations


@dataclass(slots=True)
class _Run:
    districts: Districts
    today: date
    known: Mapping[str, date]
    enterprises: dict[str, EnterpriseRow] = field(default_factory=dict)
    indicators: dict[tuple[str, int], IndicatorRow] = field(default_factory=dict)
    accepted: list[tuple[str, int]] = field(default_factory=list)
    rejected: list[RowIssue] = field(default_factory=list)


def _duplicate(sheet: str, row: int) -> Violation:
    return Violation(
        "uscc",
        "duplicate_row_conflict",
        f"与{sheet}第{row}行重复且内容不同",
        f"conflicts with row {row} of {sheet}: same enterprise (and year), different content",
    )


def _indicator_part(
    run: _Run, values: Mapping[str, object], *, with_profile: bool, row_profile: EnterpriseProfile | None
) -> tuple[str, YearlyIndicators | None, list[Violation]]:
    """The indicator part of a row; ``with_profile``: the row carries its enterprise's profile too
    (``row_profile``, ``None`` when that part is invalid)."""
    raw = values.get("uscc")
    if is_blank(raw):
        code, problem = "", Violation("uscc", "required", "统一社会信用代码为必填项", "uscc is required")
    else:
        code, problem = uscc_rules.check(raw)
    violations = [problem] if problem is not None else []
    established: date | None = None
    if with_profile:
        established = row_profile.established_on if row_profile is not None else None
    elif problem is None:
        in_file = run.enterprises.get(code)
        established = in_file.profile.established_on if in_file is not None else run.known.get(code)
        if established is None:
            violations.append(
                Violation(
                    "uscc",
                    "enterprise_unknown",
                    f"企业 {code} 尚未登记：请先登记，或在同一文件中提供其企业信息",
                    f"enterprise {code} is not registered: register it first or include its profile",
                )
            )
    record, found = check_indicators(values, established_on=established, today=run.today)
    violations.extend(found)
    return code, record, violations


def _validate_row(run: _Run, layout: _Layout, number: int, cells: tuple[object, ...]) -> None:
    sheet = layout.table.sheet
    values = _cells(layout, cells)
    violations: list[Violation] = []
    profile: EnterpriseProfile | None = None
    kept: frozenset[str] = frozenset()
    if layout.enterprise:
        profile, kept, found = _enterprise_part(values, districts=run.districts, today=run.today)
        violations.extend(found)
    record: YearlyIndicators | None = None
    code = ""
    if layout.indicators:
        code, record, found = _indicator_part(run, values, with_profile=layout.enterprise, row_profile=profile)
        seen = {(v.field, v.code) for v in violations}
        violations.extend(v for v in found if (v.field, v.code) not in seen)
    if not violations and profile is not None:
        earlier = run.enterprises.get(profile.uscc)
        if earlier is not None and (earlier.profile, earlier.kept_fields) != (profile, kept):
            violations.append(_duplicate(earlier.sheet, earlier.row))
    if not violations and record is not None:
        earlier_year = run.indicators.get((code, record.year))
        if earlier_year is not None and earlier_year.indicators != record:
            violations.append(_duplicate(earlier_year.sheet, earlier_year.row))
    if violations:
        run.rejected.extend(
            RowIssue(sheet, number, layout.header_of(_issue_column(v.field)), v.code, v.message_zh, v.message_en)
            for v in violations
        )
        return
    if profile is not None:
        run.enterprises.setdefault(profile.uscc, EnterpriseRow(sheet, number, profile, kept))
    if record is not None:
        run.indicators.setdefault((code, record.year), IndicatorRow(sheet, number, code, record))
    run.accepted.append((sheet, number))


def validate_tables(
    tables: Sequence[Table],
    *,
    districts: Districts,
    today: date,
    known_enterprises: Mapping[str, date] | None = None,
) -> ImportReport:
    """Validate every row of ``tables`` on its own; see the module notes.

    Tables that carry profiles are read first, so that indicator-only tables find the enterprises of
    the same upload whatever the sheet order.
    """
    layouts = [_layout(t) for t in tables]
    run = _Run(districts, today, known_enterprises or {})
    warnings: list[RowIssue] = []
    for layout in sorted(layouts, key=lambda lay: not lay.enterprise):
        warnings.extend(layout.warnings)
        table = layout.table
        if layout.missing:
            run.rejected.extend(
                RowIssue(
                    table.sheet,
                    table.header_row,
                    name,
                    "missing_column",
                    f"缺少必需的列“{_COLUMNS[name].zh}”（{name}），该表 {len(table.rows)} 行均未导入",
                    f"required column {name} is missing: none of the {len(table.rows)} rows imported",
                )
                for name in layout.missing
            )
            continue
        if not (layout.enterprise or layout.indicators):
            continue
        for number, cells in table.rows:
            _validate_row(run, layout, number, cells)
    return ImportReport(
        content_hash=content_hash(tables),
        rows_total=sum(len(lay.table.rows) for lay in layouts if lay.enterprise or lay.indicators),
        accepted=tuple(run.accepted),
        enterprises=tuple(run.enterprises.values()),
        indicators=tuple(run.indicators.values()),
        rejected=tuple(run.rejected),
        warnings=tuple(warnings),
    )


def import_file(
    data: bytes,
    *,
    districts: Districts,
    today: date,
    known_enterprises: Mapping[str, date] | None = None,
    max_rows: int = MAX_ROWS,
) -> ImportReport:
    """Read and validate an uploaded file (raises :class:`DomainValidationError` only when unreadable)."""
    tables = read_tables(data, max_rows=max_rows)
    return validate_tables(tables, districts=districts, today=today, known_enterprises=known_enterprises)


# --- reports -------------------------------------------------------------------------------------


def _ranges(numbers: Iterable[int]) -> list[list[int]]:
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return spans


def report_json(report: ImportReport) -> dict[str, Any]:
    """The report as JSON: counts, accepted rows as ranges per sheet, every rejection and warning."""
    by_sheet: dict[str, list[int]] = {}
    for sheet, row in report.accepted:
        by_sheet.setdefault(sheet, []).append(row)
    return {
        "content_hash": report.content_hash,
        "rows_total": report.rows_total,
        "accepted_count": len(report.accepted),
        "rejected_count": report.rejected_rows,
        "enterprises": len(report.enterprises),
        "indicator_years": len(report.indicators),
        "accepted_rows": [{"sheet": s, "ranges": _ranges(sorted(rows))} for s, rows in by_sheet.items()],
        "rejected": [issue.as_dict() for issue in report.rejected],
        "warnings": [issue.as_dict() for issue in report.warnings],
    }


REPORT_COLUMNS = ("sheet", "row", "column", "code", "message", "message_en")
REPORT_HEADERS_ZH = ("工作表", "行号", "列", "错误代码", "说明", "说明（英文）")


def report_xlsx(report: ImportReport) -> bytes:
    """The rejection report as a workbook: a ``rejected`` sheet (one line per violation, then the
    warnings) and a ``summary`` sheet."""
    issues = [issue.as_dict() for issue in (*report.rejected, *report.warnings)]
    summary = [
        {"item": "行数 rows", "value": report.rows_total},
        {"item": "导入 accepted", "value": len(report.accepted)},
        {"item": "未导入 rejected", "value": report.rejected_rows},
        {"item": "文件指纹 content hash", "value": report.content_hash},
    ]
    return _workbook(
        [
            ("rejected", REPORT_HEADERS_ZH, [[i[c] for c in REPORT_COLUMNS] for i in issues]),
            ("summary", ("项目", "值"), [[s["item"], s["value"]] for s in summary]),
        ]
    )


# --- export --------------------------------------------------------------------------------------


def enterprise_export_row(profile: EnterpriseProfile) -> dict[str, object]:
    """A profile as one export row: typed values, sensitive ones masked, the first contact (its phone
    masked)."""
    row: dict[str, object] = {spec.name: mask_value(spec.name, getattr(profile, spec.name)) for spec in PROFILE_SPECS}
    contact = profile.contacts[0] if profile.contacts else None
    for column in CONTACT_COLUMNS:
        row[column.name] = getattr(contact, column.name[len("contact_") :]) if contact else None
    return with_masked_phone(row, "contact_phone")


def indicator_export_row(uscc: str, indicators: YearlyIndicators) -> dict[str, object]:
    return {"uscc": uscc, "year": indicators.year, **{s.name: getattr(indicators, s.name) for s in INDICATOR_SPECS}}


def _formula_like(value: str) -> bool:
    return bool(value) and value[0] in "=+-@\t\r"


def _csv_cell(column: Column, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if column.kind is Kind.TEXT and _formula_like(text) else text


def write_csv(
    columns: Sequence[Column], rows: Iterable[Mapping[str, object]], *, headers: HeaderStyle = "name"
) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header(headers) for c in columns])
    writer.writerows([_csv_cell(c, row.get(c.name)) for c in columns] for row in rows)
    return out.getvalue().encode("utf-8-sig")


_XLSX_EXACT_DIGITS = 15  # a double keeps 15 significant digits; longer decimals are written as text


def _xlsx_cell(value: object) -> object:
    if isinstance(value, Decimal):
        return plain_decimal(value) if len(value.normalize().as_tuple().digits) > _XLSX_EXACT_DIGITS else value
    return value


def _workbook(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[object]]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(list(header))
        for cells in rows:
            line: list[object] = []
            for value in cells:
                value = _xlsx_cell(value)
                if isinstance(value, str) and _formula_like(value):
                    cell = WriteOnlyCell(sheet, value)
                    cell.data_type = "s"  # text, never a formula
                    line.append(cell)
                else:
                    line.append(value)
            sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    rows: Iterable[Mapping[str, object]]


def _lines(columns: Sequence[Column], rows: Iterable[Mapping[str, object]]) -> Iterator[list[object]]:
    names = [c.name for c in columns]
    for row in rows:
        yield [row.get(name) for name in names]


def write_xlsx(sheets: Sequence[Sheet], *, headers: HeaderStyle = "name") -> bytes:
    return _workbook([(s.name, [c.header(headers) for c in s.columns], _lines(s.columns, s.rows)) for s in sheets])


def export_enterprises(
    profiles: Iterable[EnterpriseProfile], fmt: Format = "xlsx", *, headers: HeaderStyle = "name"
) -> bytes:
    rows: Iterator[dict[str, object]] = (enterprise_export_row(p) for p in profiles)
    if fmt == "csv":
        return write_csv(ENTERPRISE_COLUMNS, rows, headers=headers)
    return write_xlsx([Sheet("enterprises", ENTERPRISE_COLUMNS, rows)], headers=headers)


def export_indicators(
    rows: Iterable[tuple[str, YearlyIndicators]], fmt: Format = "xlsx", *, headers: HeaderStyle = "name"
) -> bytes:
    lines = (indicator_export_row(code, ind) for code, ind in rows)
    if fmt == "csv":
        return write_csv(INDICATOR_COLUMNS, lines, headers=headers)
    return write_xlsx([Sheet("indicators", INDICATOR_COLUMNS, lines)], headers=headers)
