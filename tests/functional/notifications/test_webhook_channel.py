"""The webhook channel end to end: a notification for an organization goes through the
notifications worker, the webhooks queue and the webhooks worker to a receiver on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from tests.functional.notifications.conftest import Notify
from veriflow.core.db import session_scope
from veriflow.identity.org_models import Membership, Organization
from veriflow.messaging.notification import Category, Channel, NotificationMessage, Recipients
from veriflow.messaging.webhook_models import WebhookEndpoint
from veriflow.webhooks.signing import new_secret


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", received
    finally:
        server.shutdown()
        server.server_close()


def test_an_org_event_reaches_its_subscribed_endpoint_once_signed(
    notify: Notify, receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = receiver
    # GIVEN an organization with an owner and an endpoint subscribed to certificate.issued
    owner = notify.user("owner@example.com")
    secret = new_secret()
    with session_scope() as session:
        org = Organization(name="Acme", slug="acme")
        session.add(org)
        session.flush()
        org_id = org.id
        session.add(Membership(org_id=org_id, user_id=owner, role="owner"))
        session.add(WebhookEndpoint(org_id=org_id, url=url, event_types=["certificate.issued"], secret=secret))
        session.add(WebhookEndpoint(org_id=org_id, url=url + "/other", event_types=["payout.completed"],
                                    secret=new_secret()))
    # WHEN a certificate.issued event for the organization is queued twice, on the webhook channel
    message = NotificationMessage(
        idempotency_key="certificate-issued:0001", recipients=Recipients(org_id=org_id), category=Category.SYSTEM,
        template="certificate.issued", data={"certificate_id": "c-1", "recipient": "Ada"},
        channels=[Channel.WEBHOOK],
    )
    notify.send(message, copies=2)
    notify.drain()
    # THEN the subscribed endpoint got exactly one POST, which a Standard Webhooks library verifies
    assert len(received) == 1
    (post,) = received
    payload = Webhook(secret).verify(post["body"], post["headers"])
    assert payload["type"] == "certificate.issued"
    assert payload["data"] == {"certificate_id": "c-1", "recipient": "Ada"}
    assert json.loads(post["body"])["id"] == post["headers"]["webhook-id"]
    # AND the delivery log has one webhook row for the organization, and no person got it
    assert [(d.recipient, d.channel, d.status) for d in notify.deliveries("certificate-issued:0001")] == [
        (f"org:{org_id}", "webhook", "sent"),
    ]
    assert notify.inbox(owner) == []
