"""Webhook endpoints, the events sent to them, one delivery per (event, endpoint), and every attempt."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from veriflow.core.db import Base
from veriflow.core.types import CreatedMixin, IdMixin, json_column, utcnow


class WebhookEndpoint(IdMixin, CreatedMixin, Base):
    """Where an organization receives events, and the secret deliveries are signed with."""

    __tablename__ = "webhook_endpoints"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str] = mapped_column(String(500), default="")
    event_types: Mapped[list[str]] = json_column(default=list)
    # Kept readable: every delivery is signed with it (whsec_ + base64 of the key bytes).
    secret: Mapped[str] = mapped_column(String(100))
    # After a rotation the old secret signs too, until it expires, so receivers can switch over.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None]
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    # The first failed attempt after the last success; an endpoint failing for days is disabled.
    failing_since: Mapped[datetime | None]
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WebhookMessage(IdMixin, CreatedMixin, Base):
    """One event of an organization, created once per idempotency key whatever its producer retries."""

    __tablename__ = "webhook_messages"
    __table_args__ = (UniqueConstraint("org_id", "idempotency_key"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = json_column(default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(200))

    @property
    def webhook_id(self) -> str:
        """The `webhook-id` header and the body's `id`: the same on every attempt, so receivers dedupe."""
        return f"msg_{self.id.hex}"


class WebhookDelivery(IdMixin, CreatedMixin, Base):
    """One event to one endpoint: pending until an attempt succeeds or the retries run out."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("message_id", "endpoint_id"),)

    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_messages.id", ondelete="CASCADE"))
    endpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, succeeded, failed
    # Scheduled attempts made (manual redeliveries are logged as attempts but not counted here).
    attempts: Mapped[int] = mapped_column(default=0)
    # When the next scheduled attempt is due; while one runs, the end of its lease.
    next_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WebhookAttempt(IdMixin, Base):
    """One POST (or the reason none could be made), with what the receiver answered."""

    __tablename__ = "webhook_attempts"

    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    response_status: Mapped[int | None]
    response_excerpt: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    manual: Mapped[bool] = mapped_column(default=False)


Index("ix_webhook_endpoints_list", WebhookEndpoint.org_id, WebhookEndpoint.created_at, WebhookEndpoint.id)
Index("ix_webhook_deliveries_endpoint", WebhookDelivery.endpoint_id, WebhookDelivery.created_at, WebhookDelivery.id)
Index("ix_webhook_attempts_delivery", WebhookAttempt.delivery_id, WebhookAttempt.at)
