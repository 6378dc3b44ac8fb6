"""The receivers' helper: accepts our deliveries, refuses anything else, uses the standard library only."""

from __future__ import annotations

import ast
import json
import time
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from veriflow.webhooks import verify as verify_module
from veriflow.webhooks.signing import new_secret, signed_headers
from veriflow.webhooks.verify import WebhookVerificationError, verify

BODY = json.dumps({"id": "msg_1", "type": "certificate.issued", "timestamp": "2026-11-22T03:00:00Z",
                   "data": {"certificate_id": "c1"}}).encode()


def test_a_delivery_verifies_and_its_event_is_returned() -> None:
    secret = new_secret()
    headers = signed_headers([secret], "msg_1", int(time.time()), BODY)
    assert verify(BODY, headers, secret)["data"] == {"certificate_id": "c1"}
    # Header names are case-insensitive, as HTTP frameworks hand them over in any case
    titled = {name.title(): value for name, value in headers.items()}
    assert verify(BODY, titled, secret)["type"] == "certificate.issued"


def test_it_accepts_what_the_standard_webhooks_library_signs() -> None:
    # GIVEN a message signed by the reference implementation (not by our signing code)
    from datetime import UTC, datetime

    secret = new_secret()
    now = datetime.now(UTC)
    signature = Webhook(secret).sign("msg_ref", now, BODY.decode())
    headers = {"webhook-id": "msg_ref", "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature}
    # THEN our helper agrees
    assert verify(BODY, headers, secret)["id"] == "msg_1"


def test_any_one_of_several_signatures_will_do() -> None:
    old, new = new_secret(), new_secret()
    headers = signed_headers([new, old], "msg_1", int(time.time()), BODY)
    assert verify(BODY, headers, old)
    assert verify(BODY, headers, new)
    headers["webhook-signature"] = "v2,abc " + headers["webhook-signature"].split()[1]
    assert verify(BODY, headers, old)
    with pytest.raises(WebhookVerificationError, match="no matching signature"):
        verify(BODY, headers, new)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_refused(missing: str) -> None:
    secret = new_secret()
    headers = signed_headers([secret], "msg_1", int(time.time()), BODY)
    del headers[missing]
    with pytest.raises(WebhookVerificationError, match="missing"):
        verify(BODY, headers, secret)


def test_a_tampered_body_or_wrong_secret_is_refused() -> None:
    secret = new_secret()
    headers = signed_headers([secret], "msg_1", int(time.time()), BODY)
    with pytest.raises(WebhookVerificationError, match="no matching signature"):
        verify(BODY + b" ", headers, secret)
    with pytest.raises(WebhookVerificationError, match="no matching signature"):
        verify(BODY, headers, new_secret())


@pytest.mark.parametrize("offset", [-301, 301])
def test_a_timestamp_outside_the_tolerance_is_refused_even_when_signed(offset: int) -> None:
    # GIVEN a correctly signed delivery, replayed (or post-dated) beyond five minutes
    secret = new_secret()
    headers = signed_headers([secret], "msg_1", int(time.time()) + offset, BODY)
    # THEN it is refused; a wider tolerance accepts it
    with pytest.raises(WebhookVerificationError, match="timestamp"):
        verify(BODY, headers, secret)
    assert verify(BODY, headers, secret, tolerance=600)


def test_a_malformed_timestamp_is_refused() -> None:
    secret = new_secret()
    headers = signed_headers([secret], "msg_1", int(time.time()), BODY)
    with pytest.raises(WebhookVerificationError, match="not a number"):
        verify(BODY, {**headers, "webhook-timestamp": "soon"}, secret)


def test_the_helper_imports_nothing_but_the_standard_library() -> None:
    # A receiver copies the file: it may import neither veriflow nor a third-party package.
    import sys

    tree = ast.parse(Path(verify_module.__file__).read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported - {"__future__"} <= sys.stdlib_module_names
