"""Certificates and the anchor batches that put their hashes on chain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from veriflow.core.db import Base
from veriflow.core.types import CreatedMixin, IdMixin, json_column, utcnow


class Certificate(IdMixin, CreatedMixin, Base):
    """One certificate. `document` is its canonical JSON (RFC 8785) once the image is accepted, and
    `document_sha256` the hash that goes on chain; the recipient's email is never part of it."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("org_id", "client_key", name="uq_certificates_org_client_key"),
        Index("ix_certificates_org_created", "org_id", "created_at", "id"),
        Index("ix_certificates_status_created", "status", "created_at"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    client_key: Mapped[str | None] = mapped_column(String(100))
    issued_by_user: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_by_key: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_api_keys.id", ondelete="SET NULL"))
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_email: Mapped[str] = mapped_column(String(320))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000), default="")
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    extra: Mapped[dict[str, Any]] = json_column(default=dict)
    # awaiting_image -> issued (accepted, waiting for a batch) -> anchored. Revocation is apart.
    status: Mapped[str] = mapped_column(String(16), default="awaiting_image")
    image_key: Mapped[str] = mapped_column(String(300))
    image_rejection: Mapped[str | None] = mapped_column(String(300))
    image_content_type: Mapped[str | None] = mapped_column(String(32))
    image_width: Mapped[int | None] = mapped_column(Integer)
    image_height: Mapped[int | None] = mapped_column(Integer)
    image_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    image_phash: Mapped[str | None] = mapped_column(String(16))
    # The perceptual hash in four 16-bit bands, each indexed: a near copy shares at least one band.
    phash_band0: Mapped[int | None] = mapped_column(Integer, index=True)
    phash_band1: Mapped[int | None] = mapped_column(Integer, index=True)
    phash_band2: Mapped[int | None] = mapped_column(Integer, index=True)
    phash_band3: Mapped[int | None] = mapped_column(Integer, index=True)
    document: Mapped[str | None] = mapped_column(Text)
    document_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    accepted_at: Mapped[datetime | None]
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("certificate_batches.id"), index=True)
    merkle_path: Mapped[list[str] | None] = json_column()
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AnchorBatch(IdMixin, CreatedMixin, Base):
    """One Merkle root anchored in one transaction. The signed transaction is stored before it is
    broadcast, so a run that dies after sending re-sends the very same transaction (same nonce,
    same hash) and the batch is never anchored twice."""

    __tablename__ = "certificate_batches"

    root: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    # prepared (signed, maybe sent) -> sent -> mined -> final; back to prepared when dropped.
    status: Mapped[str] = mapped_column(String(16), default="prepared", index=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    contract_address: Mapped[str] = mapped_column(String(42))
    sender: Mapped[str] = mapped_column(String(42))
    nonce: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(String(66), index=True)
    raw_tx: Mapped[str] = mapped_column(Text)
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    gas_used: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[datetime | None]
    mined_at: Mapped[datetime | None]
    finalized_at: Mapped[datetime | None]
    resends: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def find_certificate(session: Session, certificate_id: uuid.UUID, *, for_update: bool = False) -> Certificate | None:
    """The certificate, row-locked until the transaction ends when `for_update` (PostgreSQL)."""
    query = select(Certificate).where(Certificate.id == certificate_id)
    return session.scalars(query.with_for_update() if for_update else query).one_or_none()
