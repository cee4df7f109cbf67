"""``GuardedCreditClient``: consent check, cache and audit around any :class:`CreditPlatform`.

Order of one :meth:`GuardedCreditClient.lookup`:

1. The USCC is validated (:class:`InvalidUscc`, audited, no request).
2. The consent checker is asked for the enterprise's consent record for the
   ``credit_lookup`` scope; unless a record is returned that belongs to this
   USCC, includes the scope and is in force now (granted, not expired, not
   revoked), the look-up is refused with :class:`ConsentMissing` — audited,
   and no request reaches the platform, not even the cache.
3. The cache (if any) is read: a hit is returned and audited as a hit.
4. Otherwise the platform is asked; a report is cached. Failures propagate
   as the platform's typed errors, audited with their code.

Every call — refused, hit, miss, failed — writes one :class:`CreditLookupAudit`
(who, why, which USCC, which consent, outcome, cache hit, grade, duration)
through the async audit sink. If the sink fails, the look-up fails: no credit
data leaves without its audit entry (fail closed).

Concurrent look-ups of one USCC are not coalesced; the cache absorbs repeats.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from tidu_finance_match.credit.cache import TtlCache
from tidu_finance_match.credit.errors import ConsentMissing, CreditError, InvalidUscc
from tidu_finance_match.credit.models import CreditReport
from tidu_finance_match.credit.platform import CreditPlatform
from tidu_finance_match.credit.uscc import is_valid_uscc, normalize_uscc

CREDIT_LOOKUP_SCOPE = "credit_lookup"


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    consent_id: str
    uscc: str
    scopes: frozenset[str]
    granted_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def permits(self, uscc: str, scope: str, at: datetime) -> bool:
        return (
            self.uscc == uscc
            and scope in self.scopes
            and self.granted_at <= at
            and (self.expires_at is None or at < self.expires_at)
            and (self.revoked_at is None or at < self.revoked_at)
        )


@dataclass(frozen=True, slots=True)
class LookupRequester:
    """Who asks and why (for the audit)."""

    actor_id: str
    role: str
    purpose: str
    demand_id: str | None = None


class LookupOutcome(StrEnum):
    OK = "ok"
    REFUSED_NO_CONSENT = "refused_no_consent"
    INVALID_USCC = "invalid_uscc"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class CreditLookupAudit:
    at: datetime
    uscc: str
    actor_id: str
    role: str
    purpose: str
    demand_id: str | None
    consent_id: str | None
    outcome: LookupOutcome
    cache_hit: bool
    grade: str | None = None
    error_code: str | None = None
    duration_ms: float = 0.0


ConsentChecker = Callable[[str, str], Awaitable[ConsentRecord | None]]
"""``(uscc, scope) → the consent record in force, or None``."""
AuditSink = Callable[[CreditLookupAudit], Awaitable[None]]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class GuardedCreditClient:
    def __init__(
        self,
        platform: CreditPlatform,
        *,
        consent_checker: ConsentChecker,
        audit_sink: AuditSink,
        cache: TtlCache[str, CreditReport] | None = None,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.platform = platform
        self._consent_checker = consent_checker
        self._audit = audit_sink
        self.cache = cache
        self._now = now

    async def lookup(
        self, uscc: str, *, requester: LookupRequester, consent_checker: ConsentChecker | None = None
    ) -> CreditReport:
        """``consent_checker`` narrows, for this look-up, which consents count (an institution asks
        under the consent of a demand pushed to it, not under any consent of the enterprise)."""
        started = time.perf_counter()
        code = normalize_uscc(uscc) if isinstance(uscc, str) else str(uscc)

        async def audit(
            outcome: LookupOutcome,
            *,
            consent_id: str | None = None,
            cache_hit: bool = False,
            grade: str | None = None,
            error_code: str | None = None,
        ) -> None:
            await self._audit(
                CreditLookupAudit(
                    at=self._now(),
                    uscc=code,
                    actor_id=requester.actor_id,
                    role=requester.role,
                    purpose=requester.purpose,
                    demand_id=requester.demand_id,
                    consent_id=consent_id,
                    outcome=outcome,
                    cache_hit=cache_hit,
                    grade=grade,
                    error_code=error_code,
                    duration_ms=round((time.perf_counter() - started) * 1000, 3),
                )
            )

        if not is_valid_uscc(code):
            await audit(LookupOutcome.INVALID_USCC, error_code=InvalidUscc.code)
            raise InvalidUscc(f"{uscc!r} is not a valid USCC", uscc=uscc)

        consent = await (consent_checker or self._consent_checker)(code, CREDIT_LOOKUP_SCOPE)
        if consent is None or not consent.permits(code, CREDIT_LOOKUP_SCOPE, self._now()):
            await audit(
                LookupOutcome.REFUSED_NO_CONSENT,
                consent_id=consent.consent_id if consent is not None else None,
                error_code=ConsentMissing.code,
            )
            raise ConsentMissing(
                f"no consent in force for a credit look-up of {code}",
                uscc=code,
                consent_id=consent.consent_id if consent is not None else None,
            )

        if self.cache is not None:
            cached = self.cache.get(code)
            if cached is not None:
                await audit(LookupOutcome.OK, consent_id=consent.consent_id, cache_hit=True, grade=cached.grade)
                return cached

        try:
            report = await self.platform.lookup(code)
        except CreditError as exc:
            await audit(LookupOutcome.ERROR, consent_id=consent.consent_id, error_code=exc.code)
            raise
        if self.cache is not None:
            self.cache.put(code, report)
        await audit(LookupOutcome.OK, consent_id=consent.consent_id, grade=report.grade)
        return report


ConsentGuard = GuardedCreditClient
"""Alias: the consent-guarded client."""
