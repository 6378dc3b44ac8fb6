"""Rebuild shared/veriflow/core/data/rds-ca-bundle.pem (needs internet): AWS's RDS global bundle, plus
the Amazon Trust Services roots RDS Proxy's certificate chains to, taken from certifi.

    .venv/bin/python scripts/update_rds_ca_bundle.py
"""

from __future__ import annotations

import datetime as dt
import urllib.request
from pathlib import Path

import certifi
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

GLOBAL_BUNDLE = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
PROXY_ROOTS = {"Amazon Root CA 1", "Amazon Root CA 2", "Amazon Root CA 3", "Amazon Root CA 4",
               "Starfield Services Root Certificate Authority - G2"}
TARGET = Path(__file__).resolve().parents[1] / "shared" / "veriflow" / "core" / "data" / "rds-ca-bundle.pem"


def _common_name(cert: x509.Certificate) -> str:
    return str(cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value)


def _pem(cert: x509.Certificate) -> str:
    return (f"# {_common_name(cert)}\n# valid until {cert.not_valid_after_utc:%Y-%m-%d}\n"
            + cert.public_bytes(Encoding.PEM).decode())


def main() -> None:
    with urllib.request.urlopen(GLOBAL_BUNDLE, timeout=30) as response:
        rds = x509.load_pem_x509_certificates(response.read())
    now = dt.datetime.now(dt.UTC)
    proxy = [c for c in x509.load_pem_x509_certificates(Path(certifi.where()).read_bytes())
             if _common_name(c) in PROXY_ROOTS]
    if not rds or len(proxy) != len(PROXY_ROOTS):
        raise SystemExit("unexpected bundle contents: nothing written")
    header = [line for line in TARGET.read_text().splitlines(keepends=True) if line.startswith("#")]
    header = header[: next(i for i, line in enumerate(header) if line.startswith("# Taken offline"))]
    body = "".join(_pem(c) for c in rds + proxy if c.not_valid_after_utc > now)
    TARGET.write_text("".join(header) + f"# Fetched from {GLOBAL_BUNDLE} and certifi on {now:%Y-%m-%d}.\n" + body)


if __name__ == "__main__":
    main()
