"""How deployed functions connect to PostgreSQL: verified TLS, one connection, the secret's parameters."""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from moto import mock_aws
from sqlalchemy.engine import make_url

from veriflow.core import db, db_connect
from veriflow.core.settings import Settings, SettingsError

NOW = dt.datetime.now(dt.UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """A loopback TLS server whose certificate (for `db.internal`) a private CA signed; yields its port
    and the CA's PEM file."""
    folder = tmp_path_factory.mktemp("tls")
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Test CA")).issuer_name(_name("Test CA"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(NOW - dt.timedelta(days=1))
          .not_valid_after(NOW + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(_name("db.internal")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2).not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("db.internal")]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "server.pem").write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    )
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(folder / "server.pem")
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            try:
                with server_context.wrap_socket(connection, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], folder / "ca.pem"
    stop.set()
    listener.close()


def _handshake(context: ssl.SSLContext, port: int, server_hostname: str) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock, \
            context.wrap_socket(sock, server_hostname=server_hostname):
        pass


def test_database_tls_requires_a_trusted_certificate_for_the_host(tls_server: tuple[int, Path]) -> None:
    port, ca = tls_server
    # GIVEN the context deployed functions use, trusting the system's CAs and the RDS bundle
    deployed = db_connect.tls_context(Settings(stage="dev", database_url="postgresql://u:pw-long-enough@h/db"))
    # WHEN a server presents a certificate none of them signed, THEN the handshake is refused
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(deployed, port, "db.internal")

    # GIVEN a context that trusts the server's CA (DATABASE_CA_BUNDLE)
    trusting = db_connect.tls_context(Settings(database_ca_bundle=ca))
    # WHEN the name asked for is not the certificate's, THEN it is refused too
    with pytest.raises(ssl.SSLCertVerificationError, match=r"[Hh]ostname"):
        _handshake(trusting, port, "other.internal")
    # AND with the right name it succeeds
    _handshake(trusting, port, "db.internal")


def test_the_shipped_bundle_holds_the_rds_and_rds_proxy_roots() -> None:
    # GIVEN the context built from the bundle shipped in the package
    context = db_connect.tls_context(Settings())
    subjects = {
        dict(item[0] for item in cert["subject"]).get("commonName") for cert in context.get_ca_certs()
    }
    # THEN Aurora's regional roots and the Amazon root RDS Proxy chains to are trusted
    assert db_connect.RDS_CA_BUNDLE.is_file()
    assert {"Amazon RDS eu-west-1 Root CA RSA2048 G1", "Amazon RDS us-east-1 Root CA ECC384 G1",
            "Amazon Root CA 1"} <= subjects
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


def test_a_missing_ca_bundle_setting_is_an_error(tmp_path: Path) -> None:
    # WHEN DATABASE_CA_BUNDLE names no file, THEN building the context fails (never unverified)
    with pytest.raises(FileNotFoundError):
        db_connect.tls_context(Settings(database_ca_bundle=tmp_path / "missing.pem"))


def test_deployed_engines_verify_tls_and_hold_one_connection() -> None:
    # GIVEN a deployed stage's settings, with the default pool size
    settings = Settings(stage="prod", database_url="postgresql://u:a-real-password@db.internal/veriflow")

    # WHEN its engine is made (no connection is opened yet)
    engine = db.make_engine(db.database_url(settings), settings)
    context = db_connect.connect_args(settings)["ssl_context"]

    # THEN pg8000 gets a verifying context, and the pool is one connection with no overflow
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert engine.pool.size() == 1  # type: ignore[attr-defined]
    assert engine.pool._max_overflow == 0  # type: ignore[attr-defined]
    # AND DB_POOL_SIZE still sizes it
    bigger = Settings(stage="prod", database_url=settings.database_url, db_pool_size=3)
    assert db.make_engine(db.database_url(bigger), bigger).pool.size() == 3  # type: ignore[attr-defined]


@pytest.mark.parametrize(("host_setting", "expected"), [(None, "cluster.example"), ("proxy.example", "proxy.example")])
def test_the_secret_gives_the_connection_and_database_host_overrides_its_host(
    host_setting: str | None, expected: str
) -> None:
    with mock_aws():
        # GIVEN an RDS-format secret
        arn = boto3.client("secretsmanager").create_secret(Name="db", SecretString=json.dumps(
            {"username": "veriflow", "password": "s3cret-value", "host": "cluster.example", "port": 5433}
        ))["ARN"]
        settings = Settings(stage="dev", database_secret_arn=arn, database_host=host_setting)

        # WHEN the URL is built from it
        url = make_url(db.database_url(settings))

    # THEN it names the secret's user and port, and DATABASE_HOST's host when set
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "veriflow", "s3cret-value", expected, 5433, "veriflow"
    )


def test_a_secret_without_host_needs_database_host() -> None:
    with mock_aws():
        # GIVEN an RDS-managed secret (user name and password only) and no DATABASE_HOST
        arn = boto3.client("secretsmanager").create_secret(
            Name="rds-managed", SecretString=json.dumps({"username": "veriflow", "password": "generated"})
        )["ARN"]
        # WHEN the URL is built, THEN the error names the setting
        with pytest.raises(SettingsError, match="DATABASE_HOST"):
            db.database_url(Settings(stage="dev", database_secret_arn=arn))


def test_a_database_that_does_not_answer_is_a_503_with_retry_after() -> None:
    # GIVEN a PostgreSQL address that accepts TCP but never answers (as a resuming Aurora holds it)
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        settings = Settings(database_url=f"postgresql://u:pw@127.0.0.1:{port}/veriflow", db_timeout_s=0.5)
        engine = db.make_engine(db.database_url(settings), settings)

        # WHEN a request needs a connection, THEN it gets the 503 error, before the function times out
        with pytest.raises(db_connect.DatabaseUnavailable) as unavailable:
            engine.connect()
    assert unavailable.value.status == 503
    assert unavailable.value.headers == {"Retry-After": "15"}


def test_pool_size_zero_keeps_no_connection_between_requests() -> None:
    # GIVEN DB_POOL_SIZE=0 (what the template sets when Aurora may pause)
    settings = Settings(stage="dev", database_url="postgresql://u:a-real-password@db.internal/veriflow",
                        db_pool_size=0)
    # WHEN the engine is made, THEN it pools nothing: an idle container holds no connection open
    assert type(db.make_engine(db.database_url(settings), settings).pool).__name__ == "NullPool"
