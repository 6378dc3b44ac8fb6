"""Our signatures, checked by an independent implementation (the standardwebhooks package) and by hand."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from veriflow.core.types import utcnow
from veriflow.webhooks.signing import new_secret, secrets_in_use, sign, signed_headers

BODY = b'{"id":"msg_1","type":"webhook.test","timestamp":"2026-11-22T03:00:00Z","data":{}}'


def test_secrets_are_whsec_and_base64_of_24_to_32_random_bytes() -> None:
    # WHEN two secrets are made
    first, second = new_secret(), new_secret()
    # THEN each is whsec_ + base64 of 24..32 bytes, and they differ
    for secret in (first, second):
        assert secret.startswith("whsec_")
        assert 24 <= len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) <= 32
    assert first != second


def test_a_signed_delivery_verifies_with_the_standard_webhooks_library_and_by_hand() -> None:
    # GIVEN a body signed now with a fresh secret
    secret, now = new_secret(), int(time.time())
    headers = signed_headers([secret], "msg_abc", now, BODY)
    # THEN the reference implementation accepts it
    assert Webhook(secret).verify(BODY, headers)["type"] == "webhook.test"
    # AND so does HMAC-SHA256 over "{id}.{timestamp}.{body}" computed here
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"msg_abc.{now}.".encode() + BODY, hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(digest).decode()
    assert headers["webhook-id"] == "msg_abc"
    assert headers["webhook-timestamp"] == str(now)


def test_a_changed_body_id_or_timestamp_does_not_verify() -> None:
    secret, now = new_secret(), int(time.time())
    headers = signed_headers([secret], "msg_abc", now, BODY)
    webhook = Webhook(secret)
    with pytest.raises(WebhookVerificationError):
        webhook.verify(BODY.replace(b"webhook.test", b"payout.completed"), headers)
    with pytest.raises(WebhookVerificationError):
        webhook.verify(BODY, {**headers, "webhook-id": "msg_other"})
    with pytest.raises(WebhookVerificationError):
        webhook.verify(BODY, {**headers, "webhook-timestamp": str(now - 1)})
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_two_secrets_give_two_space_separated_signatures_each_verifying() -> None:
    # GIVEN a delivery signed with the new and the previous secret
    new, old, now = new_secret(), new_secret(), int(time.time())
    headers = signed_headers([new, old], "msg_abc", now, BODY)
    # THEN the header holds both signatures, and a receiver holding either secret accepts it
    assert headers["webhook-signature"] == f"{sign(new, 'msg_abc', now, BODY)} {sign(old, 'msg_abc', now, BODY)}"
    assert Webhook(new).verify(BODY, headers)
    assert Webhook(old).verify(BODY, headers)


def test_the_previous_secret_signs_only_until_it_expires() -> None:
    now = utcnow()
    assert secrets_in_use("whsec_new", "whsec_old", now + timedelta(seconds=1), now) == ["whsec_new", "whsec_old"]
    assert secrets_in_use("whsec_new", "whsec_old", now, now) == ["whsec_new"]
    assert secrets_in_use("whsec_new", None, None, now) == ["whsec_new"]
