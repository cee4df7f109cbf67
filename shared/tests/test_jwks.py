"""RS256 tokens against a JWKS served by a small HTTP server of the test's own, with key
rotation; HS256 refused in production; clock skew bounded."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tidu_shared.auth import Role, TokenVerifier, mint_token
from tidu_shared.errors import ProblemError
from tidu_shared.ratelimit import TokenBucket
from tidu_shared.settings import AuthSettings, Environment, ServiceSettings


class Jwks:
    """The identity provider's key set; ``rotate`` publishes a new key (and keeps the old one
    for tokens already issued, as providers do), ``retire`` drops a key."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.fetches = 0

    def new_key(self, kid: str) -> Any:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.keys[kid] = key
        return key

    def retire(self, kid: str) -> None:
        del self.keys[kid]

    def document(self) -> bytes:
        out = []
        for kid, key in self.keys.items():
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            jwk.update(kid=kid, use="sig", alg="RS256")
            out.append(jwk)
        return json.dumps({"keys": out}).encode()


@pytest.fixture
def jwks_server() -> Iterator[tuple[Jwks, str]]:
    jwks = Jwks()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            jwks.fetches += 1
            body = jwks.document()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield jwks, f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def rs256(settings: AuthSettings, key: Any, kid: str, **claims: Any) -> str:
    return mint_token(settings, private_key=key, kid=kid, **claims)


def test_rs256_tokens_verify_against_the_jwks_through_a_rotation(jwks_server: tuple[Jwks, str]) -> None:
    jwks, url = jwks_server
    s = AuthSettings(
        jwks_url=url,
        algorithms=["RS256"],
        issuer="https://idp.example",
        audience="tidu",
        jwks_refresh_cooldown_seconds=0,
    )
    verifier = TokenVerifier(s, production=True)
    k1 = jwks.new_key("k1")
    p = verifier.verify(rs256(s, k1, "k1", sub="op-1", role="operator", district="500113"))
    assert (p.role, p.district) == (Role.operator, "500113")
    fetches = jwks.fetches

    # the provider rotates: a token signed with the new key makes the verifier fetch the set again
    k2 = jwks.new_key("k2")
    assert verifier.verify(rs256(s, k2, "k2", sub="op-2", role="admin")).sub == "op-2"
    assert jwks.fetches == fetches + 1
    # the old key keeps working while published (cached), and stops once retired and refetched
    assert verifier.verify(rs256(s, k1, "k1", sub="op-1", role="admin")).sub == "op-1"
    jwks.retire("k1")
    k3 = jwks.new_key("k3")
    verifier.verify(rs256(s, k3, "k3", sub="x", role="admin"))  # refetch: k1 gone
    with pytest.raises(ProblemError) as exc:
        verifier.verify(rs256(s, k1, "k1", sub="op-1", role="admin"))
    assert exc.value.status == 401

    # a key that never was in the set
    rogue = jwks_server[0].new_key("rogue")
    jwks.retire("rogue")
    with pytest.raises(ProblemError):
        verifier.verify(rs256(s, rogue, "rogue", sub="evil", role="admin"))


def test_hs256_is_refused_in_production_even_with_the_right_secret(jwks_server: tuple[Jwks, str]) -> None:
    _, url = jwks_server
    s = AuthSettings(jwks_url=url, algorithms=["RS256", "HS256"])
    token = mint_token(s, sub="a", role="admin")
    assert TokenVerifier(s, production=False).verify(token).sub == "a"
    with pytest.raises(ProblemError) as exc:
        TokenVerifier(s, production=True).verify(token)
    assert exc.value.code == "unauthenticated"


def test_production_settings_require_a_jwks_url() -> None:
    with pytest.raises(ValueError, match="JWKS"):
        ServiceSettings(TIDU_ENVIRONMENT=Environment.production, auth=AuthSettings(jwt_secret="x" * 40))
    ok = ServiceSettings(TIDU_ENVIRONMENT=Environment.production, auth=AuthSettings(jwks_url="https://idp/jwks"))
    assert ok.auth.jwks_url


@pytest.mark.parametrize(("skew", "ok"), [(-25, True), (-35, False)])
def test_expiry_leeway_is_bounded(skew: int, ok: bool) -> None:
    s = AuthSettings(leeway_seconds=30)
    token = mint_token(s, sub="a", role="admin", ttl_s=skew)
    if ok:
        assert TokenVerifier(s).verify(token).sub == "a"
    else:
        with pytest.raises(ProblemError):
            TokenVerifier(s).verify(token)


def test_not_before_in_the_future_is_refused() -> None:
    s = AuthSettings(leeway_seconds=5)
    now = int(time.time())
    claims = {"sub": "a", "role": "admin", "iss": s.issuer, "aud": s.audience, "nbf": now + 60, "exp": now + 600}
    with pytest.raises(ProblemError):
        TokenVerifier(s).verify(jwt.encode(claims, s.jwt_secret, algorithm="HS256"))


def test_leeway_setting_is_bounded() -> None:
    with pytest.raises(ValueError, match="300"):
        AuthSettings(leeway_seconds=3600)


def test_token_bucket_allows_a_burst_then_paces() -> None:
    b = TokenBucket(rate=2.0, burst=3)
    assert [b.take("p", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert b.take("p", now=0.0) == pytest.approx(0.5)
    assert b.take("p", now=0.5) == 0.0
    assert b.take("other", now=0.5) == 0.0  # per principal
