"""How domains send notifications: one call, never a hand-built queue message. Messages go
through the outbox: written in the caller's transaction, queued once it commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy.orm import Session

from veriflow.messaging.notification import Category, Channel, NotificationMessage, Recipients
from veriflow.outbox import service as outbox

QUEUE = "NOTIFICATIONS_QUEUE_URL"


def _entry(message: NotificationMessage) -> dict[str, Any]:
    return {
        "MessageBody": message.model_dump_json(),
        "MessageAttributes": {
            "template": {"DataType": "String", "StringValue": message.template},
            "idempotency_key": {"DataType": "String", "StringValue": message.idempotency_key},
        },
    }


def enqueue_many(session: Session, messages: Sequence[NotificationMessage]) -> None:
    """Queues the messages once `session` commits, and never if it rolls back."""
    outbox.add(session, QUEUE, [_entry(message) for message in messages])


def enqueue_after_commit(session: Session, message: NotificationMessage) -> None:
    """Queues `message` once `session` commits, and never if it rolls back: no email about a
    reset token that was not stored."""
    enqueue_many(session, [message])


def email_after_commit(
    session: Session,
    to: str,
    *,
    template: str,
    idempotency_key: str,
    category: Category,
    data: dict[str, Any],
    priority: Literal["normal", "critical"] = "normal",
) -> None:
    """One email to an address (an account or not yet one), sent once `session` commits."""
    enqueue_after_commit(session, NotificationMessage(
        idempotency_key=idempotency_key, recipients=Recipients(emails=[to]), category=category,
        template=template, data=data, channels=[Channel.EMAIL], priority=priority,
    ))
