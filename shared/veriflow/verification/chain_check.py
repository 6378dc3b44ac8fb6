"""The chain layer: the certificate the registry layer matched, checked on chain as anyone holding
its proof could check it: the leaf recomputed from the canonical document, the Merkle path to the
anchored root, the root's Anchored event in the anchoring transaction, and that transaction's block
at or below `finalized`. A node that cannot be asked is an error (the layer did not run), never a
low score; an upload that matched nothing, or an altered copy, has no proof to check."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from veriflow.certificates.public import proof
from veriflow.core.errors import NotFound
from veriflow.forensics.assessment import Assessment, Finding

if TYPE_CHECKING:
    from veriflow.chain.proof import ProofDocument

FAITHFUL = ("exact", "pixels")  # registry matches whose certificate's proof speaks for the upload


class ChainUnavailableError(Exception):
    """The chain node could not be asked (the state machine's Catch makes the layer `error`)."""


def matched_certificate(registry: dict[str, Any] | None) -> uuid.UUID | None:
    """The certificate the upload is a faithful copy of, by the registry layer's result."""
    if not registry or registry.get("status") != "ok":
        return None
    facts = registry.get("facts") or {}
    if facts.get("match") not in FAITHFUL or not facts.get("certificate_id"):
        return None
    return uuid.UUID(str(facts["certificate_id"]))


def skipped_reason(registry: dict[str, Any] | None) -> str:
    facts = (registry or {}).get("facts") or {}
    if facts.get("match") == "edited":
        return (f"The upload is an altered copy of certificate {facts.get('certificate_id')}: that certificate's "
                "on-chain proof says nothing about this file.")
    if (registry or {}).get("status") == "error":
        return "The registry layer failed, so no certificate was matched to check on chain."
    return "No issued certificate matched the upload, so there is no on-chain proof to check."


def proof_of(session: Session, certificate_id: uuid.UUID) -> ProofDocument | None:
    """The certificate's proof as the public proof route gives it; None until it is anchored."""
    from veriflow.chain.proof import ProofDocument

    try:
        return ProofDocument.model_validate(proof(session, str(certificate_id)))
    except NotFound:
        return None


def check(certificate_id: uuid.UUID, document: ProofDocument, reader: Any) -> Assessment:
    """The proof checked against the node (outside any database transaction: the node may be slow)."""
    from veriflow.chain.proof import check_proof

    checked = check_proof(document, reader)
    steps = {step.name: {"status": step.status, "detail": step.detail} for step in checked.steps}
    facts: dict[str, Any] = {
        "certificate_id": str(certificate_id), "status": checked.status, "steps": steps,
        "chain_id": document.chain_id, "contract_address": document.contract_address,
        "transaction_hash": document.transaction_hash, "block_number": document.block_number,
        "root": document.root,
    }
    if checked.status == "unavailable":
        detail = next(step.detail for step in checked.steps if step.status == "unavailable")
        raise ChainUnavailableError(f"{detail[:1].upper()}{detail[1:]}.")
    if checked.status == "pending":
        detail = next(step.detail for step in checked.steps if step.status == "pending")
        return Assessment.skipped(f"The anchor of certificate {certificate_id} is not final yet: {detail}.", **facts)
    if checked.status == "invalid":
        failed = [step for step in checked.steps if step.status == "invalid"]
        findings = [Finding(code=f"chain_{step.name}", severity="strong", penalty=1.0,
                            message=f"The proof of certificate {certificate_id} fails {step.name}: {step.detail}.")
                    for step in failed]
        return Assessment(score=0.0, findings=findings, facts=facts)
    findings = [Finding(code="chain_proof_valid",
                        message=f"Certificate {certificate_id}'s Merkle proof leads to root {document.root}, anchored "
                                f"in transaction {document.transaction_hash} (block {document.block_number}, final).")]
    return Assessment(score=1.0, findings=findings, facts=facts)
