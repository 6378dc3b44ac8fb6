"""What anyone may read about a certificate, without signing in: its verification and its proof."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from veriflow.certificates import verification
from veriflow.certificates.models import AnchorBatch, Certificate
from veriflow.certificates.settings import get_certificate_settings
from veriflow.core.errors import NotFound
from veriflow.identity.org_models import Organization

MISSING = "No such certificate."


def find(session: Session, raw_id: str) -> tuple[Certificate, AnchorBatch | None]:
    """The certificate (any string that is not one of our ids is simply not found)."""
    try:
        certificate_id = uuid.UUID(raw_id)
    except ValueError:
        raise NotFound(MISSING) from None
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFound(MISSING)
    batch = session.get(AnchorBatch, certificate.batch_id) if certificate.batch_id else None
    return certificate, batch


def verify(session: Session, raw_id: str, now: datetime, *, reader: Any | None = None,
           resolver: Any | None = None) -> dict[str, Any]:
    certificate, batch = find(session, raw_id)
    checks = {
        "integrity": verification.integrity(certificate, batch),
        "issuance": verification.issuance(certificate, batch, now, reader),
        "issuer": verification.issuer(session, certificate, now, resolver),
    }
    settings = get_certificate_settings()
    org = session.get(Organization, certificate.org_id)
    issuer_name = _issuer_name(certificate) or (org.name if org else "")
    return {
        "certificate_id": str(certificate.id),
        "verdict": verification.verdict(*(check.result for check in checks.values())),
        **{name: {"result": c.result, "reason": c.reason, **c.facts} for name, c in checks.items()},
        "certificate": {
            "title": certificate.title, "recipient_name": certificate.recipient_name, "issuer_name": issuer_name,
            "issued_at": certificate.issued_at.isoformat(),
            "expires_at": certificate.expires_at.isoformat() if certificate.expires_at else None,
        },
        "verify_url": settings.verify_url(certificate.id),
        "proof_url": f"{settings.public_api_url.rstrip('/')}/v1/certificates/{certificate.id}/proof",
        "checked_at": now.isoformat(),
    }


def _issuer_name(certificate: Certificate) -> str | None:
    if certificate.document is None:
        return None
    name = json.loads(certificate.document).get("issuer", {}).get("name")
    return name if isinstance(name, str) else None


def page_context(result: dict[str, Any]) -> dict[str, Any]:
    cert = result["certificate"]
    return {
        "verdict": result["verdict"], "title": cert["title"], "recipient_name": cert["recipient_name"],
        "issuer_name": cert["issuer_name"], "issued_at": cert["issued_at"][:10],
        "expires_at": cert["expires_at"][:10] if cert["expires_at"] else None,
        "checks": [{"name": name, "result": result[name]["result"], "reason": result[name]["reason"]}
                   for name in ("integrity", "issuance", "issuer")],
        "qr_url": f"/v1/verify/{result['certificate_id']}/qr.png", "proof_url": result["proof_url"],
        "certificate_id": result["certificate_id"],
    }


def proof(session: Session, raw_id: str) -> dict[str, Any]:
    """The self-contained proof: the canonical document, its hash, the Merkle path to the root,
    and where the root was anchored. Checkable against any node without us."""
    certificate, batch = find(session, raw_id)
    if batch is None or batch.block_number is None or certificate.merkle_path is None or certificate.document is None:
        raise NotFound("This certificate is not anchored yet; its proof exists once it is.")
    from veriflow.chain.merkle import leaf_hash
    from veriflow.chain.proof import ProofDocument

    assert certificate.document_sha256 is not None
    document = ProofDocument(
        version=1, certificate=json.loads(certificate.document), certificate_sha256="0x" + certificate.document_sha256,
        leaf="0x" + leaf_hash(bytes.fromhex(certificate.document_sha256)).hex(),
        merkle_path=["0x" + node for node in certificate.merkle_path], root="0x" + batch.root,
        chain_id=batch.chain_id, contract_address=batch.contract_address, transaction_hash=batch.tx_hash,
        block_number=batch.block_number,
        canonicalization="RFC 8785 (JCS) then SHA-256; leaf = keccak256(keccak256(sha256)); sorted pairs",
    )
    return document.model_dump(mode="json")


def qr_png(raw_id: str, session: Session) -> bytes:
    import io

    import segno

    certificate, _ = find(session, raw_id)
    buffer = io.BytesIO()
    segno.make(get_certificate_settings().verify_url(certificate.id), error="m").save(
        buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


