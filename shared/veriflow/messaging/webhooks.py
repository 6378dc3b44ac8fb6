"""Events in, deliveries out: one message per (organization, idempotency key), one delivery per
subscribed endpoint, each handed to the webhooks queue once the caller's transaction commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from veriflow.core.db import insert_ignoring_duplicates
from veriflow.core.types import new_id, utcnow
from veriflow.messaging.webhook_events import EVENT_TYPES
from veriflow.messaging.webhook_models import WebhookDelivery, WebhookEndpoint, WebhookMessage
from veriflow.outbox import service as outbox


class DeliveryJob(BaseModel):
    """The webhooks queue's message body."""

    delivery_id: uuid.UUID
    manual: bool = False


def dispatch(
    session: Session, *, org_id: uuid.UUID, event_type: str, data: dict[str, Any], idempotency_key: str
) -> list[uuid.UUID]:
    """Creates the event (once per (org, idempotency_key)) and one delivery per enabled endpoint of the org
    subscribed to event_type (once per endpoint); returns the ids of deliveries that have not been attempted
    yet (so a repeated call after a crash hands them to the queue again)."""
    return dispatch_to(session, org_id=org_id, event_type=event_type, data=data, idempotency_key=idempotency_key)


def dispatch_to(
    session: Session,
    *,
    org_id: uuid.UUID,
    event_type: str,
    data: dict[str, Any],
    idempotency_key: str,
    endpoint_id: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """`dispatch`, or with `endpoint_id` to that one enabled endpoint whatever it subscribes to (a test event)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    session.execute(insert_ignoring_duplicates(session, WebhookMessage, {
        "id": new_id(), "org_id": org_id, "event_type": event_type, "payload": data,
        "idempotency_key": idempotency_key, "created_at": utcnow(),
    }, ["org_id", "idempotency_key"]))
    message_id = session.scalars(select(WebhookMessage.id).where(
        WebhookMessage.org_id == org_id, WebhookMessage.idempotency_key == idempotency_key
    )).one()
    query = select(WebhookEndpoint).where(WebhookEndpoint.org_id == org_id, WebhookEndpoint.enabled.is_(True))
    if endpoint_id is not None:
        query = query.where(WebhookEndpoint.id == endpoint_id)
    for endpoint in session.scalars(query.order_by(WebhookEndpoint.id)):
        if endpoint_id is not None or event_type in endpoint.event_types:
            now = utcnow()
            session.execute(insert_ignoring_duplicates(session, WebhookDelivery, {
                "id": new_id(), "message_id": message_id, "endpoint_id": endpoint.id, "status": "pending",
                "attempts": 0, "created_at": now, "updated_at": now,
            }, ["message_id", "endpoint_id"]))
    return list(session.scalars(select(WebhookDelivery.id).where(
        WebhookDelivery.message_id == message_id, WebhookDelivery.status == "pending", WebhookDelivery.attempts == 0
    ).order_by(WebhookDelivery.id)))


def enqueue_after_commit(session: Session, delivery_ids: Sequence[uuid.UUID], *, manual: bool = False) -> None:
    """Queues the deliveries once `session` commits (never if it rolls back), through the outbox;
    `manual`: one attempt each, outside the retry schedule (a redelivery asked for by a person)."""
    outbox.add(session, "WEBHOOKS_QUEUE_URL", [
        {"MessageBody": DeliveryJob(delivery_id=delivery_id, manual=manual).model_dump_json()}
        for delivery_id in delivery_ids
    ])
