"""The certificate as it is anchored: a small JSON document in RFC 8785 canonical form (sorted
keys, fixed number and string forms), so anyone can re-create the exact bytes and their SHA-256.
The recipient's email is left out: what goes on chain never names an address."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import rfc8785

if TYPE_CHECKING:
    from veriflow.certificates.models import Certificate

VERSION = 1


def timestamp(moment: datetime) -> str:
    """UTC, ISO 8601 with a Z, microseconds only when there are some: one spelling per instant."""
    utc = moment.astimezone(UTC)
    spelled = utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")
    return spelled.replace("+00:00", "Z")


def fields_of(certificate: Certificate) -> dict[str, Any]:
    """The certificate's anchored fields as its row holds them now."""
    return {
        "id": str(certificate.id),
        "issuer": {"org_id": str(certificate.org_id)},
        "recipient": {"name": certificate.recipient_name},
        "title": certificate.title,
        "description": certificate.description,
        "issued_at": timestamp(certificate.issued_at),
        "expires_at": timestamp(certificate.expires_at) if certificate.expires_at else None,
        "metadata": certificate.extra,
        "image_sha256": certificate.image_sha256,
    }


def build(certificate: Certificate, issuer_name: str) -> dict[str, Any]:
    """The document to anchor: the row's fields, the issuer's name at issue time, the version."""
    document = fields_of(certificate)
    document["issuer"]["name"] = issuer_name
    document["version"] = VERSION
    return document


def canonical(document: dict[str, Any]) -> str:
    return rfc8785.dumps(document).decode("utf-8")


def sha256_hex(canonical_text: str) -> str:
    return hashlib.sha256(canonical_text.encode("utf-8")).hexdigest()


def matches_row(stored: str, certificate: Certificate) -> bool:
    """Whether the stored document still says what the row says (the issuer's name aside, which
    the document fixes at issue time)."""
    try:
        document = json.loads(stored)
    except ValueError:
        return False
    if not isinstance(document, dict) or not isinstance(document.get("issuer"), dict):
        return False
    current = fields_of(certificate)
    issuer = dict(document["issuer"])
    issuer.pop("name", None)
    others = {key: value for key, value in document.items() if key not in ("issuer", "version")}
    current_issuer = current.pop("issuer")
    return bool(issuer == current_issuer and others == current and document.get("version") == VERSION)
