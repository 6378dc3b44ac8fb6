"""A new account's first notification: a welcome in its inbox once the address is proven, through
the notifications worker, once however often the proof or the message comes back."""

from __future__ import annotations

import json
from typing import Any

import boto3

PASSWORD = "correct horse battery staple"


def _inbox(stack: Any, tokens: dict[str, Any]) -> list[dict[str, Any]]:
    response = stack.api.get("/v1/notifications", headers={"authorization": f"Bearer {tokens['access_token']}"})
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def test_verifying_the_email_puts_a_welcome_in_the_inbox_once(stack: Any) -> None:
    # GIVEN a registered account, no administrator anywhere
    assert stack.api.post("/v1/auth/register", json={"email": "ada@example.com", "password": PASSWORD,
                                                      "display_name": "Ada"}).status_code == 202
    token = stack.token_from("auth.verify_email")
    # WHEN its owner proves the address, and the worker drains the queue
    assert stack.api.post("/v1/auth/verify-email", json={"token": token}).status_code == 204
    [welcome] = [m for m in stack.messages() if m["template"] == "auth.welcome"]
    assert welcome["channels"] == ["in_app"]
    # (the same message twice, as an outbox relay after a crash or SQS itself may deliver it)
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue = stack.cloud.resources["NotificationsQueue"].url
    for _ in range(2):
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(welcome))
    stack.cloud.drain_queues()
    # AND the link is replayed
    assert stack.api.post("/v1/auth/verify-email", json={"token": token}).status_code == 401
    # THEN the new user sees exactly one notification, the welcome, through the API
    tokens = stack.login()
    assert tokens.status_code == 200
    [entry] = _inbox(stack, tokens.json())
    assert entry["category"] == "system"
    assert entry["title"] == "Welcome to Veriflow, Ada"
    assert entry["read_at"] is None
    # AND nothing else was queued by the replay
    assert [m for m in stack.messages() if m["template"] == "auth.welcome"] == []


def test_confirming_a_changed_address_sends_no_second_welcome(stack: Any) -> None:
    # GIVEN an account whose address is already proven (and welcomed)
    tokens = stack.signed_in("ada@example.com")
    stack.cloud.drain_queues()
    auth = {"authorization": f"Bearer {tokens['access_token']}"}
    # WHEN it changes its address and confirms the new one
    changed = stack.api.post("/v1/users/me/email", headers=auth,
                             json={"new_email": "ada@new.example", "password": PASSWORD})
    assert changed.status_code == 202, changed.text
    token = stack.token_from("auth.change_email")
    assert stack.api.post("/v1/auth/verify-email", json={"token": token}).status_code == 204
    stack.cloud.drain_queues()
    # THEN the inbox still holds the one welcome
    assert [entry["template"] for entry in _inbox(stack, tokens)] == ["auth.welcome"]


def test_a_password_reset_that_proves_the_address_welcomes_the_account(stack: Any) -> None:
    # GIVEN an account that never used its verification link
    assert stack.register().status_code == 202
    stack.messages()
    # WHEN its owner resets the password through the emailed link (which proves the address)
    assert stack.api.post("/v1/auth/password/forgot", json={"email": "ada@example.com"}).status_code == 202
    token = stack.token_from("auth.reset_password")
    new_password = "another long passphrase 2026"
    reset = stack.api.post("/v1/auth/password/reset", json={"token": token, "password": new_password})
    assert reset.status_code == 204, reset.text
    stack.cloud.drain_queues()
    # THEN the welcome is in the inbox
    tokens = stack.login(password=new_password)
    assert [entry["template"] for entry in _inbox(stack, tokens.json())] == ["auth.welcome"]
