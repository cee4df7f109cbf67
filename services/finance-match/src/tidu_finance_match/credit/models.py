"""Credit reports and the wire format of the credit-platform protocol.

Protocol (what :class:`~.http_client.HttpCreditPlatform` speaks and
:mod:`.simulator_app` serves)::

    GET {base_url}/v1/credit-reports/{uscc}
    X-Api-Key: <key>            (or HTTP basic auth, as the platform is configured)

    200 application/json
    {
      "uscc": "91500000MA5U7LJ13C",          # the code asked for
      "grade": "AA",                          # AAA AA A BBB BB B CCC CC C D, optional +/-
      "score": 812,                           # integer 0-1000, higher is better
      "records": [                            # may be empty
        {"kind": "loan", "date": "2024-05-10", "summary": "..."},
        ...
      ],
      "report_time": "2025-06-01T10:00:00+08:00"   # ISO 8601 with a UTC offset
    }
    404 → the platform does not know the USCC
    401 / 403 → bad credentials; other 4xx → bad request; 5xx / 429 → try again later

Unknown fields are ignored. A 200 whose body is not JSON, not an object, lacks
a field, has a field of the wrong type, a grade off the scale, a naive
timestamp or another enterprise's USCC is *malformed*
(:class:`~.errors.MalformedCreditResponse`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tidu_finance_match.credit.errors import MalformedCreditResponse
from tidu_finance_match.domain.credit_grades import is_valid_grade, normalize_grade

SCORE_MAX = 1000


@dataclass(frozen=True, slots=True)
class CreditRecord:
    kind: str
    """e.g. ``loan``, ``overdue``, ``court_judgment``, ``tax_arrears``, ``admin_penalty``, ``honour``."""
    occurred_on: date | None
    summary: str


@dataclass(frozen=True, slots=True)
class CreditReport:
    uscc: str
    grade: str
    score: int
    records: tuple[CreditRecord, ...]
    report_time: datetime
    source: str = ""


def _fail(field: str, problem: str) -> MalformedCreditResponse:
    return MalformedCreditResponse(f"{field}: {problem}", field=field)


def parse_credit_report(payload: Any, *, expected_uscc: str, source: str = "") -> CreditReport:
    """Validate a decoded JSON body; raise :class:`MalformedCreditResponse` naming the bad field."""
    if not isinstance(payload, dict):
        raise _fail("<body>", f"expected a JSON object, got {type(payload).__name__}")
    for name in ("uscc", "grade", "score", "records", "report_time"):
        if name not in payload:
            raise _fail(name, "missing")
    uscc = payload["uscc"]
    if not isinstance(uscc, str) or uscc.strip().upper() != expected_uscc:
        raise _fail("uscc", f"answer is for {uscc!r}, asked for {expected_uscc!r}")
    grade = payload["grade"]
    if not isinstance(grade, str) or not is_valid_grade(grade):
        raise _fail("grade", f"{grade!r} is not a credit grade")
    score = payload["score"]
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= SCORE_MAX:
        raise _fail("score", f"{score!r} is not an integer in 0..{SCORE_MAX}")
    raw_records = payload["records"]
    if not isinstance(raw_records, list):
        raise _fail("records", "expected a list")
    records = []
    for i, raw in enumerate(raw_records):
        if not isinstance(raw, dict):
            raise _fail(f"records[{i}]", "expected an object")
        kind, summary, day = raw.get("kind"), raw.get("summary", ""), raw.get("date")
        if not isinstance(kind, str) or not kind:
            raise _fail(f"records[{i}].kind", "missing or not text")
        if not isinstance(summary, str):
            raise _fail(f"records[{i}].summary", "not text")
        occurred = None
        if day is not None:
            try:
                occurred = date.fromisoformat(day) if isinstance(day, str) else None
            except ValueError:
                occurred = None
            if occurred is None:
                raise _fail(f"records[{i}].date", f"{day!r} is not a YYYY-MM-DD date")
        records.append(CreditRecord(kind=kind, occurred_on=occurred, summary=summary))
    raw_time = payload["report_time"]
    try:
        report_time = datetime.fromisoformat(raw_time) if isinstance(raw_time, str) else None
    except ValueError:
        report_time = None
    if report_time is None or report_time.tzinfo is None:
        raise _fail("report_time", f"{raw_time!r} is not an ISO 8601 time with a UTC offset")
    return CreditReport(
        uscc=expected_uscc,
        grade=normalize_grade(grade),
        score=score,
        records=tuple(records),
        report_time=report_time,
        source=source,
    )


def report_to_json(report: CreditReport) -> dict[str, Any]:
    return {
        "uscc": report.uscc,
        "grade": report.grade,
        "score": report.score,
        "records": [
            {
                "kind": r.kind,
                "date": r.occurred_on.isoformat() if r.occurred_on else None,
                "summary": r.summary,
            }
            for r in report.records
        ],
        "report_time": report.report_time.isoformat(),
    }
