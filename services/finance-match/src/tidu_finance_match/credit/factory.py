"""Building the credit client from configuration (call from the app's lifespan, not at import).

``CreditPlatformConfig.url`` unset → the built-in :class:`SimulatedCreditPlatform`
(what ``make run`` uses). Set → :class:`HttpCreditPlatform` against that URL
with an API key *or* basic-auth credentials, wrapped in a circuit breaker;
either way :func:`build_guarded_client` adds the TTL cache, consent check and
audit. The settings class of the service maps its environment variables onto
this config.
"""

from __future__ import annotations

from dataclasses import dataclass

from tidu_finance_match.credit.breaker import CircuitBreaker
from tidu_finance_match.credit.cache import TtlCache
from tidu_finance_match.credit.guard import AuditSink, ConsentChecker, GuardedCreditClient
from tidu_finance_match.credit.http_client import HttpCreditPlatform, RetryPolicy
from tidu_finance_match.credit.models import CreditReport
from tidu_finance_match.credit.platform import CreditPlatform
from tidu_finance_match.credit.simulated import SimulatedCreditPlatform


@dataclass(frozen=True, slots=True)
class CreditPlatformConfig:
    url: str | None = None
    api_key: str | None = None
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = 2.0
    max_attempts: int = 3
    backoff_base_seconds: float = 0.2
    backoff_max_seconds: float = 2.0
    breaker_failure_threshold: int = 5
    breaker_cooldown_seconds: float = 30.0
    cache_ttl_seconds: float = 3600.0
    cache_max_entries: int = 10_000

    def __repr__(self) -> str:
        return (
            f"CreditPlatformConfig(url={self.url!r}, api_key={'***' if self.api_key else None}, "
            f"username={self.username!r}, password={'***' if self.password else None})"
        )

    @property
    def simulated(self) -> bool:
        return not self.url


def build_credit_platform(config: CreditPlatformConfig) -> CreditPlatform:
    if config.simulated:
        return SimulatedCreditPlatform()
    assert config.url is not None
    if config.api_key and (config.username or config.password):
        raise ValueError("configure the credit platform with an API key or a username/password, not both")
    basic = None
    if config.username or config.password:
        if not (config.username and config.password):
            raise ValueError("basic auth needs both username and password")
        basic = (config.username, config.password)
    return HttpCreditPlatform(
        config.url,
        api_key=config.api_key or None,
        basic_auth=basic,
        timeout_seconds=config.timeout_seconds,
        retry=RetryPolicy(
            max_attempts=config.max_attempts,
            base_delay=config.backoff_base_seconds,
            max_delay=config.backoff_max_seconds,
        ),
        breaker=CircuitBreaker(
            failure_threshold=config.breaker_failure_threshold, cooldown_seconds=config.breaker_cooldown_seconds
        ),
    )


def build_guarded_client(
    config: CreditPlatformConfig, *, consent_checker: ConsentChecker, audit_sink: AuditSink
) -> GuardedCreditClient:
    cache: TtlCache[str, CreditReport] = TtlCache(config.cache_ttl_seconds, max_entries=config.cache_max_entries)
    return GuardedCreditClient(
        build_credit_platform(config), consent_checker=consent_checker, audit_sink=audit_sink, cache=cache
    )
