"""Endpoint health: a failing streak is tracked, cleared by a success, and after 5 days the endpoint
is disabled and its organization told through the notifications queue."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from veriflow.core.db import session_scope
from veriflow.messaging.webhook_models import WebhookDelivery, WebhookEndpoint


def _endpoint_row(endpoint: Any) -> WebhookEndpoint:
    with session_scope() as session:
        return session.get_one(WebhookEndpoint, uuid.UUID(endpoint.id))


def test_a_failure_starts_the_streak_and_a_success_ends_it(hooks: Any, worker: Any, receiver: Any,
                                                           clock: Any) -> None:
    # GIVEN an endpoint that fails once
    endpoint = hooks.endpoint(receiver.url)
    receiver.answer(500)
    hooks.send(endpoint.org)
    # WHEN the attempt fails THEN the endpoint is failing since then
    worker.run()
    assert _endpoint_row(endpoint).failing_since == clock.now
    shown = hooks.api("GET", endpoint.path, endpoint.owner)["json"]
    assert shown["failing_since"] is not None
    # WHEN the retry succeeds THEN the streak is over
    clock.advance(5)
    worker.time_passes()
    worker.run()
    assert _endpoint_row(endpoint).failing_since is None


def test_five_days_of_failures_disable_the_endpoint_and_notify_the_org(hooks: Any, worker: Any, receiver: Any,
                                                                      clock: Any, cloud: Any) -> None:
    # GIVEN an endpoint failing for 5 days, with one delivery due and another waiting behind it
    endpoint = hooks.endpoint(receiver.url)
    with session_scope() as session:
        session.get_one(WebhookEndpoint, uuid.UUID(endpoint.id)).failing_since = clock.now - timedelta(days=5)
    receiver.answer(500, 500)
    [first] = hooks.send(endpoint.org)
    # WHEN its next attempt fails
    worker.run()
    # THEN the endpoint is disabled, saying why, and that delivery is not retried
    row = _endpoint_row(endpoint)
    assert row.enabled is False
    assert "5 days" in (row.disabled_reason or "")
    with session_scope() as session:
        assert session.get_one(WebhookDelivery, first).status == "failed"
    assert worker.queued() == 0
    # AND the organization's owners and admins are notified, in the app and by email
    [notice] = [m for m in cloud.messages() if m["template"] == "webhooks.endpoint_disabled"]
    assert notice["recipients"]["org_id"] == str(endpoint.org)
    assert notice["category"] == "system"
    assert notice["channels"] == ["in_app", "email"]
    assert notice["data"] == {"endpoint_id": endpoint.id, "url": receiver.url, "org_id": str(endpoint.org)}
    # AND the audit log has it as the platform's own act, on the organization's endpoint
    [disabled] = hooks.identity.audit("org.webhook.disabled")
    assert (disabled.actor_type, disabled.actor_id) == ("system", None)
    assert (disabled.target_type, disabled.target_id) == ("webhook_endpoint", endpoint.id)
    assert disabled.org_id == endpoint.org
    assert disabled.details["reason"] == "failing"
    # AND later events go nowhere: no delivery, no POST
    assert hooks.send(endpoint.org) == []
    worker.run()
    assert len(receiver.requests) == 1


def test_four_days_of_failures_are_not_enough(hooks: Any, worker: Any, receiver: Any, clock: Any,
                                              cloud: Any) -> None:
    endpoint = hooks.endpoint(receiver.url)
    with session_scope() as session:
        session.get_one(WebhookEndpoint, uuid.UUID(endpoint.id)).failing_since = clock.now - timedelta(days=4)
    receiver.answer(500)
    hooks.send(endpoint.org)
    worker.run()
    assert _endpoint_row(endpoint).enabled is True
    assert [m for m in cloud.messages() if m["template"] == "webhooks.endpoint_disabled"] == []
    assert hooks.identity.audit("org.webhook.disabled") == []
