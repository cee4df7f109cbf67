"""Qualifications (认定): recognitions granted by an authority, their validity, renewal after 复核,
revocation, expiry notices, and the tier ladder derived from them (domain-rules §3, §10).

A qualification is valid on a date from ``granted_on`` through ``expires_on`` inclusive. Decisions:

- ``expires_on`` defaults to three years of validity (``granted_on`` + 3 years − 1 day: granted
  2022-07-01, valid through 2025-06-30); ``listed`` and ``regional_equity_listed`` have no term and may
  stay open-ended (``None``) until revoked (delisting);
- a renewal after 复核 adds a validity period. Reviewed on or before the day after expiry, the new
  period follows on without a gap (default: three more years from the old expiry); reviewed later, the
  title lapsed in between and the new period starts on the review date (default: three years from it).
  History stays true: the gap remains invalid;
- a revocation takes effect on its date: valid before ``revoked_on``, never from it. A revoked title
  cannot be renewed or revoked again;
- kinds and levels combine freely (some provinces grant provincial 单项冠军, Chongqing's 市级 is a
  provincial-level title): the authority's document decides;
- notices: a qualification valid today whose current expiry is within ``horizon_days`` (90) is
  *expiring* (the expiry day itself included, 91 days ahead not); one whose last period ended before
  today and that was neither renewed nor revoked is *expired*. Each notice has a ``dedup_key`` (kind of
  notice + expiry date): the daily job publishes a notice once per key, so a job run twice publishes
  nothing new, and a renewal (new expiry date) makes a fresh notice due later;
- the ladder: the tier on a date is the highest tier among valid qualifications (§10: seed stock in the
  pool → 科技型 → 创新型 → 专精特新 → 小巨人 → 单项冠军 → 上市); every other valid kind is a parallel label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from tidu_registry.domain.errors import DomainValidationError, TransitionError, Violation
from tidu_registry.domain.values import FieldSpec, Kind, clean_text, parse_fields

DEFAULT_TERM_YEARS = 3
EXPIRY_HORIZON_DAYS = 90


class QualificationKind(StrEnum):
    HIGH_TECH = "high_tech"
    TECH_SME = "tech_sme"
    INNOVATIVE_SME = "innovative_sme"
    SRDI_SME = "srdi_sme"
    LITTLE_GIANT = "little_giant"
    SINGLE_CHAMPION = "single_champion"
    GAZELLE = "gazelle"
    UNICORN = "unicorn"
    HARD_TECH = "hard_tech"
    IP_ADVANTAGE = "ip_advantage"
    IP_DEMONSTRATION = "ip_demonstration"
    TECH_INNOVATION_DEMO = "tech_innovation_demo"
    LISTED = "listed"
    REGIONAL_EQUITY_LISTED = "regional_equity_listed"


KIND_NAMES_ZH: Mapping[QualificationKind, str] = {
    QualificationKind.HIGH_TECH: "高新技术企业",
    QualificationKind.TECH_SME: "科技型中小企业",
    QualificationKind.INNOVATIVE_SME: "创新型中小企业",
    QualificationKind.SRDI_SME: "专精特新中小企业",
    QualificationKind.LITTLE_GIANT: "专精特新“小巨人”企业",
    QualificationKind.SINGLE_CHAMPION: "制造业单项冠军企业",
    QualificationKind.GAZELLE: "瞪羚企业",
    QualificationKind.UNICORN: "独角兽企业",
    QualificationKind.HARD_TECH: "硬科技企业",
    QualificationKind.IP_ADVANTAGE: "知识产权优势企业",
    QualificationKind.IP_DEMONSTRATION: "知识产权示范企业",
    QualificationKind.TECH_INNOVATION_DEMO: "国家级技术创新示范企业",
    QualificationKind.LISTED: "上市企业",
    QualificationKind.REGIONAL_EQUITY_LISTED: "区域性股权市场挂牌企业",
}


class Level(StrEnum):
    NATIONAL = "national"
    PROVINCIAL = "provincial"
    CITY = "city"
    DISTRICT = "district"


LEVEL_NAMES_ZH: Mapping[Level, str] = {
    Level.NATIONAL: "国家级",
    Level.PROVINCIAL: "省级",
    Level.CITY: "市级",
    Level.DISTRICT: "区县级",
}

OPEN_ENDED_KINDS = frozenset({QualificationKind.LISTED, QualificationKind.REGIONAL_EQUITY_LISTED})


class Tier(StrEnum):
    """The ladder of §10, lowest first (the enum's order is the ladder's)."""

    SEED = "seed"  # 选种/育苗: in the cultivation pool
    TECH_SME = "tech_sme"
    INNOVATIVE_SME = "innovative_sme"
    SRDI_SME = "srdi_sme"
    LITTLE_GIANT = "little_giant"
    SINGLE_CHAMPION = "single_champion"
    LISTED = "listed"


TIER_RANK: Mapping[Tier, int] = {tier: rank for rank, tier in enumerate(Tier)}
TIER_OF_KIND: Mapping[QualificationKind, Tier] = {
    QualificationKind.TECH_SME: Tier.TECH_SME,
    QualificationKind.INNOVATIVE_SME: Tier.INNOVATIVE_SME,
    QualificationKind.SRDI_SME: Tier.SRDI_SME,
    QualificationKind.LITTLE_GIANT: Tier.LITTLE_GIANT,
    QualificationKind.SINGLE_CHAMPION: Tier.SINGLE_CHAMPION,
    QualificationKind.LISTED: Tier.LISTED,
}
LABEL_KINDS = frozenset(k for k in QualificationKind if k not in TIER_OF_KIND)


@dataclass(frozen=True, slots=True)
class Period:
    """Inclusive validity span; ``end`` ``None``: open-ended."""

    start: date
    end: date | None

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Renewal:
    reviewed_on: date
    expires_on: date
    document_no: str | None = None


@dataclass(frozen=True, slots=True)
class Revocation:
    revoked_on: date
    reason: str
    who: str


@dataclass(frozen=True, slots=True)
class Qualification:
    kind: QualificationKind
    level: Level
    document_no: str
    granted_on: date
    expires_on: date | None
    renewals: tuple[Renewal, ...] = ()
    revocation: Revocation | None = None

    @property
    def current_expires_on(self) -> date | None:
        """The end of the latest validity period (ignoring revocation)."""
        return self.renewals[-1].expires_on if self.renewals else self.expires_on

    def periods(self) -> tuple[Period, ...]:
        """Validity periods in order, cut at the revocation date."""
        spans = [Period(self.granted_on, self.expires_on)]
        for renewal in self.renewals:
            previous = spans[-1]
            assert previous.end is not None  # open-ended titles are never renewed
            if renewal.reviewed_on <= previous.end + timedelta(days=1):
                spans[-1] = Period(previous.start, renewal.expires_on)
            else:
                spans.append(Period(renewal.reviewed_on, renewal.expires_on))
        if self.revocation is None:
            return tuple(spans)
        last_day = self.revocation.revoked_on - timedelta(days=1)
        cut = [
            Period(p.start, last_day if p.end is None or p.end > last_day else p.end)
            for p in spans
            if p.start <= last_day
        ]
        return tuple(cut)

    def is_valid_on(self, day: date) -> bool:
        return any(p.contains(day) for p in self.periods())


# --- creation, renewal, revocation ---------------------------------------------------------------


def add_years(day: date, years: int) -> date:
    """Same month and day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def default_expiry(start: date, years: int = DEFAULT_TERM_YEARS) -> date:
    """The last valid day of a term of ``years`` starting on ``start``."""
    return add_years(start, years) - timedelta(days=1)


_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("kind", Kind.CHOICE, "认定类型", required=True, choices=tuple(k.value for k in QualificationKind)),
    FieldSpec("level", Kind.CHOICE, "认定级别", required=True, choices=tuple(v.value for v in Level)),
    FieldSpec("document_no", Kind.TEXT, "认定文号", required=True, max_length=200),
    FieldSpec("granted_on", Kind.DATE, "认定日期", required=True),
    FieldSpec("expires_on", Kind.DATE, "有效期至"),
)


def parse_qualification(data: Mapping[str, object], *, today: date) -> Qualification:
    """A new qualification from raw data, every violation named at once.

    Not granted in the future; ``expires_on`` on or after ``granted_on``; missing ``expires_on`` is the
    default term, except for open-ended kinds.
    """
    values, violations = parse_fields(_SPECS, data)
    granted_on: date | None = values["granted_on"]
    expires_on: date | None = values["expires_on"]
    if granted_on is not None and granted_on > today:
        violations.append(
            Violation("granted_on", "date_in_future", "认定日期不能晚于今天", "granted_on is in the future")
        )
    if granted_on is not None and expires_on is not None and expires_on < granted_on:
        violations.append(
            Violation(
                "expires_on", "expires_before_granted", "有效期至不能早于认定日期", "expires_on is before granted_on"
            )
        )
    if violations:
        raise DomainValidationError(violations)
    assert granted_on is not None
    kind = QualificationKind(values["kind"])
    if expires_on is None and kind not in OPEN_ENDED_KINDS:
        expires_on = default_expiry(granted_on)
    return Qualification(kind, Level(values["level"]), values["document_no"], granted_on, expires_on)


def renew(
    qualification: Qualification,
    *,
    reviewed_on: date,
    expires_on: date | None = None,
    document_no: str | None = None,
) -> Qualification:
    """The qualification extended after a passed 复核 (see the module notes for the default term)."""
    current_end = qualification.current_expires_on
    if qualification.revocation is not None:
        raise TransitionError(
            "qualification_revoked", "已撤销的认定不能复核延期", "a revoked qualification cannot be renewed"
        )
    if current_end is None:
        raise TransitionError(
            "qualification_open_ended", "该认定长期有效，无需复核延期", "an open-ended qualification needs no renewal"
        )
    if reviewed_on < qualification.granted_on:
        raise DomainValidationError(
            [
                Violation(
                    "reviewed_on",
                    "reviewed_before_granted",
                    "复核日期不能早于认定日期",
                    "reviewed_on is before granted_on",
                )
            ]
        )
    continuous = reviewed_on <= current_end + timedelta(days=1)
    new_end = expires_on or (add_years(current_end, DEFAULT_TERM_YEARS) if continuous else default_expiry(reviewed_on))
    if new_end <= current_end or new_end < reviewed_on:
        raise DomainValidationError(
            [
                Violation(
                    "expires_on",
                    "renewal_not_extending",
                    f"复核后的有效期应晚于原有效期（{current_end.isoformat()}）",
                    f"a renewal must extend the validity beyond {current_end.isoformat()}",
                )
            ]
        )
    number = clean_text(document_no) if document_no else None
    return replace(qualification, renewals=(*qualification.renewals, Renewal(reviewed_on, new_end, number or None)))


def revoke(qualification: Qualification, *, revoked_on: date, reason: str, who: str) -> Qualification:
    """The qualification revoked from ``revoked_on`` (not valid that day or after), with its reason."""
    if qualification.revocation is not None:
        raise TransitionError("qualification_revoked", "该认定已撤销", "the qualification is already revoked")
    violations: list[Violation] = []
    if not reason or not reason.strip():
        violations.append(Violation("reason", "required", "撤销原因为必填项", "a revocation needs its reason"))
    if revoked_on < qualification.granted_on:
        violations.append(
            Violation(
                "revoked_on", "revoked_before_granted", "撤销日期不能早于认定日期", "revoked_on is before granted_on"
            )
        )
    if violations:
        raise DomainValidationError(violations)
    return replace(qualification, revocation=Revocation(revoked_on, reason.strip(), who))


# --- validity and notices ------------------------------------------------------------------------


class NoticeKind(StrEnum):
    EXPIRING = "expiring"  # → qualification.expiring
    EXPIRED = "expired"  # → qualification.expired


@dataclass(frozen=True, slots=True)
class Notice:
    kind: NoticeKind
    expires_on: date
    days_left: int  # negative once expired

    @property
    def dedup_key(self) -> str:
        return f"{self.kind.value}:{self.expires_on.isoformat()}"


def notice_due(qualification: Qualification, today: date, horizon_days: int = EXPIRY_HORIZON_DAYS) -> Notice | None:
    if qualification.revocation is not None and qualification.revocation.revoked_on <= today:
        return None
    end = qualification.current_expires_on
    if end is None:
        return None
    days_left = (end - today).days
    if days_left < 0:
        return Notice(NoticeKind.EXPIRED, end, days_left)
    if days_left <= horizon_days and qualification.is_valid_on(today):
        return Notice(NoticeKind.EXPIRING, end, days_left)
    return None


K = TypeVar("K")


def notices_due(
    qualifications: Iterable[tuple[K, Qualification]], today: date, horizon_days: int = EXPIRY_HORIZON_DAYS
) -> list[tuple[K, Notice]]:
    """The notices the daily job should publish for ``(key, qualification)`` pairs (dedupe by key and
    ``Notice.dedup_key``)."""
    due = ((key, notice_due(q, today, horizon_days)) for key, q in qualifications)
    return [(key, notice) for key, notice in due if notice is not None]


def valid_on(qualifications: Iterable[Qualification], day: date) -> list[Qualification]:
    return [q for q in qualifications if q.is_valid_on(day)]


def holds(qualifications: Iterable[Qualification], kind: QualificationKind, day: date) -> bool:
    return any(q.kind == kind and q.is_valid_on(day) for q in qualifications)


# --- the ladder ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LadderStep:
    """From ``start`` through ``end`` (inclusive; ``None``: until further notice) the enterprise stood on
    ``tier`` (``None``: no tier) with ``labels``."""

    start: date
    end: date | None
    tier: Tier | None
    labels: frozenset[QualificationKind]


def _in(periods: Sequence[Period], day: date) -> bool:
    return any(p.contains(day) for p in periods)


def standing_on(
    qualifications: Sequence[Qualification], day: date, *, pool_periods: Sequence[Period] = ()
) -> tuple[Tier | None, frozenset[QualificationKind]]:
    """The tier and parallel labels on ``day``; ``pool_periods`` (cultivation-pool membership) give the
    seed tier."""
    valid = [q.kind for q in qualifications if q.is_valid_on(day)]
    tiers = [TIER_OF_KIND[k] for k in valid if k in TIER_OF_KIND]
    if _in(pool_periods, day):
        tiers.append(Tier.SEED)
    tier = max(tiers, key=TIER_RANK.__getitem__) if tiers else None
    return tier, frozenset(k for k in valid if k in LABEL_KINDS)


def tier_on(qualifications: Sequence[Qualification], day: date, *, pool_periods: Sequence[Period] = ()) -> Tier | None:
    return standing_on(qualifications, day, pool_periods=pool_periods)[0]


def ladder(qualifications: Sequence[Qualification], *, pool_periods: Sequence[Period] = ()) -> list[LadderStep]:
    """The enterprise's standing over time: consecutive steps, each where tier and labels stay the same.

    Starts with the first recognition (or pool entry); a lapse shows as a step with no tier and no
    labels.
    """
    spans = [p for q in qualifications for p in q.periods()] + list(pool_periods)
    changes = sorted({p.start for p in spans} | {p.end + timedelta(days=1) for p in spans if p.end is not None})
    steps: list[LadderStep] = []
    for i, day in enumerate(changes):
        tier, labels = standing_on(qualifications, day, pool_periods=pool_periods)
        end = changes[i + 1] - timedelta(days=1) if i + 1 < len(changes) else None
        if steps and (steps[-1].tier, steps[-1].labels) == (tier, labels):
            steps[-1] = replace(steps[-1], end=end)
        elif steps or tier is not None or labels:
            steps.append(LadderStep(day, end, tier, labels))
    return steps


def qualification_record(q: Qualification) -> dict[str, Any]:
    """Plain view for responses and events."""
    return {
        "kind": q.kind.value,
        "level": q.level.value,
        "document_no": q.document_no,
        "granted_on": q.granted_on.isoformat(),
        "expires_on": q.current_expires_on.isoformat() if q.current_expires_on else None,
        "renewals": [
            {
                "reviewed_on": r.reviewed_on.isoformat(),
                "expires_on": r.expires_on.isoformat(),
                "document_no": r.document_no,
            }
            for r in q.renewals
        ],
        "revocation": None
        if q.revocation is None
        else {
            "revoked_on": q.revocation.revoked_on.isoformat(),
            "reason": q.revocation.reason,
            "who": q.revocation.who,
        },
    }
