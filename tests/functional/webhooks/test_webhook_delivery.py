"""Deliveries through the real worker on the webhooks queue: signed POSTs, retries on the schedule by
message visibility, giving up after the last attempt, redirects never followed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from veriflow.core.db import session_scope
from veriflow.messaging.webhook_models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from veriflow.messaging.webhooks import enqueue_after_commit
from veriflow.webhooks.delivery import RETRY_DELAYS_S


def _delivery(delivery_id: uuid.UUID) -> WebhookDelivery:
    with session_scope() as session:
        return session.get_one(WebhookDelivery, delivery_id)


def test_a_delivery_is_one_signed_post_that_independent_verifiers_accept(hooks: Any, worker: Any,
                                                                          receiver: Any) -> None:
    # GIVEN an endpoint subscribed to certificate.issued
    endpoint = hooks.endpoint(receiver.url)
    # WHEN the event is dispatched and the worker runs from its queue
    [delivery_id] = hooks.send(endpoint.org, data={"certificate_id": "c-42"})
    assert worker.run() == 1
    # THEN the receiver got exactly one POST with the standard headers and our body
    [request] = receiver.requests
    assert request.path == "/hooks"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "Veriflow-Webhooks/1"
    body = request.json()
    assert set(body) == {"id", "type", "timestamp", "data"}
    assert body["id"] == request.headers["webhook-id"]
    assert body["id"].startswith("msg_")
    assert (body["type"], body["data"]) == ("certificate.issued", {"certificate_id": "c-42"})
    datetime.fromisoformat(body["timestamp"])
    # AND the standardwebhooks library verifies the signature with the secret shown at registration
    assert Webhook(endpoint.secret).verify(request.body, request.headers)["data"]["certificate_id"] == "c-42"
    # AND so does HMAC-SHA256 computed here over "{id}.{timestamp}.{body}"
    key = base64.b64decode(endpoint.secret.removeprefix("whsec_"))
    signed = f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}.".encode() + request.body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert request.headers["webhook-signature"] == expected
    # AND the delivery succeeded, its attempt is logged, and the queue is empty
    assert _delivery(delivery_id).status == "succeeded"
    [logged] = hooks.deliveries(endpoint)
    assert (logged["status"], logged["attempt_count"], logged["message_id"]) == ("succeeded", 1, body["id"])
    assert [(a["response_status"], a["response_excerpt"], a["manual"]) for a in logged["attempts"]] == [
        (200, "ok", False)]
    assert worker.queued() == 0


def test_a_receiver_answering_nul_bytes_is_logged_with_them_replaced(hooks: Any, worker: Any,
                                                                     receiver: Any) -> None:
    # GIVEN a receiver whose answer holds NUL bytes (which PostgreSQL cannot store as text)
    endpoint = hooks.endpoint(receiver.url)
    receiver.body = b"ok\x00\x00done"
    # WHEN the event is delivered
    [delivery_id] = hooks.send(endpoint.org)
    assert worker.run() == 1
    # THEN the delivery succeeded and its log keeps the answer with each NUL shown as U+FFFD
    assert _delivery(delivery_id).status == "succeeded"
    [logged] = hooks.deliveries(endpoint)
    assert [a["response_excerpt"] for a in logged["attempts"]] == ["ok\ufffd\ufffddone"]
    assert worker.queued() == 0


def test_failures_are_retried_on_schedule_with_the_same_webhook_id(hooks: Any, worker: Any, receiver: Any,
                                                                    clock: Any) -> None:
    # GIVEN a receiver that fails twice, then succeeds
    endpoint = hooks.endpoint(receiver.url)
    receiver.answer(500, 500)
    [delivery_id] = hooks.send(endpoint.org)
    # WHEN the first attempt fails
    start = clock.now
    worker.run()
    # THEN the next is due in 5 s and the queue message waits exactly that long
    assert len(receiver.requests) == 1
    assert _delivery(delivery_id).next_attempt_at == start + timedelta(seconds=5)
    assert worker.visibility == [5]
    assert worker.run() == 0  # invisible meanwhile
    # WHEN the message comes back before its time (the worker's clock has not moved)
    worker.time_passes()
    assert worker.run() == 1
    # THEN nothing is sent and it is sent back to wait for the rest
    assert len(receiver.requests) == 1
    assert worker.visibility == [5, 5]
    # WHEN 5 s pass THEN the second attempt fails and the third is due 5 min later
    clock.advance(5)
    worker.time_passes()
    worker.run()
    assert len(receiver.requests) == 2
    assert worker.visibility == [5, 5, 300]
    # WHEN 5 min pass THEN the third attempt succeeds and the message is gone
    clock.advance(300)
    worker.time_passes()
    worker.run()
    assert len(receiver.requests) == 3
    assert worker.queued() == 0
    # AND the receiver saw one event three times, under one webhook-id
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert len({r.body for r in receiver.requests}) == 1
    # AND the log shows the attempts at 0 s, 5 s and 305 s with their answers
    [logged] = hooks.deliveries(endpoint)
    assert (logged["status"], logged["attempt_count"], logged["next_attempt_at"]) == ("succeeded", 3, None)
    attempts = logged["attempts"][::-1]
    assert [a["response_status"] for a in attempts] == [500, 500, 200]
    offsets = [(datetime.fromisoformat(a["at"]) - start).total_seconds() for a in attempts]
    assert offsets == [0, 5, 305]
    assert logged["last_error"] is None


def test_after_the_last_attempt_the_delivery_fails_and_its_message_is_deleted(hooks: Any, worker: Any,
                                                                               receiver: Any, clock: Any) -> None:
    # GIVEN a receiver that always fails
    endpoint = hooks.endpoint(receiver.url)
    receiver.answer(*[503] * 10)
    [delivery_id] = hooks.send(endpoint.org)
    # WHEN every scheduled attempt is made
    worker.run()
    for delay in RETRY_DELAYS_S:
        clock.advance(delay)
        worker.time_passes()
        worker.run()
    # THEN there were 8 POSTs, waits of 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h between them
    assert len(receiver.requests) == 8
    assert worker.visibility == [5, 300, 1800, 7200, 18000, 36000, 36000]
    # AND the delivery failed, and nothing is left on the queue
    delivery = _delivery(delivery_id)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 8, None)
    assert delivery.last_error == "HTTP 503"
    assert worker.queued() == 0
    # AND a stray copy of its message does nothing
    with session_scope() as session:
        enqueue_after_commit(session, [delivery_id])
    assert worker.run() == 1
    assert len(receiver.requests) == 8
    assert worker.queued() == 0


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(hooks: Any, worker: Any, receivers: Any) -> None:
    # GIVEN a receiver that redirects to an internal address
    internal, outside = receivers(), receivers()
    outside.answer(302, headers={"location": internal.url})
    endpoint = hooks.endpoint(outside.url)
    [delivery_id] = hooks.send(endpoint.org)
    # WHEN the worker delivers
    worker.run()
    # THEN the redirect target is never called, and the attempt failed with the 302
    assert len(outside.requests) == 1
    assert internal.requests == []
    assert internal.connections == 0
    delivery = _delivery(delivery_id)
    assert (delivery.status, delivery.last_status) == ("pending", 302)
    assert "redirects are not followed" in (delivery.last_error or "")
    assert delivery.next_attempt_at is not None


def test_a_dead_receiver_is_a_failed_attempt_with_the_error(hooks: Any, worker: Any, receiver: Any) -> None:
    # GIVEN an endpoint whose receiver is down (nothing listens on the port)
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = hooks.endpoint(f"http://127.0.0.1:{port}/hooks")
    [delivery_id] = hooks.send(endpoint.org)
    # WHEN the worker delivers THEN the attempt is logged with the connection error and retried
    worker.run()
    with session_scope() as session:
        attempt = session.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)).one()
        assert attempt.response_status is None
        assert attempt.error is not None
        assert "Connection" in attempt.error
    assert _delivery(delivery_id).status == "pending"


def test_a_disabled_endpoints_pending_deliveries_stop(hooks: Any, worker: Any, receiver: Any) -> None:
    # GIVEN a delivery queued, then its endpoint disabled before the worker gets to it
    endpoint = hooks.endpoint(receiver.url)
    [delivery_id] = hooks.send(endpoint.org)
    assert hooks.api("PATCH", endpoint.path, endpoint.owner, json_body={"enabled": False})["statusCode"] == 200
    # WHEN the worker runs THEN nothing is sent and the delivery is closed
    worker.run()
    assert receiver.requests == []
    assert _delivery(delivery_id).status == "failed"
    assert worker.queued() == 0
    # AND new events create no delivery for it
    assert hooks.send(endpoint.org) == []
    with session_scope() as session:
        assert session.get_one(WebhookEndpoint, uuid.UUID(endpoint.id)).enabled is False
