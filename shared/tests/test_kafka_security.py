"""Kafka security settings → aiokafka client arguments (SASL/SCRAM, TLS, mutual TLS), and the rules
on secrets: never shown, placeholders and empty passwords refused in production."""

from __future__ import annotations

import datetime as dt
import logging
import ssl
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from tidu_shared import kafka
from tidu_shared.settings import KafkaSettings, ServiceSettings

PASSWORD = "s3cret-Scram-Pa55word"


def _cert(tmp_path: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"keypass"),
        )
    )
    return cert_path, key_path


def test_plaintext_development_settings_give_plain_clients() -> None:
    kw = kafka.client_kwargs(KafkaSettings(bootstrap_servers="127.0.0.1:9092"))
    assert kw["security_protocol"] == "PLAINTEXT"
    assert not {"ssl_context", "sasl_mechanism", "sasl_plain_password"} & set(kw)


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_sasl_scram_over_tls_with_a_ca_and_a_client_certificate(tmp_path: Path, mechanism: str) -> None:
    ca, _ = _cert(tmp_path, "ca")
    client_cert, client_key = _cert(tmp_path, "tidu-registry")
    settings = KafkaSettings(
        bootstrap_servers="kafka-0:9093",
        security_protocol="SASL_SSL",
        sasl_mechanism=mechanism,
        sasl_username="tidu-registry",
        sasl_password=PASSWORD,
        ssl_cafile=str(ca),
        ssl_certfile=str(client_cert),
        ssl_keyfile=str(client_key),
        ssl_password="keypass",
    )
    kw = kafka.client_kwargs(settings)
    assert kw["security_protocol"] == "SASL_SSL"
    assert kw["sasl_mechanism"] == mechanism
    assert kw["sasl_plain_username"] == "tidu-registry"
    assert kw["sasl_plain_password"] == PASSWORD  # handed to the client as a plain string
    ctx = kw["ssl_context"]
    assert isinstance(ctx, ssl.SSLContext)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert any(c["subject"] == ((("commonName", "ca"),),) for c in ctx.get_ca_certs())
    # The password never shows in the settings' repr (logs, tracebacks).
    assert PASSWORD not in repr(settings) and "keypass" not in repr(settings)
    assert PASSWORD not in str(settings.model_dump())


def test_tls_without_sasl_and_hostname_check_off(tmp_path: Path) -> None:
    ca, _ = _cert(tmp_path, "ca")
    kw = kafka.client_kwargs(KafkaSettings(security_protocol="SSL", ssl_cafile=str(ca), ssl_check_hostname=False))
    assert kw["ssl_context"].check_hostname is False and "sasl_mechanism" not in kw


def test_every_client_gets_the_security_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, dict[str, Any]] = {}

    def recorder(name: str) -> Any:
        def make(*_args: Any, **kw: Any) -> str:
            seen[name] = kw
            return name

        return make

    monkeypatch.setattr(kafka, "AIOKafkaProducer", recorder("producer"))
    monkeypatch.setattr(kafka, "AIOKafkaConsumer", recorder("consumer"))
    settings = KafkaSettings(
        security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512", sasl_username="u", sasl_password=PASSWORD
    )
    kafka.make_producer(settings)
    kafka.make_consumer(settings, "t", group_id="g")
    for name in ("producer", "consumer"):
        assert seen[name]["sasl_mechanism"] == "SCRAM-SHA-512"
        assert seen[name]["sasl_plain_password"] == PASSWORD
    assert seen["producer"]["acks"] == "all"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "KAFKA_SASL_MECHANISM"),
        ({"KAFKA_SASL_MECHANISM": "SCRAM-SHA-512"}, "SASL_SSL"),
        ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512"}, "KAFKA_SASL_USERNAME"),
        ({"KAFKA_SSL_KEYFILE": "/k.pem"}, "KAFKA_SSL_CERTFILE"),
    ],
)
def test_inconsistent_security_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ValidationError, match=message):
        KafkaSettings()


@pytest.mark.parametrize("password", [None, "", "  ", "changeme", "Password", "tidu"])
def test_production_refuses_empty_or_placeholder_sasl_passwords(
    monkeypatch: pytest.MonkeyPatch, password: str | None
) -> None:
    monkeypatch.setenv("TIDU_ENVIRONMENT", "production")
    monkeypatch.setenv("TIDU_AUTH_JWKS_URL", "https://idp.example/jwks")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "tidu-registry")
    if password is None:
        monkeypatch.delenv("KAFKA_SASL_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("KAFKA_SASL_PASSWORD", password)
    with pytest.raises(ValidationError, match="KAFKA_SASL_PASSWORD"):
        ServiceSettings()
    # Outside production the same settings are accepted (a local broker).
    monkeypatch.setenv("TIDU_ENVIRONMENT", "development")
    assert ServiceSettings().kafka.sasl_mechanism == "SCRAM-SHA-512"


def test_production_accepts_a_real_password_and_never_shows_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TIDU_ENVIRONMENT", "production")
    monkeypatch.setenv("TIDU_AUTH_JWKS_URL", "https://idp.example/jwks")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "tidu-whistle")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", PASSWORD)
    settings = ServiceSettings()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("tidu.test").info("settings %s / %r", settings, settings.kafka)
    assert PASSWORD not in caplog.text and PASSWORD not in repr(settings) and PASSWORD not in str(settings)
    assert settings.kafka.sasl_password is not None and settings.kafka.sasl_password.get_secret_value() == PASSWORD
