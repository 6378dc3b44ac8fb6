"""Secret rotation: the new secret is shown once; for 24 hours deliveries carry a signature with each
secret, then only with the new one."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from veriflow.core.db import session_scope
from veriflow.core.types import utcnow
from veriflow.messaging.webhook_models import WebhookEndpoint


def test_both_secrets_verify_during_the_grace_period_and_only_the_new_one_after(
    hooks: Any, worker: Any, receiver: Any, identity: Any
) -> None:
    # GIVEN an endpoint, and its secret rotated
    endpoint = hooks.endpoint(receiver.url)
    old = endpoint.secret
    rotated = hooks.api("POST", f"{endpoint.path}/rotate-secret", endpoint.owner)
    assert rotated["statusCode"] == 200, rotated["json"]
    new = rotated["json"]["secret"]
    assert new.startswith("whsec_")
    assert new != old
    grace_ends = datetime.fromisoformat(rotated["json"]["previous_secret_expires_at"])
    assert abs(grace_ends - (utcnow() + timedelta(hours=24))) < timedelta(minutes=1)
    # AND the endpoint shows when the grace ends, never either secret
    shown = hooks.api("GET", endpoint.path, endpoint.owner)
    assert shown["json"]["previous_secret_expires_at"] is not None
    assert new not in shown["body"]
    assert old not in shown["body"]
    # WHEN an event is delivered during the grace period
    hooks.send(endpoint.org)
    worker.run()
    # THEN it carries two signatures, and a receiver holding either secret accepts it
    during = receiver.requests[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new).verify(during.body, during.headers)
    assert Webhook(old).verify(during.body, during.headers)
    # WHEN the grace period is over
    with session_scope() as session:
        row = session.get_one(WebhookEndpoint, uuid.UUID(endpoint.id))
        row.previous_secret_expires_at = utcnow() - timedelta(seconds=1)
    hooks.send(endpoint.org)
    worker.run()
    # THEN only the new secret signs
    after = receiver.requests[-1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert Webhook(new).verify(after.body, after.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(after.body, after.headers)
    assert hooks.api("GET", endpoint.path, endpoint.owner)["json"]["previous_secret_expires_at"] is not None
    # AND the rotation is audited without the secrets
    [event] = identity.audit("org.webhook.secret_rotated")
    assert new not in str(event.details)
    assert old not in str(event.details)


def test_a_second_rotation_drops_the_first_secret_at_once(hooks: Any, worker: Any, receiver: Any) -> None:
    endpoint = hooks.endpoint(receiver.url)
    first = endpoint.secret
    second = hooks.api("POST", f"{endpoint.path}/rotate-secret", endpoint.owner)["json"]["secret"]
    third = hooks.api("POST", f"{endpoint.path}/rotate-secret", endpoint.owner)["json"]["secret"]
    hooks.send(endpoint.org)
    worker.run()
    request = receiver.requests[-1]
    assert Webhook(third).verify(request.body, request.headers)
    assert Webhook(second).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(first).verify(request.body, request.headers)
