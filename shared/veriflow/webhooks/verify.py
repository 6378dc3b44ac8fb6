"""Verifies a Veriflow webhook (Standard Webhooks signatures). Standard library only: a receiver may
copy this file as it is.

    event = verify(request_body_bytes, request_headers, "whsec_...")
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any


class WebhookVerificationError(Exception):
    """The request is not a genuine, fresh delivery: do not act on it (answer 400)."""


def verify(payload: bytes, headers: Mapping[str, str], secret: str, tolerance: int = 300) -> dict[str, Any]:
    """The parsed event, if one of the `webhook-signature` signatures is ours and the timestamp is
    within `tolerance` seconds of now; raises WebhookVerificationError otherwise."""
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get("webhook-id")
    timestamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not msg_id or not timestamp or not signatures:
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature header")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a number") from None
    if abs(time.time() - sent_at) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is too old or in the future")
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError:
        raise WebhookVerificationError("the secret is not a whsec_ secret") from None
    signed = f"{msg_id}.{sent_at}.".encode() + payload
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    # Several signatures, space-separated, while a rotated secret is still valid: any one will do.
    for signature in signatures.split():
        version, _, value = signature.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            event: dict[str, Any] = json.loads(payload)
            return event
    raise WebhookVerificationError("no matching signature")
