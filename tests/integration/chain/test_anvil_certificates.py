"""The certificates' anchoring runs against a real node (anvil, finality lagging the head), on
SQLite and PostgreSQL: one batch, one transaction, final once the lag has passed, its proofs valid."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from tests.integration.chain.conftest import FINALITY_LAG, Anvil
from veriflow.certificates import anchoring, document, public
from veriflow.certificates.models import AnchorBatch, Certificate
from veriflow.chain.proof import ProofDocument, check_proof
from veriflow.core.db import session_scope
from veriflow.core.types import utcnow
from veriflow.identity.org_models import Organization


def _issued(count: int) -> list[uuid.UUID]:
    """Certificates whose images were accepted: canonical document and hash stored, status issued."""
    with session_scope() as session:
        org = Organization(name="Anvil Academy", slug=f"anvil-{uuid.uuid4().hex[:8]}")
        session.add(org)
        session.flush()
        ids = []
        for index in range(count):
            certificate = Certificate(
                org_id=org.id, recipient_name=f"Person {index}", recipient_email=f"p{index}@example.org",
                title="Anchoring 101", issued_at=datetime(2026, 11, 30, tzinfo=UTC), extra={}, status="issued",
                image_key=f"issued/{org.id}/{index}.png", image_sha256=f"{index:064x}", accepted_at=utcnow())
            session.add(certificate)
            session.flush()
            canonical = document.canonical(document.build(certificate, org.name))
            certificate.document, certificate.document_sha256 = canonical, document.sha256_hex(canonical)
            ids.append(certificate.id)
    return ids


def test_a_batch_is_anchored_once_and_final_after_the_lag(
    any_database: str, identity_resources: str, anvil: Anvil
) -> None:
    # (identity_resources: the notifications queue in moto, for the `certificate.anchored` webhook)
    # GIVEN five issued certificates
    ids = _issued(5)
    # WHEN the anchoring job runs against anvil
    first = anchoring.run(anvil.sender(), anvil.reader())
    anvil.mined(_batch().tx_hash)
    # THEN one batch holds them all, sent in one transaction, mined but not final yet
    assert first.anchored_certificates == 5
    anchoring.run(anvil.sender(), anvil.reader())
    assert _batch().status == "mined"
    # WHEN the chain moves past the finality lag
    anvil.rpc("anvil_mine", hex(FINALITY_LAG + 1))
    final = anchoring.run(anvil.sender(), anvil.reader())
    # THEN the batch is final, its certificates anchored, and a proof checks out against the node
    batch = _batch()
    assert final.final == [str(batch.id)]
    with session_scope() as session:
        statuses = set(session.scalars(select(Certificate.status).where(Certificate.id.in_(ids))))
        proof = public.proof(session, str(ids[3]))
    assert statuses == {"anchored"}
    assert check_proof(ProofDocument.model_validate(proof), anvil.reader()).status == "valid"
    events = anvil.reader().anchored(batch.tx_hash, anvil.contract_address)
    assert [event.root.hex() for event in events] == [batch.root]
    assert batch.gas_used is not None
    assert batch.gas_used < 60_000


def _batch() -> AnchorBatch:
    with session_scope() as session:
        [batch] = session.scalars(select(AnchorBatch))
        session.expunge(batch)
        return batch

