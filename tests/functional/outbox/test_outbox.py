"""A request's transaction commits before its response, and its queue messages go through the
outbox: a failed commit is a 500 with nothing stored; a failed send after the commit is sent later
by the relay schedule, once. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from veriflow.core.db import session_scope
from veriflow.identity.user_models import User
from veriflow.local import iam
from veriflow.outbox import service as outbox
from veriflow.outbox.models import OutboxMessage


def _outbox_rows() -> int:
    with session_scope() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def test_a_failed_commit_is_a_500_and_nothing_is_stored(api: Any, identity: Any, cloud: Any) -> None:
    # GIVEN a person, and a database whose next commit fails
    ada = identity.user(display_name="Ada")

    def refuse(_session: Session) -> None:
        raise RuntimeError("the database went away during COMMIT")

    event.listen(Session, "before_commit", refuse)
    try:
        # WHEN they change their profile
        response = api("PATCH", "/v1/users/me", ada, json_body={"display_name": "Grace"})
    finally:
        event.remove(Session, "before_commit", refuse)
    # THEN the answer is the 500 envelope with the request id, never a 2xx
    assert response["statusCode"] == 500
    assert response["json"]["error"]["code"] == "internal_error"
    assert response["json"]["error"]["request_id"]
    # AND nothing was stored
    with session_scope() as session:
        assert session.get(User, ada.id).display_name == "Ada"  # type: ignore[union-attr]


def test_a_message_whose_send_failed_after_commit_arrives_later_once(
    api: Any, identity: Any, cloud: Any, monkeypatch: pytest.MonkeyPatch,
    load_function: Callable[[str], ModuleType], lambda_context: Any, template_resources: Any,
) -> None:
    # GIVEN the notifications queue refusing every send
    ada = identity.user()
    real_send = outbox.send_batch

    def queue_down(url: str, entries: Any) -> None:
        raise ConnectionError("SQS endpoint unreachable")

    monkeypatch.setattr(outbox, "send_batch", queue_down)
    # WHEN a route commits work that queues a notification (a texted code)
    response = api("PUT", "/v1/users/me/phone", ada, json_body={"phone_number": "+33612345678"})
    # THEN the work stands and the answer is a success; the message waits in the outbox, not lost
    assert response["statusCode"] == 202
    assert [m for m in cloud.messages() if m["template"] == "auth.phone_code"] == []
    assert _outbox_rows() == 1
    # WHEN the queue is back and the relay schedule runs (twice, as schedules may)
    monkeypatch.setattr(outbox, "send_batch", real_send)
    monkeypatch.setattr(outbox, "RELAY_AFTER", timedelta(0))
    relay = load_function("outbox_relay")
    schedule = {"id": "test", "detail-type": "Scheduled Event", "source": "aws.events"}
    with iam.acting_as(template_resources.principals["OutboxRelayFunction"]):
        assert relay.handler(schedule, lambda_context) == {"relayed": 1}
        assert relay.handler(schedule, lambda_context) == {"relayed": 0}
    # THEN the message arrived, once, and the outbox is empty
    assert len([m for m in cloud.messages() if m["template"] == "auth.phone_code"]) == 1
    assert _outbox_rows() == 0


def test_a_sent_message_leaves_nothing_in_the_outbox(api: Any, identity: Any, cloud: Any) -> None:
    # GIVEN a working queue WHEN a route queues a notification
    ada = identity.user()
    assert api("PUT", "/v1/users/me/phone", ada, json_body={"phone_number": "+33612345678"})["statusCode"] == 202
    # THEN it is on the queue before the response, and the outbox row is gone
    assert len([m for m in cloud.messages() if m["template"] == "auth.phone_code"]) == 1
    assert _outbox_rows() == 0


def test_a_rolled_back_transaction_queues_nothing(cloud: Any) -> None:
    # GIVEN a transaction that queues a message and then fails
    def work() -> None:
        with session_scope() as session:
            outbox.add(session, "NOTIFICATIONS_QUEUE_URL", [{"MessageBody": "{}"}])
            raise RuntimeError("later work failed")

    with pytest.raises(RuntimeError):
        work()
    # THEN nothing was stored or sent
    assert _outbox_rows() == 0
    assert cloud.messages() == []
