"""dispatch and enqueue, as the notifications worker calls them: idempotent per (org, key), one
delivery per subscribed enabled endpoint, queued in batches of ten."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from sqlalchemy import func, select

from veriflow.core.db import session_scope
from veriflow.messaging.webhook_models import WebhookDelivery, WebhookMessage
from veriflow.messaging.webhooks import dispatch, enqueue_after_commit


def _count(model: Any) -> int:
    with session_scope() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_dispatch_twice_gives_the_same_deliveries_once(hooks: Any, receivers: Any) -> None:
    # GIVEN an organization with two endpoints for the event, one for another event, one disabled,
    # and another organization's endpoint for the same event
    first = hooks.endpoint(receivers().url)
    second = hooks.endpoint(receivers().url, org=first.org, owner=first.owner)
    hooks.endpoint(receivers().url, event_types=("payout.completed",), org=first.org, owner=first.owner)
    disabled = hooks.endpoint(receivers().url, org=first.org, owner=first.owner)
    hooks.api("PATCH", disabled.path, disabled.owner, json_body={"enabled": False})
    hooks.endpoint(receivers().url)
    # WHEN the same event is dispatched twice under one idempotency key (a producer retrying)
    with session_scope() as session:
        once = dispatch(session, org_id=first.org, event_type="certificate.issued", data={"n": 1},
                        idempotency_key="certificate.issued:c-1")
    with session_scope() as session:
        twice = dispatch(session, org_id=first.org, event_type="certificate.issued", data={"n": 2},
                         idempotency_key="certificate.issued:c-1")
    # THEN one event and one delivery per subscribed enabled endpoint exist, and both calls name them
    assert len(once) == 2
    assert sorted(once) == sorted(twice)
    assert _count(WebhookMessage) == 1
    assert _count(WebhookDelivery) == 2
    with session_scope() as session:
        endpoints = set(session.scalars(select(WebhookDelivery.endpoint_id)))
        assert {str(e) for e in endpoints} == {first.id, second.id}
        assert session.scalars(select(WebhookMessage.payload)).one() == {"n": 1}


def test_an_attempted_delivery_is_not_handed_out_again(hooks: Any, worker: Any, receiver: Any) -> None:
    # GIVEN an event delivered once
    endpoint = hooks.endpoint(receiver.url)
    ids = hooks.send(endpoint.org, key="certificate.issued:c-9")
    worker.run()
    # WHEN a producer dispatches it again after a crash THEN nothing is left to queue
    with session_scope() as session:
        again = dispatch(session, org_id=endpoint.org, event_type="certificate.issued", data={},
                         idempotency_key="certificate.issued:c-9")
    assert len(ids) == 1
    assert again == []
    assert len(receiver.requests) == 1


def test_the_same_key_in_two_organizations_is_two_events(hooks: Any, receivers: Any) -> None:
    first, second = hooks.endpoint(receivers().url), hooks.endpoint(receivers().url)
    with session_scope() as session:
        a = dispatch(session, org_id=first.org, event_type="certificate.issued", data={}, idempotency_key="k-1")
        b = dispatch(session, org_id=second.org, event_type="certificate.issued", data={}, idempotency_key="k-1")
    assert len(a) == len(b) == 1
    assert a != b


def test_unknown_event_types_are_a_programming_error(hooks: Any, receiver: Any) -> None:
    endpoint = hooks.endpoint(receiver.url)
    with session_scope() as session, pytest.raises(ValueError, match="unknown webhook event type"):
        dispatch(session, org_id=endpoint.org, event_type="cake.baked", data={}, idempotency_key="k-1")


def test_enqueue_puts_each_delivery_on_the_webhooks_queue(hooks: Any, local_cloud: Any) -> None:
    # GIVEN 23 delivery ids WHEN they are queued in a transaction that commits
    ids = [uuid.uuid4() for _ in range(23)]
    with session_scope() as session:
        enqueue_after_commit(session, ids)
    # THEN the queue holds one message per delivery, the body the worker reads
    sqs = boto3.client("sqs")
    url = local_cloud.resources["WebhooksQueue"].url
    bodies: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [json.loads(m["Body"]) for m in batch]
    assert sorted(b["delivery_id"] for b in bodies) == sorted(str(i) for i in ids)
    assert {b["manual"] for b in bodies} == {False}


def test_racing_dispatches_of_one_event_create_it_once(hooks: Any, receivers: Any) -> None:
    # GIVEN an organization with two endpoints for the event
    import threading

    first = hooks.endpoint(receivers().url)
    hooks.endpoint(receivers().url, org=first.org, owner=first.owner)
    barrier = threading.Barrier(4)
    results: list[list[uuid.UUID]] = []
    errors: list[BaseException] = []

    def producer() -> None:
        try:
            barrier.wait()
            with session_scope() as session:
                ids = dispatch(session, org_id=first.org, event_type="certificate.issued", data={},
                               idempotency_key="certificate.issued:race")
            results.append(sorted(ids))
        except BaseException as exc:
            errors.append(exc)

    # WHEN four producers dispatch the same event at the same moment
    threads = [threading.Thread(target=producer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN none fails, there is one event with two deliveries, and every producer names them
    assert errors == []
    assert _count(WebhookMessage) == 1
    assert _count(WebhookDelivery) == 2
    assert len(results) == 4
    assert all(ids == results[0] for ids in results)
