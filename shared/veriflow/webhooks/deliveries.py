"""An endpoint's delivery log, redelivery on request, and test events: all through the queue."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from veriflow.access.principal import Principal
from veriflow.audit import service as audit
from veriflow.core.errors import Conflict, NotFound
from veriflow.core.pagination import Page, paginate
from veriflow.messaging.webhook_events import TEST_EVENT
from veriflow.messaging.webhook_models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage
from veriflow.messaging.webhooks import dispatch_to, enqueue_after_commit
from veriflow.webhooks import service


@dataclass(frozen=True)
class Logged:
    delivery: WebhookDelivery
    message: WebhookMessage
    attempts: list[WebhookAttempt]  # newest first


def list_deliveries(
    session: Session, principal: Principal, org_id: uuid.UUID, endpoint_id: uuid.UUID, *, limit: int,
    cursor: str | None,
) -> Page[Logged]:
    """Newest first, each with its event and attempts: three queries whatever the page size."""
    service.get(session, principal, org_id, endpoint_id)
    query: Select[tuple[WebhookDelivery]] = select(WebhookDelivery)
    query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    page = paginate(session, query, WebhookDelivery.created_at, WebhookDelivery.id, limit=limit, cursor=cursor)
    return Page(_logged(session, page.items), page.next_cursor)


def redeliver(
    session: Session, principal: Principal, org_id: uuid.UUID, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> Logged:
    """Queues one more attempt, now, outside the retry schedule (whatever the delivery's status)."""
    endpoint = _enabled(session, principal, org_id, endpoint_id)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound("No such delivery.")
    enqueue_after_commit(session, [delivery.id], manual=True)
    audit.record(session, "org.webhook.redelivered", actor=principal, target=("webhook_delivery", delivery.id),
                 org_id=org_id, endpoint_id=str(endpoint.id))
    return _logged(session, [delivery])[0]


def send_test(session: Session, principal: Principal, org_id: uuid.UUID, endpoint_id: uuid.UUID) -> Logged:
    """A `webhook.test` event to this endpoint alone, delivered like any other event."""
    endpoint = _enabled(session, principal, org_id, endpoint_id)
    test_id = uuid.uuid4()
    ids = dispatch_to(session, org_id=org_id, event_type=TEST_EVENT, idempotency_key=f"webhook.test:{test_id}",
                      data={"endpoint_id": str(endpoint.id), "test_id": str(test_id)}, endpoint_id=endpoint.id)
    enqueue_after_commit(session, ids)
    audit.record(session, "org.webhook.tested", actor=principal, target=("webhook_endpoint", endpoint.id),
                 org_id=org_id)
    return _logged(session, [session.get_one(WebhookDelivery, ids[0])])[0]


def _enabled(session: Session, principal: Principal, org_id: uuid.UUID, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = service.get(session, principal, org_id, endpoint_id)
    if not endpoint.enabled:
        raise Conflict("The endpoint is disabled; enable it first.")
    return endpoint


def _logged(session: Session, deliveries: list[WebhookDelivery]) -> list[Logged]:
    if not deliveries:
        return []
    messages = {m.id: m for m in session.scalars(
        select(WebhookMessage).where(WebhookMessage.id.in_({d.message_id for d in deliveries})))}
    attempts: dict[uuid.UUID, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
    for attempt in session.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(attempts))
                                   .order_by(WebhookAttempt.at.desc(), WebhookAttempt.id.desc())):
        attempts[attempt.delivery_id].append(attempt)
    return [Logged(d, messages[d.message_id], attempts[d.id]) for d in deliveries]
