"""Qualifications: vocabulary, validity boundaries, renewal after 复核, revocation, notices, the ladder."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tidu_registry.domain.errors import DomainValidationError, TransitionError
from tidu_registry.domain.qualifications import (
    KIND_NAMES_ZH,
    LABEL_KINDS,
    LEVEL_NAMES_ZH,
    Level,
    NoticeKind,
    Period,
    Qualification,
    QualificationKind,
    Tier,
    add_years,
    default_expiry,
    holds,
    ladder,
    notice_due,
    notices_due,
    parse_qualification,
    qualification_record,
    renew,
    revoke,
    standing_on,
    tier_on,
    valid_on,
)

K = QualificationKind


def q(kind: K = K.SRDI_SME, granted: str = "2022-07-01", expires: str | None = "2025-06-30") -> Qualification:
    return Qualification(
        kind,
        Level.PROVINCIAL,
        "渝经信发〔2022〕1号",
        date.fromisoformat(granted),
        date.fromisoformat(expires) if expires else None,
    )


def test_the_vocabulary_of_domain_rules_section_3() -> None:
    assert {k.value for k in K} == {
        "high_tech",
        "tech_sme",
        "innovative_sme",
        "srdi_sme",
        "little_giant",
        "single_champion",
        "gazelle",
        "unicorn",
        "hard_tech",
        "ip_advantage",
        "ip_demonstration",
        "tech_innovation_demo",
        "listed",
        "regional_equity_listed",
    }
    assert {v.value for v in Level} == {"national", "provincial", "city", "district"}
    assert set(KIND_NAMES_ZH) == set(K)
    assert set(LEVEL_NAMES_ZH) == set(Level)


def test_parse_defaults_to_three_years_of_validity(today: date) -> None:
    parsed = parse_qualification(
        {
            "kind": "little_giant",
            "level": "national",
            "document_no": " 工信部企业函〔2022〕191号 ",
            "granted_on": "2022-07-01",
        },
        today=today,
    )
    assert parsed.expires_on == date(2025, 6, 30)
    assert parsed.document_no == "工信部企业函〔2022〕191号"
    assert (
        parse_qualification(
            {"kind": "listed", "level": "national", "document_no": "上市公告", "granted_on": "2020-01-01"}, today=today
        ).expires_on
        is None
    )


def test_parse_names_every_problem_at_once(today: date) -> None:
    with pytest.raises(DomainValidationError) as caught:
        parse_qualification({"kind": "famous", "level": "galactic", "granted_on": "2025-07-01"}, today=today)
    assert [(v.field, v.code) for v in caught.value.violations] == [
        ("kind", "invalid_choice"),
        ("level", "invalid_choice"),
        ("document_no", "required"),
        ("granted_on", "date_in_future"),
    ]
    with pytest.raises(DomainValidationError) as caught:
        parse_qualification(
            {
                "kind": "gazelle",
                "level": "city",
                "document_no": "x",
                "granted_on": "2024-01-02",
                "expires_on": "2024-01-01",
            },
            today=today,
        )
    assert caught.value.codes == ("expires_before_granted",)


def test_term_arithmetic_handles_leap_days() -> None:
    assert default_expiry(date(2024, 2, 29)) == date(2027, 2, 27)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert default_expiry(date(2022, 1, 1)) == date(2024, 12, 31)


@pytest.mark.parametrize(
    ("day", "valid"),
    [
        ("2022-06-30", False),  # the day before granted_on
        ("2022-07-01", True),  # granted_on itself
        ("2024-01-01", True),
        ("2025-06-30", True),  # expires_on itself
        ("2025-07-01", False),  # the day after
    ],
)
def test_validity_includes_both_ends(day: str, valid: bool) -> None:
    assert q().is_valid_on(date.fromisoformat(day)) is valid


def test_open_ended_titles_stay_valid() -> None:
    listed = q(K.LISTED, "2020-01-01", None)
    assert listed.is_valid_on(date(2099, 1, 1))
    assert not listed.is_valid_on(date(2019, 12, 31))


def test_renewal_before_expiry_extends_without_a_gap() -> None:
    renewed = renew(q(), reviewed_on=date(2025, 5, 20), document_no="复核〔2025〕3号")
    assert renewed.current_expires_on == date(2028, 6, 30)
    assert renewed.expires_on == date(2025, 6, 30)  # the first grant is kept as it was
    assert renewed.periods() == (Period(date(2022, 7, 1), date(2028, 6, 30)),)
    assert renewed.is_valid_on(date(2025, 7, 1))
    assert renewed.renewals[0].document_no == "复核〔2025〕3号"


def test_renewal_the_day_after_expiry_is_still_continuous() -> None:
    renewed = renew(q(), reviewed_on=date(2025, 7, 1))
    assert renewed.periods() == (Period(date(2022, 7, 1), date(2028, 6, 30)),)


def test_renewal_after_a_lapse_leaves_the_gap_invalid() -> None:
    renewed = renew(q(), reviewed_on=date(2025, 9, 1))
    assert renewed.periods() == (
        Period(date(2022, 7, 1), date(2025, 6, 30)),
        Period(date(2025, 9, 1), date(2028, 8, 31)),
    )
    assert not renewed.is_valid_on(date(2025, 8, 31))
    assert renewed.is_valid_on(date(2025, 9, 1))


def test_renewal_with_an_explicit_expiry_and_its_refusals() -> None:
    assert renew(q(), reviewed_on=date(2025, 6, 1), expires_on=date(2026, 12, 31)).current_expires_on == date(
        2026, 12, 31
    )
    with pytest.raises(DomainValidationError) as caught:
        renew(q(), reviewed_on=date(2025, 6, 1), expires_on=date(2025, 6, 30))
    assert caught.value.codes == ("renewal_not_extending",)
    with pytest.raises(DomainValidationError):
        renew(q(), reviewed_on=date(2020, 1, 1))
    with pytest.raises(TransitionError) as refused:
        renew(q(K.LISTED, "2020-01-01", None), reviewed_on=date(2023, 1, 1))
    assert refused.value.code == "qualification_open_ended"


def test_revocation_takes_effect_on_its_date_with_a_reason() -> None:
    revoked = revoke(q(), revoked_on=date(2024, 3, 15), reason="弄虚作假", who="op-7")
    assert revoked.is_valid_on(date(2024, 3, 14))
    assert not revoked.is_valid_on(date(2024, 3, 15))
    assert not revoked.is_valid_on(date(2025, 1, 1))
    assert revoked.revocation is not None
    assert (revoked.revocation.reason, revoked.revocation.who) == ("弄虚作假", "op-7")
    with pytest.raises(TransitionError) as again:
        revoke(revoked, revoked_on=date(2024, 4, 1), reason="again", who="op")
    assert again.value.code == "qualification_revoked"
    with pytest.raises(TransitionError):
        renew(revoked, reviewed_on=date(2025, 6, 1))


def test_revocation_needs_a_reason_and_a_plausible_date() -> None:
    with pytest.raises(DomainValidationError) as caught:
        revoke(q(), revoked_on=date(2020, 1, 1), reason=" ", who="op")
    assert caught.value.codes == ("required", "revoked_before_granted")


def test_revoking_an_open_ended_title_ends_it() -> None:
    delisted = revoke(q(K.LISTED, "2020-01-01", None), revoked_on=date(2024, 1, 1), reason="退市", who="op")
    assert delisted.periods() == (Period(date(2020, 1, 1), date(2023, 12, 31)),)


def test_revocation_on_the_grant_day_leaves_no_validity() -> None:
    assert revoke(q(), revoked_on=date(2022, 7, 1), reason="撤回", who="op").periods() == ()


# --- notices -------------------------------------------------------------------------------------

EXPIRES = date(2025, 6, 30)


@pytest.mark.parametrize(
    ("days_before", "kind"),
    [
        (91, None),  # one day outside the 90-day horizon
        (90, NoticeKind.EXPIRING),  # exactly 90 days ahead
        (1, NoticeKind.EXPIRING),
        (0, NoticeKind.EXPIRING),  # the last valid day
        (-1, NoticeKind.EXPIRED),  # the day after
        (-400, NoticeKind.EXPIRED),
    ],
)
def test_expiry_notice_boundaries(days_before: int, kind: NoticeKind | None) -> None:
    today = EXPIRES - timedelta(days=days_before)
    notice = notice_due(q(), today)
    assert (notice.kind if notice else None) == kind
    if notice is not None:
        assert notice.days_left == days_before
        assert notice.expires_on == EXPIRES


def test_notices_are_keyed_so_that_a_renewal_makes_a_fresh_one() -> None:
    today = date(2025, 5, 1)
    before = notice_due(q(), today)
    assert before is not None
    assert before.dedup_key == "expiring:2025-06-30"
    renewed = renew(q(), reviewed_on=date(2025, 5, 1))
    assert notice_due(renewed, today) is None
    later = notice_due(renewed, date(2028, 4, 1))
    assert later is not None
    assert later.dedup_key == "expiring:2028-06-30"


def test_no_notices_for_revoked_or_open_ended_titles_or_before_the_grant() -> None:
    revoked = revoke(q(), revoked_on=date(2025, 4, 1), reason="撤销", who="op")
    assert notice_due(revoked, date(2025, 5, 1)) is None
    assert notice_due(revoked, date(2025, 7, 2)) is None
    assert notice_due(q(K.LISTED, "2020-01-01", None), date(2025, 5, 1)) is None
    assert notice_due(q(granted="2025-06-01", expires="2025-06-30"), date(2025, 5, 15)) is None


def test_notices_due_keeps_the_callers_keys() -> None:
    items = [("a", q()), ("b", q(expires="2027-06-30")), ("c", q(expires="2025-04-30"))]
    due = notices_due(items, date(2025, 5, 1))
    assert [(key, n.kind) for key, n in due] == [("a", NoticeKind.EXPIRING), ("c", NoticeKind.EXPIRED)]


# --- the ladder ----------------------------------------------------------------------------------


def test_valid_on_and_holds() -> None:
    items = [q(K.TECH_SME, "2021-01-01", "2021-12-31"), q(K.HIGH_TECH, "2021-06-01", "2024-05-31")]
    assert [x.kind for x in valid_on(items, date(2021, 7, 1))] == [K.TECH_SME, K.HIGH_TECH]
    assert holds(items, K.HIGH_TECH, date(2024, 5, 31))
    assert not holds(items, K.TECH_SME, date(2022, 1, 1))


def test_tier_is_the_highest_valid_recognition_and_labels_run_in_parallel() -> None:
    items = [
        q(K.TECH_SME, "2020-01-01", "2022-12-31"),
        q(K.SRDI_SME, "2021-07-01", "2024-06-30"),
        q(K.HIGH_TECH, "2020-06-01", "2023-05-31"),
        q(K.GAZELLE, "2021-01-01", "2021-12-31"),
    ]
    assert tier_on(items, date(2021, 8, 1)) is Tier.SRDI_SME
    assert standing_on(items, date(2021, 8, 1))[1] == frozenset({K.HIGH_TECH, K.GAZELLE})
    assert tier_on(items, date(2019, 1, 1)) is None
    assert tier_on(items, date(2019, 1, 1), pool_periods=[Period(date(2018, 6, 1), None)]) is Tier.SEED
    assert K.GAZELLE in LABEL_KINDS
    assert K.SRDI_SME not in LABEL_KINDS
    assert next(iter(Tier)) is Tier.SEED
    assert list(Tier)[-1] is Tier.LISTED


def test_the_ladder_over_time() -> None:
    items = [
        q(K.TECH_SME, "2020-01-01", "2022-12-31"),
        q(K.SRDI_SME, "2021-07-01", "2024-06-30"),
        q(K.HIGH_TECH, "2020-06-01", "2023-05-31"),
    ]
    steps = ladder(items, pool_periods=[Period(date(2019, 3, 1), date(2020, 12, 31))])
    assert [(s.start, s.end, s.tier, set(s.labels)) for s in steps] == [
        (date(2019, 3, 1), date(2019, 12, 31), Tier.SEED, set()),
        (date(2020, 1, 1), date(2020, 5, 31), Tier.TECH_SME, set()),
        (date(2020, 6, 1), date(2021, 6, 30), Tier.TECH_SME, {K.HIGH_TECH}),
        (date(2021, 7, 1), date(2023, 5, 31), Tier.SRDI_SME, {K.HIGH_TECH}),
        (date(2023, 6, 1), date(2024, 6, 30), Tier.SRDI_SME, set()),
        (date(2024, 7, 1), None, None, set()),  # lapsed
    ]


def test_the_ladder_follows_renewals_and_revocations() -> None:
    renewed = renew(q(K.LITTLE_GIANT, "2021-07-01", "2024-06-30"), reviewed_on=date(2024, 9, 1))
    steps = ladder([renewed])
    assert [(s.start, s.end, s.tier) for s in steps] == [
        (date(2021, 7, 1), date(2024, 6, 30), Tier.LITTLE_GIANT),
        (date(2024, 7, 1), date(2024, 8, 31), None),
        (date(2024, 9, 1), date(2027, 8, 31), Tier.LITTLE_GIANT),
        (date(2027, 9, 1), None, None),
    ]
    assert ladder([]) == []


def test_qualification_record_is_plain() -> None:
    record = qualification_record(renew(q(), reviewed_on=date(2025, 6, 1)))
    assert record["expires_on"] == "2028-06-30"
    assert record["renewals"] == [{"reviewed_on": "2025-06-01", "expires_on": "2028-06-30", "document_no": None}]
    assert record["revocation"] is None
