"""One attempt of one delivery: decide whether it is due, POST it signed, log it, schedule the next.

The database row is the truth; the queue message only says "look at this delivery". A message that
comes back early is sent back to wait, one for a finished delivery is dropped."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from veriflow.core.db import session_scope
from veriflow.messaging.webhook_models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage
from veriflow.messaging.webhooks import DeliveryJob
from veriflow.webhooks import health, transport
from veriflow.webhooks.settings import get_webhook_settings
from veriflow.webhooks.signing import secrets_in_use, signed_headers

# Wait after attempt n before attempt n + 1: 8 attempts over about 28 hours, the first at once.
RETRY_DELAYS_S = (5, 300, 1800, 7200, 18000, 36000, 36000)
MAX_ATTEMPTS = len(RETRY_DELAYS_S) + 1
# Longer than a POST can take (15 s): a worker that died mid-attempt frees the delivery after it.
LEASE_S = 60
# SQS may hand a message back a little before its delay is over; that still counts as on time.
EARLY_TOLERANCE = timedelta(seconds=1)
MAX_VISIBILITY_S = 43200  # SQS's limit
USER_AGENT = "Veriflow-Webhooks/1"


@dataclass(frozen=True)
class Prepared:
    delivery_id: Any
    url: str
    body: bytes
    headers: dict[str, str]


def attempt(job: DeliveryJob, now: datetime) -> int | None:
    """Attempts the job's delivery if due. Returns the seconds its queue message should wait before
    coming back (a retry, or a message that came early), or None when it needs nothing more."""
    with session_scope() as session:
        plan = _prepare(session, job, now)
    if not isinstance(plan, Prepared):
        return plan
    # No transaction is held while the receiver answers (up to 15 s).
    outcome = transport.post(plan.url, plan.body, plan.headers, allow_localhost=get_webhook_settings().allow_localhost)
    with session_scope() as session:
        return _record(session, job, plan, outcome, now)


def _prepare(session: Session, job: DeliveryJob, now: datetime) -> Prepared | int | None:
    delivery = session.get(WebhookDelivery, job.delivery_id)
    if delivery is None:
        return None  # its endpoint was deleted
    endpoint = session.get_one(WebhookEndpoint, delivery.endpoint_id)
    if job.manual:
        return _prepared(session, delivery, endpoint, now) if endpoint.enabled else None
    if delivery.status != "pending":
        return None
    if not endpoint.enabled:
        delivery.status, delivery.next_attempt_at, delivery.last_error = "failed", None, "The endpoint is disabled."
        return None
    due = delivery.next_attempt_at
    if due is not None and due - now > EARLY_TOLERANCE:
        return min(MAX_VISIBILITY_S, math.ceil((due - now).total_seconds()))
    # Take the delivery for the length of one attempt; a twin message of it then waits instead.
    claim = update(WebhookDelivery).where(
        WebhookDelivery.id == delivery.id, WebhookDelivery.status == "pending",
        WebhookDelivery.next_attempt_at.is_(None) if due is None else WebhookDelivery.next_attempt_at == due,
    ).values(next_attempt_at=now + timedelta(seconds=LEASE_S))
    if cast(CursorResult[Any], session.execute(claim, execution_options={"synchronize_session": False})).rowcount != 1:
        return LEASE_S
    return _prepared(session, delivery, endpoint, now)


def _prepared(session: Session, delivery: WebhookDelivery, endpoint: WebhookEndpoint, now: datetime) -> Prepared:
    message = session.get_one(WebhookMessage, delivery.message_id)
    body = json.dumps({
        "id": message.webhook_id,
        "type": message.event_type,
        "timestamp": message.created_at.isoformat().replace("+00:00", "Z"),
        "data": message.payload,
    }, separators=(",", ":")).encode()
    signing = secrets_in_use(endpoint.secret, endpoint.previous_secret, endpoint.previous_secret_expires_at, now)
    headers = signed_headers(signing, message.webhook_id, int(now.timestamp()), body)
    headers.update({"content-type": "application/json", "user-agent": USER_AGENT})
    return Prepared(delivery.id, endpoint.url, body, headers)


def _record(
    session: Session, job: DeliveryJob, plan: Prepared, outcome: transport.Outcome, now: datetime
) -> int | None:
    delivery = session.get(WebhookDelivery, plan.delivery_id, with_for_update=True)
    if delivery is None:
        return None  # deleted with its endpoint while we were sending
    endpoint = session.get_one(WebhookEndpoint, delivery.endpoint_id, with_for_update=True)
    session.add(WebhookAttempt(
        delivery_id=delivery.id, at=now, response_status=outcome.status, response_excerpt=outcome.excerpt,
        duration_ms=outcome.duration_ms, error=outcome.error, manual=job.manual,
    ))
    delivery.last_status = outcome.status
    delivery.last_error = _error(outcome)
    if not job.manual:
        delivery.attempts += 1
    if outcome.succeeded:
        health.succeeded(endpoint)
        delivery.status, delivery.next_attempt_at = "succeeded", None
        return None
    health.failed(session, endpoint, now)
    if job.manual:
        return None  # a person's extra attempt leaves the schedule as it was
    if delivery.attempts >= MAX_ATTEMPTS or not endpoint.enabled:
        delivery.status, delivery.next_attempt_at = "failed", None
        return None
    delay = RETRY_DELAYS_S[delivery.attempts - 1]
    delivery.next_attempt_at = now + timedelta(seconds=delay)
    return delay


def _error(outcome: transport.Outcome) -> str | None:
    if outcome.succeeded:
        return None
    if outcome.status is None or outcome.error:
        return outcome.error
    if 300 <= outcome.status < 400:
        return f"HTTP {outcome.status}: redirects are not followed"
    return f"HTTP {outcome.status}"
