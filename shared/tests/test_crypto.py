"""Personal data sealed at rest: round trips, key rotation, tampering, and the production rule."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import Column, MetaData, String, Table, create_engine, select, text

from tidu_shared import crypto
from tidu_shared.crypto import (
    DataKeyError,
    DataProtectionSettings,
    EncryptedJson,
    EncryptedText,
    Keyring,
    new_key,
    parse_keys,
)
from tidu_shared.logs import JsonFormatter, TextFormatter
from tidu_shared.settings import ServiceSettings

ID_NUMBER = "500101199001011234"
PHONE = "13812345678"

# Fixed keys for parameter ids: pytest-xdist workers must collect the same parameters.
FIXED_A = "A" * 43
FIXED_B = "B" * 43


@pytest.fixture
def restore_keyring() -> object:
    saved = crypto._keyring
    yield None
    crypto._keyring = saved


def test_sealed_value_holds_no_plaintext_and_opens_again() -> None:
    ring = Keyring(parse_keys(f"k1={new_key()}"))
    token = ring.encrypt(ID_NUMBER)
    assert token.startswith("tdk1:k1:")
    assert ID_NUMBER not in token
    assert ring.decrypt(token) == ID_NUMBER
    # A fresh nonce every time: equal values do not give equal ciphertexts.
    assert ring.encrypt(ID_NUMBER) != token


def test_rotation_decrypts_with_old_keys_and_encrypts_with_the_current_one() -> None:
    old_key, new = new_key(), new_key()
    before = Keyring(parse_keys(f"old={old_key}"))
    sealed_before = before.encrypt(PHONE)
    after = Keyring(parse_keys(f"new={new},old={old_key}"))
    assert after.decrypt(sealed_before) == PHONE
    assert after.needs_rewrap(sealed_before)
    sealed_after = after.encrypt(PHONE)
    assert after.key_id_of(sealed_after) == "new" and not after.needs_rewrap(sealed_after)
    # Once the old key is retired, values still under it cannot be opened: rewrap first.
    retired = Keyring(parse_keys(f"new={new}"))
    assert retired.decrypt(sealed_after) == PHONE
    with pytest.raises(DataKeyError, match="no key 'old'"):
        retired.decrypt(sealed_before)


def test_rewrap_all_moves_values_to_the_current_key(restore_keyring: object) -> None:
    old_key = new_key()
    crypto._keyring = Keyring(parse_keys(f"old={old_key}"))
    sealed = crypto.encrypt(PHONE)
    crypto._keyring = Keyring(parse_keys(f"cur={new_key()},old={old_key}"))
    rewrapped = crypto.rewrap_all([sealed, "plain-legacy", None])
    assert [crypto.keyring().key_id_of(v) if v else None for v in rewrapped] == ["cur", "cur", None]
    assert crypto.decrypt(rewrapped[0] or "") == PHONE
    assert crypto.decrypt(rewrapped[1] or "") == "plain-legacy"


def test_tampered_or_relabelled_ciphertext_is_refused() -> None:
    k = new_key()
    ring = Keyring(parse_keys(f"a={k},b={k}"))
    token = ring.encrypt(PHONE)
    body = token.rsplit(":", 1)[1]
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(DataKeyError):
        ring.decrypt(f"tdk1:a:{flipped}")
    # Same key material under another id: the id is authenticated, so it does not open.
    with pytest.raises(DataKeyError):
        ring.decrypt(token.replace("tdk1:a:", "tdk1:b:"))


@pytest.mark.parametrize(
    "spec",
    ["", "k1", "k1=short", f"k1={FIXED_A},k1={FIXED_B}", f"bad id={FIXED_A}"],
    ids=["empty", "no-key", "short-key", "id-twice", "bad-id"],
)
def test_bad_key_settings_are_refused(spec: str) -> None:
    with pytest.raises(DataKeyError):
        parse_keys(spec)
    with pytest.raises(ValidationError):
        DataProtectionSettings(keys=SecretStr(spec))


def test_column_types_store_sealed_text_and_read_plain_values(restore_keyring: object) -> None:
    crypto._keyring = Keyring(parse_keys(f"k9={new_key()}"))
    md = MetaData()
    t = Table(
        "people",
        md,
        Column("id", String(10), primary_key=True),
        Column("phone", EncryptedText()),
        Column("contacts", EncryptedJson()),
    )
    engine = create_engine("sqlite://")
    md.create_all(engine)
    contacts = [{"name": "张三", "phone": PHONE}]
    with engine.begin() as conn:
        conn.execute(
            t.insert(),
            [{"id": "a", "phone": PHONE, "contacts": contacts}, {"id": "b", "phone": None, "contacts": None}],
        )
        # A row written before encryption (plain text) still reads.
        conn.execute(text("INSERT INTO people (id, phone, contacts) VALUES ('c', '13900001111', '[]')"))
        raw = conn.execute(text("SELECT phone, contacts FROM people WHERE id = 'a'")).one()
        assert raw.phone.startswith("tdk1:k9:") and raw.contacts.startswith("tdk1:k9:")
        assert PHONE not in raw.phone and PHONE not in raw.contacts
        rows = {r.id: r for r in conn.execute(select(t))}
    assert rows["a"].phone == PHONE and rows["a"].contacts == contacts
    assert rows["b"].phone is None and rows["b"].contacts is None
    assert rows["c"].phone == "13900001111" and rows["c"].contacts == []


def test_production_refuses_the_development_data_key_where_personal_data_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class PersonalDataService(ServiceSettings):
        holds_personal_data = True

    monkeypatch.setenv("TIDU_ENVIRONMENT", "production")
    monkeypatch.setenv("TIDU_AUTH_JWKS_URL", "https://idp.example/jwks")
    monkeypatch.delenv("TIDU_DATA_KEYS", raising=False)
    monkeypatch.delenv("TIDU_DATA_HASH_KEY", raising=False)
    with pytest.raises(ValidationError, match="TIDU_DATA_KEYS"):
        PersonalDataService()
    # A service without personal data does not need the keys.
    assert ServiceSettings().environment == "production"
    monkeypatch.setenv("TIDU_DATA_KEYS", f"k1={new_key()}")
    with pytest.raises(ValidationError, match="TIDU_DATA_HASH_KEY"):
        PersonalDataService()  # the hash key is still the development one
    monkeypatch.setenv("TIDU_DATA_HASH_KEY", new_key())
    settings = PersonalDataService()
    assert "tdk" not in repr(settings) and settings.data.keys.get_secret_value() not in repr(settings)
    # Outside production the development key is allowed.
    monkeypatch.setenv("TIDU_ENVIRONMENT", "development")
    monkeypatch.delenv("TIDU_DATA_KEYS")
    assert PersonalDataService().data.uses_development_key


def test_keyed_hash_matches_equal_values_without_holding_them() -> None:
    ring = Keyring(parse_keys(f"k1={new_key()}"), b"hash-key-for-the-test-0123456789")
    assert ring.hash(PHONE) == ring.hash(PHONE) != ring.hash("13812345679")
    assert PHONE not in ring.hash(PHONE)


def test_logs_never_show_identity_or_phone_numbers() -> None:
    record = logging.LogRecord("tidu.test", logging.INFO, __file__, 1, "rep %s phone %s", (ID_NUMBER, PHONE), None)
    for formatter in (JsonFormatter("registry"), TextFormatter("%(message)s")):
        line = formatter.format(record)
        assert ID_NUMBER not in line and PHONE not in line
        assert "500101********1234" in line and "138****5678" in line


def test_a_migration_or_cli_in_production_refuses_the_development_key(
    monkeypatch: pytest.MonkeyPatch, restore_keyring: object
) -> None:
    crypto._keyring = None
    monkeypatch.setenv("TIDU_ENVIRONMENT", "production")
    monkeypatch.delenv("TIDU_DATA_KEYS", raising=False)
    with pytest.raises(DataKeyError, match="TIDU_DATA_KEYS"):
        crypto.encrypt(PHONE)
    monkeypatch.setenv("TIDU_DATA_KEYS", f"prod1={new_key()}")
    monkeypatch.setenv("TIDU_DATA_HASH_KEY", new_key())
    assert crypto.encrypt(PHONE).startswith("tdk1:prod1:")
