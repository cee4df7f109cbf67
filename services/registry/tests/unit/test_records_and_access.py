"""Pure pieces of the service layer: the fast record functions equal the domain's, the access rules
as a matrix over roles, and the cursors of search and the change feed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tidu_registry import access
from tidu_registry.domain.enterprise import EnterpriseProfile
from tidu_registry.domain.indicators import parse_indicators
from tidu_registry.feed import parse_cursor
from tidu_registry.records import indicator_record, profile_record
from tidu_registry.search import SearchFilters, decode_cursor, encode_cursor, scoped
from tidu_shared.auth import Principal, Role
from tidu_shared.errors import ProblemError


def test_profile_record_is_the_domain_record(make_profile: Callable[..., EnterpriseProfile]) -> None:
    for over in ({}, {"niche_market_since": None, "contacts": [], "own_brand": None}):
        profile = make_profile(**over)
        assert profile_record(profile) == profile.to_record()
        assert list(profile_record(profile)) == list(profile.to_record())


def test_indicator_record_is_the_domain_record(indicator_data: Callable[..., dict[str, Any]]) -> None:
    for over in ({}, {"net_profit": "-0.000001", "operating_revenue": "3E+3", "market_share_pct": None}):
        record = parse_indicators(indicator_data(**over), established_on=None, today=dt.date(2025, 6, 1))
        assert indicator_record(record) == record.to_record()


ENT = access.EnterpriseScope("91500113MA5U7LXX3F", "500113", "c1")
PRINCIPALS = {
    "admin": Principal("a", Role.admin),
    "city": Principal("o", Role.operator, district="500000"),
    "own district": Principal("o", Role.operator, district="500113"),
    "other district": Principal("o", Role.operator, district="500114"),
    "itself": Principal("e", Role.enterprise, uscc="91500113MA5U7LXX3F"),
    "other enterprise": Principal("e", Role.enterprise, uscc="91110108551385082Q"),
    "its commissioner": Principal("c1", Role.commissioner),
    "other commissioner": Principal("c2", Role.commissioner),
    "department": Principal("d", Role.department, dept="500113-kjj"),
    "institution": Principal("i", Role.institution, inst="ccb"),
}
RULES = {
    "read": access.ensure_may_read,
    "edit": access.ensure_may_edit_profile,
    "manage": access.ensure_may_manage,
    "plan": access.ensure_may_write_plan,
}
#                       read edit manage plan
EXPECTED = {
    "admin":              (0, 0, 0, 0),
    "city":               (0, 0, 0, 0),
    "own district":       (0, 0, 0, 0),
    "other district":     (403, 403, 403, 403),
    "itself":             (0, 0, 403, 403),
    "other enterprise":   (404, 404, 404, 404),
    "its commissioner":   (0, 403, 403, 0),
    "other commissioner": (403, 403, 403, 403),
    "department":         (403, 403, 403, 403),
    "institution":        (403, 403, 403, 403),
}  # fmt: skip


def _outcome(rule: Callable[..., None], principal: Principal) -> int:
    try:
        rule(principal, ENT)
    except ProblemError as exc:
        return exc.status
    return 0


def test_access_rules_as_a_matrix() -> None:
    actual = {name: tuple(_outcome(rule, p) for rule in RULES.values()) for name, p in PRINCIPALS.items()}
    assert actual == EXPECTED


def test_search_scope_per_role() -> None:
    f = SearchFilters()
    assert scoped(PRINCIPALS["admin"], f) == f
    assert scoped(PRINCIPALS["own district"], f).district == "500113"
    assert scoped(PRINCIPALS["itself"], f).uscc == "91500113MA5U7LXX3F"
    assert scoped(PRINCIPALS["its commissioner"], f).commissioner_id == "c1"
    for name, bad in [("own district", SearchFilters(district="500000")), ("department", f),
                      ("its commissioner", SearchFilters(commissioner_id="c2"))]:  # fmt: skip
        with pytest.raises(ProblemError) as exc:
            scoped(PRINCIPALS[name], bad)
        assert exc.value.status == 403


def test_search_cursor_round_trip_and_tampering() -> None:
    cursor = encode_cursor("established_on", "desc", dt.date(2020, 1, 2), "91500113MA5U7LXX3F")
    assert decode_cursor(cursor, "established_on", "desc") == (dt.date(2020, 1, 2), "91500113MA5U7LXX3F")
    name = encode_cursor("name", "asc", "重庆某某公司", "91500113MA5U7LXX3F")
    assert decode_cursor(name, "name", "asc") == ("重庆某某公司", "91500113MA5U7LXX3F")
    for bad, sort in [(cursor, "name"), ("!!", "uscc"), (encode_cursor("established_on", "desc", "x", "u"),
                      "established_on")]:  # fmt: skip
        with pytest.raises(ProblemError):
            decode_cursor(bad, sort, "desc")


def test_feed_cursor() -> None:
    assert parse_cursor(None) == (-1, 0)
    assert parse_cursor("0.15") == (0, 15)
    assert parse_cursor("812.9") == (812, 9)
    for bad in ("15", "a.b", "-1.2", "1.2.3"):
        with pytest.raises(ProblemError):
            parse_cursor(bad)


def test_changed_is_what_diff_states(make_profile: Callable[..., EnterpriseProfile]) -> None:
    from tidu_registry.domain.enterprise import PROFILE_FIELDS
    from tidu_registry.domain.history import Source, diff
    from tidu_registry.records import changed

    when = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    old, new = make_profile().to_record(), make_profile(name="另一个名称有限公司", own_brand=None).to_record()
    for before, after in [(None, new), (old, new), (old, old)]:
        stated = diff(before, after, who="x", when=when, source=Source.IMPORT, fields=PROFILE_FIELDS)
        assert changed(before, after, PROFILE_FIELDS) == [
            {"field": s.field, "old": s.old, "new": s.new} for s in stated
        ]
