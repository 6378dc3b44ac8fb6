"""Endpoint health: how long an endpoint has been failing, and disabling it when that lasts too long."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from veriflow.audit import service as audit
from veriflow.messaging.notification import Category, Channel, NotificationMessage, Recipients
from veriflow.messaging.notify import enqueue_after_commit
from veriflow.messaging.webhook_models import WebhookEndpoint

DISABLE_AFTER = timedelta(days=5)
DISABLED_FAILING = "Disabled automatically: every delivery failed for 5 days."


def succeeded(endpoint: WebhookEndpoint) -> None:
    endpoint.failing_since = None


def failed(session: Session, endpoint: WebhookEndpoint, now: datetime) -> None:
    """Marks the start of a failing streak; after DISABLE_AFTER of it, disables the endpoint and tells
    the organization's owners and admins (once the session commits)."""
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        return
    if not endpoint.enabled or now - endpoint.failing_since < DISABLE_AFTER:
        return
    endpoint.enabled = False
    endpoint.disabled_reason = DISABLED_FAILING
    # Nobody asked for it: the platform did it by its own rule.
    audit.record(session, "org.webhook.disabled", actor_type="system", target=("webhook_endpoint", endpoint.id),
                 org_id=endpoint.org_id, reason="failing", failing_since=endpoint.failing_since.isoformat())
    enqueue_after_commit(session, NotificationMessage(
        # One notice per failing streak, however many workers notice it.
        idempotency_key=f"webhooks.endpoint_disabled:{endpoint.id}:{endpoint.failing_since.isoformat()}",
        recipients=Recipients(org_id=endpoint.org_id),
        category=Category.SYSTEM,
        template="webhooks.endpoint_disabled",
        data={"endpoint_id": str(endpoint.id), "url": endpoint.url, "org_id": str(endpoint.org_id)},
        channels=[Channel.IN_APP, Channel.EMAIL],
    ))
