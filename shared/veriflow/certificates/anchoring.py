"""The anchoring run (AnchorBatchFunction, on a schedule and on demand), in three steps, each
safe to repeat and to overlap with another run:

1. Send what is prepared: a batch's signed transaction is stored before it is broadcast, so a run
   that died after sending broadcasts the same bytes again (same nonce, same hash): one anchor.
2. Follow what is sent: record the block once mined; mark the batch final (its certificates
   anchored, the organizations told) once that block is at or below `finalized`; a transaction
   the node no longer knows, or whose block was reorganised away, is prepared again.
3. Gather what waits: issued certificates not in a batch go into one Merkle tree; their batch id
   and path are set only where no other run set them first (a conditional update), so two
   overlapping runs never put one certificate in two batches."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from veriflow.certificates.models import AnchorBatch, Certificate
from veriflow.chain.merkle import MerkleTree
from veriflow.chain.reader import ChainReader, ChainUnavailable
from veriflow.core.db import session_scope
from veriflow.core.types import new_id, utcnow
from veriflow.messaging.notification import Category, Channel, NotificationMessage, Recipients
from veriflow.messaging.notify import enqueue_many

logger = Logger(child=True)
MAX_BATCH = 10_000
FOLLOWED = ("prepared", "sent", "mined")


@dataclass
class RunReport:
    sent: list[str] = field(default_factory=list)
    mined: list[str] = field(default_factory=list)
    final: list[str] = field(default_factory=list)
    prepared_again: list[str] = field(default_factory=list)
    new_batch: str | None = None
    anchored_certificates: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "mined": self.mined, "final": self.final, "prepared_again": self.prepared_again,
                "new_batch": self.new_batch, "anchored_certificates": self.anchored_certificates}


def run(sender: Any, reader: ChainReader, *, max_batch: int = MAX_BATCH) -> RunReport:
    """One anchoring run. `sender` is an AnchorSender (signs and broadcasts), `reader` a ChainReader."""
    report = RunReport()
    finalized = reader.block_number("finalized")
    with session_scope() as session:
        batch_ids = list(session.scalars(select(AnchorBatch.id).where(AnchorBatch.status.in_(FOLLOWED))
                                         .order_by(AnchorBatch.created_at)))
    for batch_id in batch_ids:
        _follow(batch_id, sender, reader, finalized, report)
    _gather(sender, max_batch, report)
    return report


def _follow(batch_id: uuid.UUID, sender: Any, reader: ChainReader, finalized: int, report: RunReport) -> None:
    with session_scope() as session:
        batch = session.get(AnchorBatch, batch_id)
        assert batch is not None
        status, tx_hash, raw = batch.status, batch.tx_hash, batch.raw_tx
    if status == "prepared":
        _broadcast(batch_id, sender, bytes.fromhex(raw), report)
        return
    receipt = reader.receipt(tx_hash)
    if receipt is None or not receipt.succeeded:
        if receipt is None and reader.transaction(tx_hash) is not None:
            return  # pending: the node has it, a block will
        _prepare_again(batch_id, sender, report)  # dropped, reorganised away, or reverted
        return
    with session_scope() as session:
        batch = session.get(AnchorBatch, batch_id)
        assert batch is not None
        if batch.block_number != receipt.block_number:
            batch.block_number, batch.gas_used = receipt.block_number, receipt.gas_used
            batch.mined_at = utcnow()
            batch.status = "mined"
            report.mined.append(str(batch_id))
        if receipt.block_number <= finalized:
            _finalise(session, batch)
            report.final.append(str(batch_id))


def _broadcast(batch_id: uuid.UUID, sender: Any, raw: bytes, report: RunReport, *, may_resign: bool = True) -> None:
    from veriflow.chain.anchoring import AnchorRejected

    try:
        sender.broadcast(raw)
    except AnchorRejected as refused:
        logger.warning("anchor transaction refused", extra={"batch_id": str(batch_id), "reason": str(refused),
                                                             "signing_again": may_resign})
        # The nonce went to another transaction (an overlapping run): sign again with a fresh one,
        # once per run; a node that refuses that one too (no funds, say) sees it again next run.
        if may_resign:
            _prepare_again(batch_id, sender, report)
        return
    with session_scope() as session:
        batch = session.get(AnchorBatch, batch_id)
        assert batch is not None
        if batch.status == "prepared":
            batch.status, batch.sent_at = "sent", utcnow()
    report.sent.append(str(batch_id))


def _prepare_again(batch_id: uuid.UUID, sender: Any, report: RunReport) -> None:
    """A new transaction for the same root and batch id; the old one is gone from the chain."""
    with session_scope() as session:
        batch = session.get(AnchorBatch, batch_id)
        assert batch is not None
        signed = sender.prepare(bytes.fromhex(batch.root), batch_id.bytes.rjust(32, b"\0"))
        batch.nonce, batch.tx_hash, batch.raw_tx = signed.nonce, signed.tx_hash, signed.raw_tx.hex()
        batch.status, batch.block_number, batch.mined_at = "prepared", None, None
        batch.resends += 1
    report.prepared_again.append(str(batch_id))
    _broadcast(batch_id, sender, signed.raw_tx, report, may_resign=False)


def _finalise(session: Session, batch: AnchorBatch) -> None:
    batch.status, batch.finalized_at = "final", utcnow()
    rows = session.execute(select(Certificate.id, Certificate.org_id).where(Certificate.batch_id == batch.id)).all()
    session.execute(update(Certificate).where(Certificate.batch_id == batch.id, Certificate.status == "issued")
                    .values(status="anchored"))
    by_org: dict[uuid.UUID, list[str]] = defaultdict(list)
    for certificate_id, org_id in rows:
        by_org[org_id].append(str(certificate_id))
    enqueue_many(session, [NotificationMessage(
        idempotency_key=f"certificate.anchored:{batch.id}:{org_id}", recipients=Recipients(org_id=org_id),
        category=Category.VERIFICATION, template="certificate.anchored", channels=[Channel.WEBHOOK],
        data={"certificate_ids": ids, "merkle_root": batch.root, "chain_id": batch.chain_id,
              "contract_address": batch.contract_address, "transaction_hash": batch.tx_hash,
              "block_number": batch.block_number},
    ) for org_id, ids in by_org.items()])


def _gather(sender: Any, max_batch: int, report: RunReport) -> None:
    with session_scope() as session:
        waiting = session.execute(
            select(Certificate.id, Certificate.document_sha256)
            .where(Certificate.status == "issued", Certificate.batch_id.is_(None), Certificate.revoked_at.is_(None),
                   Certificate.document_sha256.is_not(None))
            .order_by(Certificate.accepted_at, Certificate.id).limit(max_batch).with_for_update(skip_locked=True)
        ).all()
        if not waiting:
            return
        values = {certificate_id: bytes.fromhex(digest or "") for certificate_id, digest in waiting}
        tree = MerkleTree.build(list(values.values()))
        batch_id = new_id()
        signed = sender.prepare(tree.root, batch_id.bytes.rjust(32, b"\0"))
        session.add(AnchorBatch(
            id=batch_id, root=tree.root.hex(), size=len(values), status="prepared", chain_id=sender.chain_id,
            contract_address=sender.contract_address, sender=signed.sender, nonce=signed.nonce,
            tx_hash=signed.tx_hash, raw_tx=signed.raw_tx.hex()))
        session.flush()
        for certificate_id, value in values.items():
            claimed = session.execute(
                update(Certificate).where(Certificate.id == certificate_id, Certificate.batch_id.is_(None))
                .values(batch_id=batch_id, merkle_path=[node.hex() for node in tree.proof(value)]))
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                raise _Overlap()  # another run took it first: roll back, nothing was sent
        report.new_batch, report.anchored_certificates = str(batch_id), len(values)
    _broadcast(batch_id, sender, signed.raw_tx, report)


class _Overlap(Exception):
    pass


def run_safely(sender: Any, reader: ChainReader) -> dict[str, Any]:
    """A run whose overlap with another (which took the same certificates first) ends quietly."""
    try:
        return run(sender, reader).as_dict()
    except _Overlap:
        logger.info("another anchoring run took these certificates first")
        return {"overlap": True}
    except ChainUnavailable as unavailable:
        logger.warning("the chain is unavailable; anchoring waits for the next run", extra={"error": str(unavailable)})
        return {"unavailable": str(unavailable)}


def run_from_env() -> dict[str, Any]:
    """The scheduled run: the node and signer the environment names. A deployed stage without a
    chain (no CHAIN_RPC_URL) anchors nothing and says so; certificates stay issued, pending."""
    from veriflow.chain.anchoring import anchor_sender_from_env
    from veriflow.chain.reader import connect_reader
    from veriflow.chain.settings import get_chain_settings

    settings = get_chain_settings()
    if not settings.chain_rpc_url and settings.stage != "local":
        logger.info("anchoring is off: this stage has no CHAIN_RPC_URL")
        return {"skipped": "no chain configured (CHAIN_RPC_URL)"}
    try:
        sender, reader = anchor_sender_from_env(), connect_reader()
    except ChainUnavailable as unavailable:
        logger.warning("the chain is unavailable; anchoring waits for the next run", extra={"error": str(unavailable)})
        return {"unavailable": str(unavailable)}
    return run_safely(sender, reader)
