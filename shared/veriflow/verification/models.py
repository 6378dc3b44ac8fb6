"""Uploads and their verification reports (one report per upload, keyed by the upload's id)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from veriflow.core.db import Base
from veriflow.core.types import CreatedMixin, IdMixin, json_column, utcnow


class Upload(IdMixin, CreatedMixin, Base):
    """A file someone asked to verify. Owned by a user, or by an organization when its API key
    created it. awaiting_file -> processing -> done, or -> rejected (the file was refused)."""

    __tablename__ = "uploads"
    __table_args__ = (
        Index("ix_uploads_user_created", "owner_user_id", "created_at"),
        Index("ix_uploads_org_created", "owner_org_id", "created_at"),
    )

    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    owner_org_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    created_by_key: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_api_keys.id", ondelete="SET NULL"))
    purpose: Mapped[str] = mapped_column(String(32))
    claimed_certificate_id: Mapped[uuid.UUID | None]
    status: Mapped[str] = mapped_column(String(16), default="awaiting_file")
    content_type: Mapped[str] = mapped_column(String(32))  # what the upload policy lets S3 accept
    object_key: Mapped[str] = mapped_column(String(300), unique=True)
    rejection_code: Mapped[str | None] = mapped_column(String(40))
    rejection: Mapped[str | None] = mapped_column(String(300))
    # What the file is, found by the intake (never what the client said).
    kind: Mapped[str | None] = mapped_column(String(8))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    # Where it came from: the client's address when it asked for the upload, its country offline.
    client_ip: Mapped[str | None] = mapped_column(String(45))
    ip_country: Mapped[str | None] = mapped_column(String(2))
    gps_lat: Mapped[float | None] = mapped_column(Float)
    gps_lon: Mapped[float | None] = mapped_column(Float)
    execution_arn: Mapped[str | None] = mapped_column(String(400))
    received_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class VerificationReport(CreatedMixin, Base):
    """The verdict on one upload: the trust score over the layers that ran, the share of weight that
    ran (confidence), and each layer's result with its evidence."""

    __tablename__ = "verification_reports"

    upload_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True)
    trust_score: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(16))
    layers: Mapped[list[dict[str, Any]]] = json_column(default=list)
    execution_name: Mapped[str] = mapped_column(String(80))
