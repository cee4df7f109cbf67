"""Bearer JWTs: HS256 with a development secret by default, RS256 against a JWKS URL when
``TIDU_AUTH_JWKS_URL`` is set. Claims (architecture.md): ``sub``, ``role`` and the scope that
binds the role — ``uscc`` (enterprise), ``dept`` (department), ``inst`` (institution),
``district`` (operator; a city operator has ``district: "500000"`` and sees every district).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request

from tidu_shared.errors import ProblemError
from tidu_shared.settings import AuthSettings

CITY_DISTRICT = "500000"


class Role(StrEnum):
    operator = "operator"
    enterprise = "enterprise"
    commissioner = "commissioner"
    department = "department"
    institution = "institution"
    admin = "admin"


SCOPE_CLAIM = {
    Role.enterprise: "uscc",
    Role.department: "dept",
    Role.institution: "inst",
    Role.operator: "district",
}


@dataclass(frozen=True)
class Principal:
    sub: str
    role: Role
    uscc: str | None = None
    dept: str | None = None
    inst: str | None = None
    district: str | None = None
    name: str | None = None
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_city(self) -> bool:
        return self.role == Role.admin or (self.role == Role.operator and self.district == CITY_DISTRICT)

    def sees_district(self, district_code: str) -> bool:
        """Operators see their own district (city operators and admins see all)."""
        if self.is_city:
            return True
        return self.role == Role.operator and self.district == district_code


def _unauthenticated(detail: str, detail_en: str) -> ProblemError:
    return ProblemError(
        401, "unauthenticated", "未登录或令牌无效", detail, detail_en, headers={"WWW-Authenticate": "Bearer"}
    )


VERIFIED_CACHE_S = 30.0  # a verified token is answered from memory for at most this long
_VERIFIED_MAX = 10_000


class TokenVerifier:
    """Verifies bearer tokens. RS256 tokens are checked against the JWKS (keys cached, and
    fetched again when a token names an unknown ``kid``: key rotation); HS256 tokens against the
    shared secret, and never in production.

    A verified token is remembered for :data:`VERIFIED_CACHE_S` seconds, never past its expiry
    (plus the leeway), and an RS256 one only while its key is still in the JWKS: a client sends
    the same token with every request, and decoding and checking the signature was the largest
    cost of a small GET."""

    def __init__(self, settings: AuthSettings, *, production: bool = False) -> None:
        self.settings = settings
        self.allow_hs256 = not production and "HS256" in settings.algorithms
        self._jwks: jwt.PyJWKClient | None = (
            jwt.PyJWKClient(
                settings.jwks_url,
                cache_keys=False,
                cache_jwk_set=True,
                lifespan=settings.jwks_cache_seconds,
                timeout=5,
                cooldown_duration=settings.jwks_refresh_cooldown_seconds,
            )
            if settings.jwks_url
            else None
        )
        self._verified: dict[str, tuple[Principal, float, str | None]] = {}

    def verify(self, token: str) -> Principal:
        hit = self._verified.get(token)
        now = time.time()
        if hit is not None:
            principal, until, kid = hit
            if now < until and (kid is None or self._key_known(kid)):
                return principal
            del self._verified[token]
        principal, kid = self._verify(token)
        exp = principal.claims.get("exp")
        if isinstance(exp, int | float):
            if len(self._verified) >= _VERIFIED_MAX:
                self._verified.clear()
            until = min(float(exp) + self.settings.leeway_seconds, now + VERIFIED_CACHE_S)
            self._verified[token] = (principal, until, kid)
        return principal

    def _key_known(self, kid: str) -> bool:
        """The key is still in the (cached) JWKS: a rotation that dropped it ends its tokens' reuse."""
        if self._jwks is None:
            return False
        try:
            return any(k.key_id == kid for k in self._jwks.get_jwk_set().keys)
        except jwt.PyJWKClientError:
            return False

    def _verify(self, token: str) -> tuple[Principal, str | None]:
        s = self.settings
        kid: str | None = None
        try:
            header = jwt.get_unverified_header(token)
            alg = header.get("alg")
            if self._jwks is not None and alg == "RS256":
                signing = self._jwks.get_signing_key_from_jwt(token)
                key: Any = signing.key
                algorithms = ["RS256"]
                kid = signing.key_id or ""
            elif alg == "HS256" and self.allow_hs256:
                key, algorithms = s.jwt_secret, ["HS256"]
            else:
                raise _unauthenticated("令牌签名算法不被接受", f"token algorithm {alg!r} not accepted")
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=s.audience,
                issuer=s.issuer,
                leeway=s.leeway_seconds,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise _unauthenticated("令牌已过期，请重新登录", "token expired") from None
        except jwt.PyJWKClientError as exc:
            raise _unauthenticated("无法获取验证令牌的公钥", f"signing key unavailable: {exc}") from None
        except jwt.InvalidTokenError as exc:
            raise _unauthenticated("令牌无效", f"invalid token: {exc}") from None
        return principal_from_claims(claims), kid


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    try:
        role = Role(claims.get("role"))
    except ValueError:
        raise _unauthenticated("令牌中的角色无效", f"unknown role {claims.get('role')!r}") from None
    scope = SCOPE_CLAIM.get(role)
    if scope and not claims.get(scope):
        raise _unauthenticated(f"令牌缺少 {scope} 声明", f"a {role} token needs the {scope!r} claim")
    return Principal(
        sub=str(claims["sub"]),
        role=role,
        uscc=claims.get("uscc"),
        dept=claims.get("dept"),
        inst=claims.get("inst"),
        district=claims.get("district"),
        name=claims.get("name"),
        claims=claims,
    )


def mint_token(
    settings: AuthSettings,
    *,
    sub: str,
    role: Role | str,
    ttl_s: int = 12 * 3600,
    private_key: Any = None,
    kid: str | None = None,
    **scope: str,
) -> str:
    """Mint a token: HS256 with the configured secret, or RS256 with ``private_key``."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "role": str(role),
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_s,
    }
    claims.update({k: v for k, v in scope.items() if v is not None})
    if private_key is not None:
        return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid} if kid else None)
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


async def current_principal(request: Request) -> Principal:
    """Async on purpose: a sync dependency would run in a worker thread (about 2 ms per
    request). Verification is CPU-only except a JWKS fetch on a new key id, at most once per
    cooldown."""
    verifier: TokenVerifier = request.app.state.token_verifier
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _unauthenticated("需要 Bearer 访问令牌", "a bearer token is required")
    principal = verifier.verify(token.strip())
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Any:
    """A dependency that admits only ``roles``; others get 403."""

    async def _check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise ProblemError(
                403,
                "role_not_allowed",
                "无权访问",
                f"当前角色（{principal.role}）无权执行此操作",
                f"role {principal.role} may not do this",
            )
        return principal

    return Depends(_check)


def ensure_may_read_enterprise(principal: Principal, *, uscc: str, district_code: str) -> None:
    """The basic rule for an enterprise's records: an enterprise reads only itself (others'
    existence does not leak: 404), an operator its own district, the city and admins all;
    departments, commissioners and institutions read the public profile (name, district,
    industry); services narrow this further where their data is not public."""
    if principal.role == Role.enterprise and principal.uscc != uscc:
        from tidu_shared.audit import hides_existence  # the audit imports this module

        raise hides_existence(ProblemError(404, "enterprise_not_found", "未找到", "企业不存在", "enterprise not found"))
    if principal.role == Role.operator and not principal.sees_district(district_code):
        raise ProblemError(
            403, "other_district", "无权访问", "只能查看本区县的企业", "operators see their own district only"
        )
