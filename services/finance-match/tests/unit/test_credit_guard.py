"""Consent, cache and audit around a credit platform — here the HTTP adapter against the fake platform."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tidu_finance_match.credit import (
    CREDIT_LOOKUP_SCOPE,
    ConsentMissing,
    ConsentRecord,
    CreditLookupAudit,
    CreditPlatformUnavailable,
    GuardedCreditClient,
    HttpCreditPlatform,
    InvalidUscc,
    LookupOutcome,
    LookupRequester,
    RetryPolicy,
    TtlCache,
)

NOW = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)
WHO = LookupRequester(actor_id="officer-7", role="institution", purpose="credit_review", demand_id="dm-1")


class Consents:
    def __init__(self) -> None:
        self.records: dict[str, ConsentRecord] = {}
        self.asked: list[tuple[str, str]] = []

    def grant(self, uscc: str, **kw) -> ConsentRecord:
        record = ConsentRecord(
            consent_id=kw.pop("consent_id", f"cs-{uscc[-4:]}"),
            uscc=uscc,
            scopes=kw.pop("scopes", frozenset({CREDIT_LOOKUP_SCOPE, "share_with_institutions"})),
            granted_at=kw.pop("granted_at", NOW - timedelta(days=1)),
            **kw,
        )
        self.records[uscc] = record
        return record

    async def __call__(self, uscc: str, scope: str) -> ConsentRecord | None:
        self.asked.append((uscc, scope))
        return self.records.get(uscc)


class Audit:
    def __init__(self, fail: bool = False) -> None:
        self.entries: list[CreditLookupAudit] = []
        self.fail = fail

    async def __call__(self, entry: CreditLookupAudit) -> None:
        if self.fail:
            raise RuntimeError("audit store down")
        self.entries.append(entry)


@pytest.fixture
async def guarded(platform, make, clock):
    http = HttpCreditPlatform(
        platform.url,
        api_key=make.api_key,
        timeout_seconds=0.2,
        retry=RetryPolicy(max_attempts=2, base_delay=0.0, max_delay=0.0),
    )
    consents, audit = Consents(), Audit()
    cache: TtlCache = TtlCache(ttl_seconds=60, clock=clock)
    client = GuardedCreditClient(http, consent_checker=consents, audit_sink=audit, cache=cache, now=lambda: NOW)
    yield client, consents, audit
    await http.aclose()


async def test_no_consent_no_request(guarded, platform, make):
    client, consents, audit = guarded
    with pytest.raises(ConsentMissing) as err:
        await client.lookup(make.uscc_a, requester=WHO)
    assert err.value.code == "credit_consent_missing"
    assert platform.script.count == 0
    assert consents.asked == [(make.uscc_a, CREDIT_LOOKUP_SCOPE)]
    [entry] = audit.entries
    assert (entry.outcome, entry.consent_id, entry.cache_hit, entry.uscc) == (
        LookupOutcome.REFUSED_NO_CONSENT,
        None,
        False,
        make.uscc_a,
    )
    assert (entry.actor_id, entry.role, entry.purpose, entry.demand_id) == (
        "officer-7",
        "institution",
        "credit_review",
        "dm-1",
    )


@pytest.mark.parametrize(
    "change",
    [
        {"revoked_at": NOW - timedelta(minutes=1)},
        {"expires_at": NOW},
        {"granted_at": NOW + timedelta(minutes=1)},
        {"scopes": frozenset({"share_with_institutions"})},
    ],
)
async def test_consent_not_in_force_is_refused(guarded, platform, make, change):
    client, consents, audit = guarded
    record = consents.grant(make.uscc_a, **change)
    with pytest.raises(ConsentMissing):
        await client.lookup(make.uscc_a, requester=WHO)
    assert platform.script.count == 0
    assert audit.entries[-1].consent_id == record.consent_id
    assert audit.entries[-1].outcome is LookupOutcome.REFUSED_NO_CONSENT


async def test_consent_of_another_enterprise_does_not_count(guarded, platform, make):
    client, consents, _ = guarded
    wrong = consents.grant(make.uscc_b)
    consents.records[make.uscc_a] = wrong
    with pytest.raises(ConsentMissing):
        await client.lookup(make.uscc_a, requester=WHO)
    assert platform.script.count == 0


async def test_cache_hits_within_ttl_and_misses_after(guarded, platform, make, clock):
    client, consents, audit = guarded
    consents.grant(make.uscc_a, consent_id="cs-42")
    first = await client.lookup(make.uscc_a, requester=WHO)
    clock.advance(59.9)
    second = await client.lookup(make.uscc_a, requester=WHO)
    assert second is first
    assert platform.script.count == 1
    clock.advance(0.1)
    third = await client.lookup(make.uscc_a, requester=WHO)
    assert third == first and third is not first
    assert platform.script.count == 2
    assert [(e.outcome, e.cache_hit, e.consent_id, e.grade) for e in audit.entries] == [
        (LookupOutcome.OK, False, "cs-42", "A"),
        (LookupOutcome.OK, True, "cs-42", "A"),
        (LookupOutcome.OK, False, "cs-42", "A"),
    ]
    assert all(e.at == NOW and e.duration_ms >= 0 for e in audit.entries)


async def test_consent_is_checked_even_when_cached(guarded, platform, make):
    client, consents, audit = guarded
    consents.grant(make.uscc_a)
    await client.lookup(make.uscc_a, requester=WHO)
    consents.grant(make.uscc_a, revoked_at=NOW - timedelta(seconds=1))
    with pytest.raises(ConsentMissing):
        await client.lookup(make.uscc_a, requester=WHO)
    assert platform.script.count == 1
    assert [e.outcome for e in audit.entries] == [LookupOutcome.OK, LookupOutcome.REFUSED_NO_CONSENT]


async def test_platform_errors_are_audited_and_propagate(guarded, platform, make):
    client, consents, audit = guarded
    consents.grant(make.uscc_a)
    platform.script.default = "503"
    with pytest.raises(CreditPlatformUnavailable):
        await client.lookup(make.uscc_a, requester=WHO)
    assert platform.script.count == 2
    entry = audit.entries[-1]
    assert (entry.outcome, entry.error_code, entry.cache_hit) == (
        LookupOutcome.ERROR,
        "credit_platform_unavailable",
        False,
    )


async def test_invalid_uscc_is_audited_without_asking_consent_or_platform(guarded, platform):
    client, consents, audit = guarded
    with pytest.raises(InvalidUscc):
        await client.lookup("not-a-uscc", requester=WHO)
    assert consents.asked == [] and platform.script.count == 0
    assert audit.entries[-1].outcome is LookupOutcome.INVALID_USCC


async def test_a_failing_audit_sink_fails_the_lookup(platform, make):
    consents = Consents()
    consents.grant(make.uscc_a)
    async with HttpCreditPlatform(platform.url, api_key=make.api_key, timeout_seconds=0.2) as http:
        client = GuardedCreditClient(http, consent_checker=consents, audit_sink=Audit(fail=True))
        with pytest.raises(RuntimeError, match="audit store down"):
            await client.lookup(make.uscc_a, requester=WHO)
