"""Token verification: development HS256, expiry, audience, roles and scope claims."""

from __future__ import annotations

import time

import jwt
import pytest

from tidu_shared.auth import Principal, Role, TokenVerifier, mint_token
from tidu_shared.errors import ProblemError
from tidu_shared.settings import AuthSettings, Environment, ServiceSettings


def test_minted_operator_token_verifies_with_its_district() -> None:
    s = AuthSettings()
    p = TokenVerifier(s).verify(mint_token(s, sub="op-1", role="operator", district="500113"))
    assert p == Principal(sub="op-1", role=Role.operator, district="500113")
    assert p.sees_district("500113")
    assert not p.sees_district("500114")


def test_city_operator_sees_every_district() -> None:
    s = AuthSettings()
    p = TokenVerifier(s).verify(mint_token(s, sub="op-c", role="operator", district="500000"))
    assert p.is_city and p.sees_district("500114")


@pytest.mark.parametrize(
    ("role", "claim"),
    [("enterprise", "uscc"), ("department", "dept"), ("institution", "inst"), ("operator", "district")],
)
def test_a_role_without_its_scope_claim_is_refused(role: str, claim: str) -> None:
    s = AuthSettings()
    with pytest.raises(ProblemError) as exc:
        TokenVerifier(s).verify(mint_token(s, sub="x", role=role))
    assert exc.value.status == 401
    assert claim in exc.value.detail


def test_expired_token_is_refused_beyond_the_leeway() -> None:
    s = AuthSettings(leeway_seconds=5)
    tok = mint_token(s, sub="a", role="admin", ttl_s=-10)
    with pytest.raises(ProblemError) as exc:
        TokenVerifier(s).verify(tok)
    assert exc.value.code == "unauthenticated"
    assert "过期" in exc.value.detail


def test_token_signed_with_another_secret_is_refused() -> None:
    forged = jwt.encode(
        {"sub": "a", "role": "admin", "iss": "tidu-dev", "aud": "tidu", "exp": int(time.time()) + 60},
        "another-secret-another-secret-another-secret",
        algorithm="HS256",
    )
    with pytest.raises(ProblemError):
        TokenVerifier(AuthSettings()).verify(forged)


def test_wrong_audience_is_refused() -> None:
    s = AuthSettings()
    tok = mint_token(AuthSettings(audience="someone-else"), sub="a", role="admin")
    with pytest.raises(ProblemError):
        TokenVerifier(s).verify(tok)


def test_unknown_role_is_refused() -> None:
    s = AuthSettings()
    with pytest.raises(ProblemError):
        TokenVerifier(s).verify(mint_token(s, sub="a", role="superuser"))


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValueError, match="development secret are refused"):
        ServiceSettings(TIDU_ENVIRONMENT=Environment.production)
