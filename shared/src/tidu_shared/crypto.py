"""Encryption of personal data at rest (identity numbers, phone numbers).

Values are sealed with AES-256-GCM under a key named in the ciphertext, so keys rotate without a
rewrite: the first key of ``TIDU_DATA_KEYS`` encrypts, every key listed decrypts. A sealed value
is text::

    tdk1:<key id>:<base64url(12-byte nonce | ciphertext | 16-byte tag)>

The key id is also the associated data (a ciphertext moved under another id fails to open).

* :class:`EncryptedText` — a SQLAlchemy type for a string column kept sealed;
* :class:`EncryptedJson` — the same for a JSON value (a list of contacts);
* :func:`keyed_hash` — HMAC-SHA256 of a value, for columns that must be matched on equality
  without holding the value (none of the current columns needs it).

The keyring is process-wide: :func:`configure` installs the one from a service's settings at
start; until then :func:`keyring` builds it from the environment (migrations, the CLI). The
development key is a published constant: ``ServiceSettings`` refuses it in production.

Rows written before encryption (plain text, no ``tdk1:`` prefix) are read as they are, so that a
rolling upgrade keeps working until the migration has sealed them; new writes are always sealed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Dialect, Text, TypeDecorator

PREFIX = "tdk1:"
DEV_KEY_ID = "dev"
# A published development key (32 bytes): never good for production (refused there).
DEV_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"tidu-development-data-key").digest()).decode()
DEV_KEYS = f"{DEV_KEY_ID}={DEV_KEY}"
_NONCE = 12


class DataKeyError(ValueError):
    """A key setting that cannot be used, or a ciphertext that no known key opens."""


def parse_keys(spec: str) -> dict[str, bytes]:
    """``"k2=<base64url 32 bytes>,k1=<…>"`` → ``{"k2": key, "k1": key}`` (order kept: first is current)."""
    keys: dict[str, bytes] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        kid, sep, material = part.partition("=")
        kid = kid.strip()
        if not sep or not kid or not kid.replace("-", "").replace("_", "").isalnum() or len(kid) > 16:
            raise DataKeyError("TIDU_DATA_KEYS: each key is written id=base64url (id: up to 16 letters or digits)")
        try:
            raw = base64.urlsafe_b64decode(material.strip() + "=" * (-len(material.strip()) % 4))
        except ValueError:
            raise DataKeyError(f"TIDU_DATA_KEYS: key {kid!r} is not base64url") from None
        if len(raw) != 32:
            raise DataKeyError(f"TIDU_DATA_KEYS: key {kid!r} must be 32 bytes (AES-256), got {len(raw)}")
        if kid in keys:
            raise DataKeyError(f"TIDU_DATA_KEYS: key id {kid!r} listed twice")
        keys[kid] = raw
    if not keys:
        raise DataKeyError("TIDU_DATA_KEYS holds no key")
    return keys


def new_key() -> str:
    """A fresh random key in the ``TIDU_DATA_KEYS`` notation's base64url form."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


class DataProtectionSettings(BaseSettings):
    """``TIDU_DATA_KEYS`` (encryption keys, current first) and ``TIDU_DATA_HASH_KEY`` (HMAC)."""

    model_config = SettingsConfigDict(env_prefix="TIDU_DATA_", extra="ignore")

    keys: SecretStr = Field(default=SecretStr(DEV_KEYS))
    hash_key: SecretStr = Field(default=SecretStr(DEV_KEY))

    @field_validator("keys")
    @classmethod
    def _keys_parse(cls, value: SecretStr) -> SecretStr:
        parse_keys(value.get_secret_value())
        return value

    @property
    def uses_development_key(self) -> bool:
        spec = self.keys.get_secret_value()
        keys = parse_keys(spec)
        return (
            DEV_KEY_ID in keys
            or any(base64.urlsafe_b64encode(k).decode() == DEV_KEY for k in keys.values())
            or (self.hash_key.get_secret_value() == DEV_KEY)
        )


class Keyring:
    """Encrypts with the current key, decrypts with any key it holds."""

    def __init__(self, keys: Mapping[str, bytes], hash_key: bytes = b"") -> None:
        if not keys:
            raise DataKeyError("a keyring needs at least one key")
        self._aead = {kid: AESGCM(key) for kid, key in keys.items()}
        self.current = next(iter(keys))
        self._hash_key = hash_key or hashlib.sha256(b"tidu-hash:" + keys[self.current]).digest()

    @classmethod
    def from_settings(cls, settings: DataProtectionSettings) -> Keyring:
        return cls(parse_keys(settings.keys.get_secret_value()), settings.hash_key.get_secret_value().encode())

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._aead)

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(_NONCE)
        kid = self.current
        sealed = self._aead[kid].encrypt(nonce, plaintext.encode(), kid.encode())
        return f"{PREFIX}{kid}:{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"

    def decrypt(self, token: str) -> str:
        if not is_sealed(token):
            return token  # written before encryption (see the module docstring)
        kid, _, body = token[len(PREFIX) :].partition(":")
        aead = self._aead.get(kid)
        if aead is None:
            raise DataKeyError(f"no key {kid!r} in TIDU_DATA_KEYS to decrypt a stored value")
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        try:
            return aead.decrypt(raw[:_NONCE], raw[_NONCE:], kid.encode()).decode()
        except InvalidTag:
            raise DataKeyError(f"a stored value does not open with key {kid!r}") from None

    def key_id_of(self, token: str) -> str | None:
        return token[len(PREFIX) :].partition(":")[0] if is_sealed(token) else None

    def needs_rewrap(self, token: str) -> bool:
        """True for plain text and for values sealed under a key other than the current one."""
        return self.key_id_of(token) != self.current

    def hash(self, value: str) -> str:
        return hmac.new(self._hash_key, value.encode(), hashlib.sha256).hexdigest()


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


_keyring: Keyring | None = None


def configure(settings: DataProtectionSettings) -> Keyring:
    """Install the process-wide keyring from ``settings`` (a service's start-up)."""
    global _keyring
    _keyring = Keyring.from_settings(settings)
    return _keyring


def keyring() -> Keyring:
    """The installed keyring, or one built from the environment on first use."""
    global _keyring
    if _keyring is None:
        settings = DataProtectionSettings()
        if os.environ.get("TIDU_ENVIRONMENT") == "production" and settings.uses_development_key:
            # A migration or a CLI run in production must not seal with the published key.
            raise DataKeyError(
                "production needs TIDU_DATA_KEYS and TIDU_DATA_HASH_KEY (the development key is refused)"
            )
        _keyring = Keyring.from_settings(settings)
    return _keyring


def encrypt(value: str) -> str:
    return keyring().encrypt(value)


def decrypt(value: str) -> str:
    return keyring().decrypt(value)


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 (hex) of ``value`` under ``TIDU_DATA_HASH_KEY``: for equality matching."""
    return keyring().hash(value)


def rewrap_all(values: Iterable[str | None]) -> list[str | None]:
    """Each value sealed under the current key (plain text sealed, other keys re-sealed)."""
    ring = keyring()
    return [None if v is None else (ring.encrypt(ring.decrypt(v)) if ring.needs_rewrap(v) else v) for v in values]


class EncryptedText(TypeDecorator[str]):
    """A string kept sealed (``TEXT`` in the database)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return encrypt(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else decrypt(value)


def holds_nothing(value: Any) -> bool:
    """An empty list, dict or string: nothing to hide, kept plain (sealing costs ~20 µs a value, and
    most enterprises of a bulk import have no contacts)."""
    return isinstance(value, list | dict | str) and len(value) == 0


class EncryptedJson(TypeDecorator[Any]):
    """A JSON value kept sealed (``TEXT``); an empty list or object is kept plain. Legacy plain JSON
    text is parsed as it is."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        plain = orjson.dumps(value).decode()
        return plain if holds_nothing(value) else encrypt(plain)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):  # a JSON column read before the migration changed its type
            return value
        return orjson.loads(decrypt(value))
