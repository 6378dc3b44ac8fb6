"""The in-app inbox, each user's preferences, the delivery log and admin broadcasts."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from veriflow.core.db import Base
from veriflow.core.types import CreatedMixin, IdMixin, json_column, utcnow


class Notification(IdMixin, CreatedMixin, Base):
    """One message in a user's in-app inbox."""

    __tablename__ = "notifications"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # What a client needs to act on it (a link, the ids it is about); never secrets.
    data: Mapped[dict[str, Any]] = json_column(default=dict)
    read_at: Mapped[datetime | None]


Index("ix_notifications_inbox", Notification.user_id, Notification.created_at, Notification.id)
Index("ix_notifications_unread", Notification.user_id, Notification.read_at)


class NotificationPreference(Base):
    """A user's choices: only the cells they changed are stored; the rest are the defaults."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # {category: {channel: bool}}
    channels: Mapped[dict[str, dict[str, bool]]] = json_column(default=dict)
    quiet_hours_start: Mapped[time | None]
    quiet_hours_end: Mapped[time | None]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Delivery(IdMixin, CreatedMixin, Base):
    """One (idempotency key, recipient, channel): the unique key is what makes delivery exactly-once."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (UniqueConstraint("idempotency_key", "recipient", "channel"),)

    idempotency_key: Mapped[str] = mapped_column(String(200))
    # A user id, an email address, a phone number or an organization id, as text.
    recipient: Mapped[str] = mapped_column(String(320))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(100))
    # sending → sent | failed (retried) | skipped (preferences) | held (quiet hours) → digested
    status: Mapped[str] = mapped_column(String(16))
    # While `sending`: another worker owns it until then; after it, the attempt is known to have died.
    lease_until: Mapped[datetime | None]
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    # Held messages keep what the digest needs to render them, and when the quiet hours end.
    payload: Mapped[dict[str, Any] | None] = json_column()
    release_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


Index("ix_notification_deliveries_held", Delivery.status, Delivery.release_at)
Index("ix_notification_deliveries_user", Delivery.user_id, Delivery.created_at)


class Broadcast(IdMixin, CreatedMixin, Base):
    """An admin's message to every user or to one platform role; the worker fans it out."""

    __tablename__ = "notification_broadcasts"

    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    segment: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    channels: Mapped[list[str]] = json_column(default=list)
    priority: Mapped[str] = mapped_column(String(16), default="normal")


Index("ix_notification_broadcasts_created", Broadcast.created_at, Broadcast.id)
