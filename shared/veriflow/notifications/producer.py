"""How domains send notifications: one call, never a hand-built queue message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy.orm import Session

from veriflow.core.aws import client, queue_url, send_batch
from veriflow.notifications.events import Category, Channel, NotificationMessage, Recipients


def _queue_url() -> str:
    return queue_url("NOTIFICATIONS_QUEUE_URL", "send notifications")


def _entry(message: NotificationMessage) -> dict[str, Any]:
    return {
        "MessageBody": message.model_dump_json(),
        "MessageAttributes": {
            "template": {"DataType": "String", "StringValue": message.template},
            "idempotency_key": {"DataType": "String", "StringValue": message.idempotency_key},
        },
    }


def enqueue(message: NotificationMessage) -> str:
    """Puts `message` on the notifications queue; returns the SQS message id."""
    sent = client("sqs").send_message(QueueUrl=_queue_url(), **_entry(message))
    return str(sent["MessageId"])


def enqueue_many(messages: Sequence[NotificationMessage]) -> None:
    """Puts several messages on the queue, ten per request; raises if any was not accepted."""
    if messages:
        send_batch(_queue_url(), [_entry(message) for message in messages])


def enqueue_after_commit(session: Session, message: NotificationMessage) -> None:
    """Sends `message` once `session` commits, and never if it rolls back: no email about a
    reset token that was not stored."""
    event.listen(session, "after_commit", lambda _session: enqueue(message), once=True)


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
