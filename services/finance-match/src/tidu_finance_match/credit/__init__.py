"""The external credit-platform adapter: a port (:class:`CreditPlatform`), an httpx adapter with
timeouts, retries, a circuit breaker; a TTL cache; a consent-and-audit guard; a simulated platform
(in-process and as an HTTP app). See each module's docstring; the wire protocol is in :mod:`.models`.
"""

from tidu_finance_match.credit.breaker import BreakerState, CircuitBreaker
from tidu_finance_match.credit.cache import TtlCache
from tidu_finance_match.credit.errors import (
    CircuitOpen,
    ConsentMissing,
    CreditError,
    CreditPlatformRejected,
    CreditPlatformTimeout,
    CreditPlatformUnavailable,
    CreditReportNotFound,
    InvalidUscc,
    MalformedCreditResponse,
)
from tidu_finance_match.credit.factory import CreditPlatformConfig, build_credit_platform, build_guarded_client
from tidu_finance_match.credit.guard import (
    CREDIT_LOOKUP_SCOPE,
    AuditSink,
    ConsentChecker,
    ConsentGuard,
    ConsentRecord,
    CreditLookupAudit,
    GuardedCreditClient,
    LookupOutcome,
    LookupRequester,
)
from tidu_finance_match.credit.http_client import HttpCreditPlatform, RetryPolicy
from tidu_finance_match.credit.models import CreditRecord, CreditReport, parse_credit_report, report_to_json
from tidu_finance_match.credit.platform import CreditPlatform
from tidu_finance_match.credit.simulated import SimulatedCreditPlatform, simulated_grade

__all__ = [
    "CREDIT_LOOKUP_SCOPE",
    "AuditSink",
    "BreakerState",
    "CircuitBreaker",
    "CircuitOpen",
    "ConsentChecker",
    "ConsentGuard",
    "ConsentMissing",
    "ConsentRecord",
    "CreditError",
    "CreditLookupAudit",
    "CreditPlatform",
    "CreditPlatformConfig",
    "CreditPlatformRejected",
    "CreditPlatformTimeout",
    "CreditPlatformUnavailable",
    "CreditRecord",
    "CreditReport",
    "CreditReportNotFound",
    "GuardedCreditClient",
    "HttpCreditPlatform",
    "InvalidUscc",
    "LookupOutcome",
    "LookupRequester",
    "MalformedCreditResponse",
    "RetryPolicy",
    "SimulatedCreditPlatform",
    "TtlCache",
    "build_credit_platform",
    "build_guarded_client",
    "parse_credit_report",
    "report_to_json",
    "simulated_grade",
]
