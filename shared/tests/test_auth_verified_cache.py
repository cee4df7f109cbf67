"""A verified token is answered from memory for a short while, but never once it has expired."""

from __future__ import annotations

import time

import pytest

from tidu_shared.auth import TokenVerifier, mint_token
from tidu_shared.errors import ProblemError
from tidu_shared.settings import AuthSettings


def test_a_token_verified_once_is_refused_after_it_expires() -> None:
    s = AuthSettings(leeway_seconds=5)
    verifier = TokenVerifier(s)
    tok = mint_token(s, sub="op-1", role="operator", district="500113", ttl_s=-3)  # 2 s of leeway left
    first = verifier.verify(tok)
    assert verifier.verify(tok) == first  # served again within its lifetime
    time.sleep(2.5)
    with pytest.raises(ProblemError) as exc:
        verifier.verify(tok)
    assert exc.value.code == "unauthenticated"
    assert "过期" in exc.value.detail


def test_a_forged_token_is_refused_even_after_a_genuine_one(monkeypatch: pytest.MonkeyPatch) -> None:
    s = AuthSettings()
    verifier = TokenVerifier(s)
    genuine = mint_token(s, sub="a", role="admin")
    verifier.verify(genuine)
    forged = genuine[: genuine.rindex(".") + 1] + "AAAA" + genuine[genuine.rindex(".") + 5 :]
    with pytest.raises(ProblemError) as exc:
        verifier.verify(forged)
    assert exc.value.code == "unauthenticated"
