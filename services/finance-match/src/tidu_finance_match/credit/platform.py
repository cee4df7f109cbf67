"""The port: what finance-match needs from any credit platform."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from tidu_finance_match.credit.models import CreditReport


@runtime_checkable
class CreditPlatform(Protocol):
    async def lookup(self, uscc: str) -> CreditReport:
        """The enterprise's current report.

        Raises a :class:`~tidu_finance_match.credit.errors.CreditError`:
        ``CreditReportNotFound``, ``CreditPlatformRejected``,
        ``CreditPlatformTimeout``, ``CreditPlatformUnavailable``,
        ``CircuitOpen`` or ``MalformedCreditResponse``.

        Implementations do no consent check: wrap them in
        :class:`~tidu_finance_match.credit.guard.GuardedCreditClient`.
        """
        ...
