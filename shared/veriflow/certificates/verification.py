"""Public verification, as three separate results (OpenAttestation's split) and a verdict:
integrity (the record matches its hash and the anchored Merkle leaf), issuance (anchored, final on
chain, not revoked, not expired) and issuer (the organization, proven by a DNS TXT record or by a
platform admin). Each is valid, invalid, pending or unavailable: a chain or DNS outage is
`unavailable`, never `invalid`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from veriflow.certificates import document
from veriflow.certificates.models import AnchorBatch, Certificate
from veriflow.certificates.settings import get_certificate_settings

Result = Literal["valid", "invalid", "pending", "unavailable"]
_ORDER: tuple[Result, ...] = ("invalid", "unavailable", "pending", "valid")


@dataclass(frozen=True)
class Check:
    result: Result
    reason: str
    facts: dict[str, Any]


def verdict(*results: Result) -> Result:
    """The worst of the results: invalid over unavailable over pending over valid."""
    return next(result for result in _ORDER if result in results)


def integrity(certificate: Certificate, batch: AnchorBatch | None) -> Check:
    stored = certificate.document
    if stored is None or certificate.document_sha256 is None:
        return Check("pending", "The certificate is not issued yet: its image has not been accepted.", {})
    facts = {"document_sha256": certificate.document_sha256}
    if hashlib.sha256(stored.encode("utf-8")).hexdigest() != certificate.document_sha256:
        return Check("invalid", "The stored record does not match its hash.", facts)
    if not document.matches_row(stored, certificate):
        return Check("invalid", "The certificate's fields differ from the record that was hashed.", facts)
    if batch is None or certificate.merkle_path is None:
        return Check("pending", "The record matches its hash; it is not anchored yet.", facts)
    from veriflow.chain.merkle import verify_proof

    path = [bytes.fromhex(node) for node in certificate.merkle_path]
    if not verify_proof(bytes.fromhex(batch.root), bytes.fromhex(certificate.document_sha256), path):
        return Check("invalid", "The record's hash is not a leaf of the anchored Merkle root.",
                     {**facts, "merkle_root": batch.root})
    return Check("valid", "The record matches its hash and the anchored Merkle leaf.",
                 {**facts, "merkle_root": batch.root})


def issuance(certificate: Certificate, batch: AnchorBatch | None, now: datetime, reader: Any | None) -> Check:
    """`reader` (a chain reader) is asked only for a batch that is mined but not yet known final."""
    if certificate.revoked_at is not None:
        revoked_on = document.timestamp(certificate.revoked_at)
        return Check("invalid", f"Revoked on {revoked_on}: {certificate.revoked_reason}",
                     {"revoked_at": certificate.revoked_at.isoformat(), "revoked_reason": certificate.revoked_reason})
    if certificate.expires_at is not None and certificate.expires_at <= now:
        return Check("invalid", f"Expired on {document.timestamp(certificate.expires_at)}.",
                     {"expires_at": certificate.expires_at.isoformat()})
    if certificate.status == "awaiting_image":
        return Check("pending", "The certificate is not issued yet: its image has not been accepted.", {})
    if batch is None:
        return Check("pending", "Issued; waiting for the next anchoring batch.", {})
    facts: dict[str, Any] = {"chain_id": batch.chain_id, "contract_address": batch.contract_address,
                             "transaction_hash": batch.tx_hash, "block_number": batch.block_number}
    if batch.status == "final":
        return Check("valid", f"Anchored in block {batch.block_number}, which is final.", facts)
    return _live(batch, facts, reader)


def _live(batch: AnchorBatch, facts: dict[str, Any], reader: Any | None) -> Check:
    from veriflow.chain.reader import ChainUnavailable, connect_reader
    from veriflow.core.settings import SettingsError

    try:
        chain = reader if reader is not None else connect_reader()
    except SettingsError:
        return Check("unavailable", "This service has no chain node configured to check the anchor.", facts)
    try:
        events = [e for e in chain.anchored(batch.tx_hash, batch.contract_address) if e.root.hex() == batch.root]
        if not events:
            return Check("pending", "The anchoring transaction is sent but not mined yet.", facts)
        block = events[0].block_number
        finalized = chain.block_number("finalized")
    except ChainUnavailable:
        return Check("unavailable", "The chain could not be reached to check the anchor; try again later.", facts)
    facts = {**facts, "block_number": block, "finalized_block": finalized}
    if block > finalized:
        return Check("pending", f"Anchored in block {block}; not final yet (finalized: {finalized}).", facts)
    return Check("valid", f"Anchored in block {block}, which is final.", facts)


def issuer(session: Session, certificate: Certificate, now: datetime, resolver: Any | None = None) -> Check:
    from veriflow.identity.issuer import current_resolver, issuer_identity

    max_age = timedelta(seconds=get_certificate_settings().issuer_dns_max_age_s)
    identity = issuer_identity(session, certificate.org_id, resolver or current_resolver(), now, max_age)
    facts = {"org_id": str(identity.org_id), "name": identity.name, "domain": identity.domain,
             "domain_status": identity.domain_status, "admin_verified": identity.admin_verified}
    reasons: dict[str, str] = {
        "valid": f"{identity.name} is a verified issuer"
        + (f" (its domain {identity.domain} is proven by DNS)." if identity.domain_status == "valid" else "."),
        "invalid": f"{identity.name} claims {identity.domain}, but the domain's DNS record does not prove it.",
        "pending": f"{identity.name} has not proven its identity yet.",
        "unavailable": "The issuer's DNS record could not be checked; try again later.",
    }
    return Check(identity.status, reasons[identity.status], facts)
