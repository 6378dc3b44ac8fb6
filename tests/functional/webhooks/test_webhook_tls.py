"""https receivers: the connection goes to the vetted address while TLS asks for, and checks the
certificate against, the URL's host name."""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from veriflow.webhooks.transport import post


def _self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, list[str | None]]]:
    """A TLS listener on 127.0.0.1 with a self-signed certificate for hooks.tls.test; records the SNI asked for."""
    import socket

    cert, key = _self_signed(tmp_path, "hooks.tls.test")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    names: list[str | None] = []
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)  # type: ignore[assignment,func-returns-value]
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass  # the client refused our certificate, as it should

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], names
    stop.set()
    listener.close()
    thread.join(timeout=5)


def test_tls_uses_the_host_name_for_sni_and_refuses_an_untrusted_certificate(tls_server: Any, dns: Any) -> None:
    # GIVEN a host name resolving to a TLS server whose certificate no public CA signed
    port, names = tls_server
    dns.point("hooks.tls.test", "127.0.0.1")
    # WHEN a delivery is posted to it
    outcome = post(f"https://hooks.tls.test:{port}/in", b"{}", {"content-type": "application/json"},
                   allow_localhost=True)
    # THEN the handshake named the host (not the address connected to) and the certificate was refused
    assert names == ["hooks.tls.test"]
    assert outcome.status is None
    assert not outcome.succeeded
    assert "CERTIFICATE_VERIFY_FAILED" in (outcome.error or "")
