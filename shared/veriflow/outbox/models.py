"""Queue messages waiting to be relayed: written in the producer's transaction, deleted once sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from veriflow.core.db import Base
from veriflow.core.types import CreatedMixin, IdMixin, json_column


class OutboxMessage(IdMixin, CreatedMixin, Base):
    """One SQS message of a committed transaction that is not known to be on its queue yet."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_created_at", "created_at"),)

    # The environment variable the template hands the queue's URL in (e.g. NOTIFICATIONS_QUEUE_URL).
    queue: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = json_column(default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
