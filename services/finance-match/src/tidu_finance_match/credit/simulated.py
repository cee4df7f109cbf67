"""``SimulatedCreditPlatform``: a deterministic in-process credit platform for ``make run`` and demos.

The grade and score follow from SHA-256 of the USCC, so the same enterprise
always gets the same answer:

- ``h = int(sha256(uscc))``; ``h % 100`` picks the grade from a distribution
  shaped like an SME population: 0-4 AAA, 5-19 AA, 20-44 A, 45-69 BBB,
  70-84 BB, 85-92 B, 93-96 CCC, 97 CC, 98 C, 99 D;
- the score lies inside the grade's band (AAA 900-1000 … D 0-299), at an
  offset taken from ``h // 100``;
- records: every enterprise has a ``loan`` record; grades B and below add an
  ``overdue`` record, CCC and below a ``court_judgment``.

A USCC with a bad check character, or one listed in ``unknown``, is not found
(``CreditReportNotFound``), like a real platform's 404. ``report_time`` is the
injectable clock's now. ``latency_seconds`` can simulate a slow platform.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta, timezone

from tidu_finance_match.credit.errors import CreditReportNotFound, InvalidUscc
from tidu_finance_match.credit.models import CreditRecord, CreditReport
from tidu_finance_match.credit.uscc import is_valid_uscc, normalize_uscc

_CST = timezone(timedelta(hours=8))

# (upper bound of h % 100, grade, score band)
_DISTRIBUTION: tuple[tuple[int, str, tuple[int, int]], ...] = (
    (5, "AAA", (900, 1000)),
    (20, "AA", (850, 899)),
    (45, "A", (800, 849)),
    (70, "BBB", (750, 799)),
    (85, "BB", (700, 749)),
    (93, "B", (600, 699)),
    (97, "CCC", (500, 599)),
    (98, "CC", (400, 499)),
    (99, "C", (300, 399)),
    (100, "D", (0, 299)),
)
_WEAK = frozenset({"B", "CCC", "CC", "C", "D"})
_VERY_WEAK = frozenset({"CCC", "CC", "C", "D"})


def simulated_grade(uscc: str) -> tuple[str, int]:
    """The deterministic (grade, score) of a USCC."""
    h = int.from_bytes(hashlib.sha256(uscc.encode("utf-8")).digest(), "big")
    bucket = h % 100
    for upper, grade, (low, high) in _DISTRIBUTION:
        if bucket < upper:
            return grade, low + (h // 100) % (high - low + 1)
    raise AssertionError("unreachable")


def _now_cst() -> datetime:
    return datetime.now(_CST).replace(microsecond=0)


class SimulatedCreditPlatform:
    def __init__(
        self,
        *,
        unknown: Iterable[str] = (),
        clock: Callable[[], datetime] = _now_cst,
        latency_seconds: float = 0.0,
        source: str = "simulated",
    ) -> None:
        self.unknown = frozenset(normalize_uscc(u) for u in unknown)
        self._clock = clock
        self.latency_seconds = latency_seconds
        self.source = source
        self.calls = 0

    def report_for(self, uscc: str) -> CreditReport:
        code = normalize_uscc(uscc)
        if not is_valid_uscc(code) or code in self.unknown:
            raise CreditReportNotFound(f"simulated platform does not know {code}", uscc=code)
        grade, score = simulated_grade(code)
        h = int(hashlib.sha256(code.encode()).hexdigest()[:8], 16)
        now = self._clock()
        records = [
            CreditRecord(
                kind="loan",
                occurred_on=date(now.year - 1, 1 + h % 12, 1 + h % 28),
                summary=f"流动资金贷款 {100 + h % 900} 万元，正常还款",
            )
        ]
        if grade in _WEAK:
            records.append(
                CreditRecord(
                    kind="overdue",
                    occurred_on=date(now.year - 1, 1 + (h >> 4) % 12, 1 + (h >> 8) % 28),
                    summary="贷款逾期 30 天以内，已结清",
                )
            )
        if grade in _VERY_WEAK:
            records.append(
                CreditRecord(
                    kind="court_judgment",
                    occurred_on=date(now.year - 2, 1 + (h >> 12) % 12, 1 + (h >> 16) % 28),
                    summary="合同纠纷被执行记录",
                )
            )
        return CreditReport(
            uscc=code, grade=grade, score=score, records=tuple(records), report_time=now, source=self.source
        )

    async def lookup(self, uscc: str) -> CreditReport:
        code = normalize_uscc(uscc)
        if len(code) != 18:
            raise InvalidUscc(f"{uscc!r} is not a valid USCC", uscc=uscc)
        self.calls += 1
        if self.latency_seconds > 0:
            await asyncio.sleep(self.latency_seconds)
        return self.report_for(code)
