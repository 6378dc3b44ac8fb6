"""How domains send notifications: one call, never a hand-built queue message."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy.orm import Session

from veriflow.core.aws import client
from veriflow.core.settings import SettingsError
from veriflow.notifications.events import Category, Channel, NotificationMessage, Recipients


def _queue_url() -> str:
    url = os.environ.get("NOTIFICATIONS_QUEUE_URL")
    if not url:
        raise SettingsError("NOTIFICATIONS_QUEUE_URL", "required to send notifications; the template sets it")
    return url


def enqueue(message: NotificationMessage) -> str:
    """Puts `message` on the notifications queue; returns the SQS message id."""
    sent = client("sqs").send_message(
        QueueUrl=_queue_url(),
        MessageBody=message.model_dump_json(),
        MessageAttributes={
            "template": {"DataType": "String", "StringValue": message.template},
            "idempotency_key": {"DataType": "String", "StringValue": message.idempotency_key},
        },
    )
    return str(sent["MessageId"])


def enqueue_many(messages: Sequence[NotificationMessage]) -> None:
    """Puts several messages on the queue, ten per request; raises if any was not accepted."""
    sqs = client("sqs")
    for start in range(0, len(messages), 10):
        chunk = messages[start:start + 10]
        entries = [{
            "Id": str(index), "MessageBody": message.model_dump_json(),
            "MessageAttributes": {
                "template": {"DataType": "String", "StringValue": message.template},
                "idempotency_key": {"DataType": "String", "StringValue": message.idempotency_key},
            },
        } for index, message in enumerate(chunk)]
        failed = sqs.send_message_batch(QueueUrl=_queue_url(), Entries=entries).get("Failed", [])
        if failed:
            raise RuntimeError(f"the notifications queue refused {len(failed)} messages: {failed[0].get('Message')}")


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
