"""/v1/notifications and /v1/admin/broadcasts through the real handlers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest

from veriflow.core.db import session_scope
from veriflow.core.types import utcnow
from veriflow.notifications.models import Notification

Api = Any
Identity = Any


def _inbox(user_id: uuid.UUID, count: int) -> list[uuid.UUID]:
    """`count` notifications, oldest first, one second apart."""
    start = utcnow() - timedelta(minutes=5)
    with session_scope() as session:
        rows = [Notification(user_id=user_id, category="challenge", template="system.broadcast", title=f"n{i}",
                             body="body", data={}, created_at=start + timedelta(seconds=i)) for i in range(count)]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def test_the_inbox_pages_newest_first_filters_unread_and_counts(api: Api, identity: Identity,
                                                                count_queries: Any) -> None:
    # GIVEN five notifications, the oldest two already read
    ada = identity.user()
    ids = _inbox(ada.id, 5)
    for notification_id in ids[:2]:
        assert api("POST", f"/v1/notifications/{notification_id}/read", ada)["statusCode"] == 200
    # WHEN the inbox is read two at a time
    first = api("GET", "/v1/notifications", ada, query={"limit": 2})
    second = api("GET", "/v1/notifications", ada, query={"limit": 2, "cursor": first["json"]["next_cursor"]})
    # THEN pages come newest first and continue where the last one stopped
    assert [n["title"] for n in first["json"]["data"]] == ["n4", "n3"]
    assert [n["title"] for n in second["json"]["data"]] == ["n2", "n1"]
    # AND the unread filter and the count agree
    unread = api("GET", "/v1/notifications", ada, query={"unread": "true"})
    assert [n["title"] for n in unread["json"]["data"]] == ["n4", "n3", "n2"]
    assert api("GET", "/v1/notifications/unread-count", ada)["json"] == {"unread": 3}
    # AND a page costs the same number of queries whatever its size
    with count_queries() as small:
        api("GET", "/v1/notifications", ada, query={"limit": 1})
    with count_queries() as large:
        api("GET", "/v1/notifications", ada, query={"limit": 5})
    assert len(small) == len(large)


def test_read_marks_and_delete(api: Api, identity: Identity) -> None:
    # GIVEN three unread notifications
    ada = identity.user()
    first, second, third = _inbox(ada.id, 3)
    # WHEN one is read twice, one is deleted, then all are marked read
    once = api("POST", f"/v1/notifications/{first}/read", ada)["json"]["read_at"]
    again = api("POST", f"/v1/notifications/{first}/read", ada)["json"]["read_at"]
    assert api("DELETE", f"/v1/notifications/{second}", ada)["statusCode"] == 204
    marked = api("POST", "/v1/notifications/read-all", ada)
    # THEN the first read time stays, the deleted one is gone, and only the third was left to mark
    assert once == again
    assert marked["json"] == {"marked": 1}
    assert [n["id"] for n in api("GET", "/v1/notifications", ada)["json"]["data"]] == [str(third), str(first)]
    assert api("DELETE", f"/v1/notifications/{second}", ada)["statusCode"] == 404


def test_nobody_reads_or_deletes_someone_elses_notifications(api: Api, identity: Identity) -> None:
    # GIVEN Ada's notification
    ada, mallory = identity.user(), identity.user()
    (mine,) = _inbox(ada.id, 1)
    # WHEN Mallory tries it by id
    read = api("POST", f"/v1/notifications/{mine}/read", mallory)
    deleted = api("DELETE", f"/v1/notifications/{mine}", mallory)
    # THEN it does not exist for her, and it is untouched
    assert (read["statusCode"], read["json"]["error"]["code"]) == (404, "not_found")
    assert deleted["statusCode"] == 404
    assert api("GET", "/v1/notifications", mallory)["json"]["data"] == []
    assert api("GET", "/v1/notifications/unread-count", ada)["json"] == {"unread": 1}
    assert api("GET", "/v1/notifications", None)["statusCode"] == 401


def test_preferences_default_change_and_refuse_what_cannot_be_turned_off(api: Api, identity: Identity) -> None:
    ada = identity.user()
    # GIVEN the defaults: marketing email is opt-in, SMS carries security only, security is locked on
    defaults = api("GET", "/v1/notifications/preferences", ada)["json"]
    assert defaults["channels"]["marketing"] == {"in_app": True, "email": False, "sms": False}
    assert defaults["channels"]["security"] == {"in_app": True, "email": True, "sms": True}
    assert defaults["locked"]["security"] == ["in_app", "email"]
    assert (defaults["quiet_hours"], defaults["sms_available"]) == (None, False)
    # WHEN marketing email is turned on and quiet hours set in Paris
    changed = api("PATCH", "/v1/notifications/preferences", ada, json_body={
        "channels": {"marketing": {"email": True}, "challenge": {"email": False}},
        "quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Europe/Paris"},
    })
    # THEN both stick, and the other cells keep their defaults
    assert changed["statusCode"] == 200, changed["json"]
    stored = api("GET", "/v1/notifications/preferences", ada)["json"]
    assert stored["channels"]["marketing"]["email"] is True
    assert stored["channels"]["challenge"] == {"in_app": True, "email": False, "sms": False}
    assert stored["quiet_hours"] == {"start": "22:00:00", "end": "07:00:00", "timezone": "Europe/Paris"}
    # WHEN quiet hours are cleared with null
    cleared = api("PATCH", "/v1/notifications/preferences", ada, json_body={"quiet_hours": None})
    assert cleared["json"]["quiet_hours"] is None
    assert cleared["json"]["channels"]["marketing"]["email"] is True


@pytest.mark.parametrize(("body", "field"), [
    ({"channels": {"security": {"email": False}}}, "channels.security.email"),
    ({"channels": {"security": {"in_app": False}}}, "channels.security.in_app"),
    ({"channels": {"challenge": {"sms": True}}}, "channels.challenge.sms"),
    ({"quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Mars/Olympus"}}, "quiet_hours.timezone"),
    ({"quiet_hours": {"start": "22:00", "end": "22:00", "timezone": "UTC"}}, "quiet_hours"),
])
def test_impossible_preferences_are_refused_whole(api: Api, identity: Identity, body: dict[str, Any],
                                                   field: str) -> None:
    # GIVEN a change that also holds a valid cell
    ada = identity.user()
    body = {**body, "channels": {**body.get("channels", {}), "marketing": {"email": True}}}
    # WHEN it is sent
    refused = api("PATCH", "/v1/notifications/preferences", ada, json_body=body)
    # THEN it is refused with the reason, and nothing changed
    assert refused["statusCode"] == 422
    assert [".".join(d["loc"][1:]) for d in refused["json"]["error"]["details"]] == [field]
    assert "Mars/Olympus" not in str(refused["json"])
    assert api("GET", "/v1/notifications/preferences", ada)["json"]["channels"]["marketing"]["email"] is False


def _run_worker(load_function: Callable[[str], ModuleType], lambda_context: Any, queue_url: str) -> int:
    """Feeds everything on the notifications queue to the real worker handler until it is empty."""
    sqs, handled = boto3.client("sqs"), 0
    boto3.client("ses").verify_email_identity(EmailAddress="no-reply@veriflow.example")
    handler = load_function("notifications_worker").handler
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                    "attributes": {}, "messageAttributes": {}, "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:notifications", "awsRegion": "us-east-1"}
                   for m in batch]
        result = handler({"Records": records}, lambda_context)
        assert result == {"batchItemFailures": []}, result
        for m in batch:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
        handled += len(batch)
    return handled


def test_a_broadcast_is_fanned_out_by_the_worker_in_batches(
    api: Api, identity: Identity, cloud: Any, load_function: Callable[[str], ModuleType], lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from veriflow.notifications.settings import get_notification_settings

    monkeypatch.setenv("FANOUT_BATCH", "2")
    get_notification_settings.cache_clear()
    # GIVEN an admin, four members, one suspended account
    admin = identity.user(roles=("admin",))
    members = [identity.user() for _ in range(4)]
    suspended = identity.user()
    with session_scope() as session:
        from veriflow.identity.user_models import User

        row = session.get(User, suspended.id)
        assert row is not None
        row.status = "suspended"
    # WHEN the admin broadcasts to everyone
    created = api("POST", "/v1/admin/broadcasts", admin, json_body={
        "segment": "all", "title": "Maintenance <Sunday>", "body": "Read-only from 02:00 to 03:00 UTC.",
    })
    # THEN the request only queued one message
    assert created["statusCode"] == 202, created["json"]
    queued = cloud.messages()
    assert [m["recipients"]["segment"] for m in queued] == ["all"]
    boto3.client("sqs").send_message(QueueUrl=cloud.queue_url, MessageBody=json.dumps(queued[0]))
    # WHEN the worker runs: steps of two accounts, each continuing after the last
    handled = _run_worker(load_function, lambda_context, cloud.queue_url)
    # THEN every active account has it in the app, the suspended one does not
    assert handled == 1 + 2 + 3  # the broadcast, two continuations, three batches (of 2, 2 and 1)
    for person in [admin, *members]:
        titles = [n["title"] for n in api("GET", "/v1/notifications", person)["json"]["data"]]
        assert titles == ["Maintenance <Sunday>"]
    with session_scope() as session:
        assert session.query(Notification).filter_by(user_id=suspended.id).count() == 0
    # AND the admin sees how far it got; members may not broadcast, and it is audited
    (listed,) = api("GET", "/v1/admin/broadcasts", admin)["json"]["data"]
    assert listed["delivered"] == {"sent": 5}
    assert api("POST", "/v1/admin/broadcasts", members[0], json_body={
        "segment": "all", "title": "x", "body": "y"})["statusCode"] == 403
    assert [event.action for event in identity.audit("notifications.")] == ["notifications.broadcast.created"]


def test_a_broadcast_to_a_role_reaches_that_role_only(
    api: Api, identity: Identity, cloud: Any, load_function: Callable[[str], ModuleType], lambda_context: Any,
) -> None:
    # GIVEN an admin, a reviewer and a member
    admin, reviewer, member = identity.user(roles=("admin",)), identity.user(roles=("reviewer",)), identity.user()
    # WHEN the admin broadcasts to reviewers
    assert api("POST", "/v1/admin/broadcasts", admin, json_body={
        "segment": "reviewer", "title": "Queue is long", "body": "Please help review."})["statusCode"] == 202
    queued = cloud.messages()
    boto3.client("sqs").send_message(QueueUrl=cloud.queue_url, MessageBody=json.dumps(queued[-1]))
    _run_worker(load_function, lambda_context, cloud.queue_url)
    # THEN only the reviewer has it
    assert len(api("GET", "/v1/notifications", reviewer)["json"]["data"]) == 1
    assert api("GET", "/v1/notifications", member)["json"]["data"] == []
    assert api("GET", "/v1/notifications", admin)["json"]["data"] == []
