"""Typed errors of the credit-platform adapter; each has a stable machine ``code``.

``retryable`` says whether the platform call may be retried later (the adapter
has already retried within one look-up).
"""

from __future__ import annotations


class CreditError(Exception):
    code: str = "credit_error"
    retryable: bool = False

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(f"{self.code}: {message}")
        self.message = message
        self.details = details


class InvalidUscc(CreditError):
    code = "invalid_uscc"


class ConsentMissing(CreditError):
    """No consent to a credit look-up on record for the enterprise: no request is made."""

    code = "credit_consent_missing"


class CreditReportNotFound(CreditError):
    """The platform does not know the enterprise (HTTP 404)."""

    code = "credit_report_not_found"


class CreditPlatformRejected(CreditError):
    """The platform refused the request (4xx other than 404: credentials, quota, bad request)."""

    code = "credit_platform_rejected"


class CreditPlatformTimeout(CreditError):
    """Every attempt timed out."""

    code = "credit_platform_timeout"
    retryable = True


class CreditPlatformUnavailable(CreditError):
    """Every attempt failed with a 5xx / 429 answer or a connection error."""

    code = "credit_platform_unavailable"
    retryable = True


class CircuitOpen(CreditError):
    """The circuit breaker is open: the platform failed repeatedly and is left alone for a while."""

    code = "credit_circuit_open"
    retryable = True


class MalformedCreditResponse(CreditError):
    """The platform answered 2xx with a body that is not a valid credit report."""

    code = "credit_response_malformed"
