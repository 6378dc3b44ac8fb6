"""Manual redelivery and test events: queued by the API, sent by the same worker, logged as such."""

from __future__ import annotations

from typing import Any

from standardwebhooks.webhooks import Webhook


def test_redelivery_is_one_more_attempt_now_outside_the_schedule(hooks: Any, worker: Any, receiver: Any,
                                                                 identity: Any) -> None:
    # GIVEN a delivery that failed its first attempt and waits for its retry
    endpoint = hooks.endpoint(receiver.url)
    receiver.answer(500)
    hooks.send(endpoint.org)
    worker.run()
    [before] = hooks.deliveries(endpoint)
    # WHEN the owner asks for a redelivery
    asked = hooks.api("POST", f"{endpoint.path}/deliveries/{before['id']}/redeliver", endpoint.owner)
    assert asked["statusCode"] == 202, asked["json"]
    assert asked["json"]["id"] == before["id"]
    worker.run()
    # THEN the receiver gets the same event again at once, correctly signed
    assert len(receiver.requests) == 2
    again = receiver.requests[1]
    assert again.headers["webhook-id"] == receiver.requests[0].headers["webhook-id"]
    assert Webhook(endpoint.secret).verify(again.body, again.headers)
    # AND the manual attempt is logged as manual, leaves the scheduled count alone, and closes the delivery
    [after] = hooks.deliveries(endpoint)
    assert [(a["response_status"], a["manual"]) for a in after["attempts"]] == [(200, True), (500, False)]
    assert (after["status"], after["attempt_count"]) == ("succeeded", 1)
    # AND the request is audited
    assert [e.action for e in identity.audit("org.webhook.redelivered")] == ["org.webhook.redelivered"]
    # AND the scheduled retry, when its message comes back, finds nothing left to do
    worker.time_passes()
    worker.run()
    assert len(receiver.requests) == 2
    assert worker.queued() == 0


def test_a_succeeded_delivery_can_be_sent_again(hooks: Any, worker: Any, receiver: Any) -> None:
    endpoint = hooks.endpoint(receiver.url)
    hooks.send(endpoint.org)
    worker.run()
    [delivery] = hooks.deliveries(endpoint)
    hooks.api("POST", f"{endpoint.path}/deliveries/{delivery['id']}/redeliver", endpoint.owner)
    worker.run()
    assert len(receiver.requests) == 2
    assert [a["manual"] for a in hooks.deliveries(endpoint)[0]["attempts"]] == [True, False]


def test_redelivery_of_another_endpoints_delivery_is_not_found(hooks: Any, worker: Any, receivers: Any) -> None:
    # GIVEN two endpoints of the same organization, each with a delivery
    first = hooks.endpoint(receivers().url)
    second = hooks.endpoint(receivers().url, org=first.org, owner=first.owner)
    hooks.send(first.org)
    [of_second] = hooks.deliveries(second)
    # WHEN the second's delivery is named under the first THEN it is not found
    asked = hooks.api("POST", f"{first.path}/deliveries/{of_second['id']}/redeliver", first.owner)
    assert asked["statusCode"] == 404


def test_a_test_event_goes_to_that_endpoint_only_whatever_it_subscribes_to(hooks: Any, worker: Any,
                                                                            receivers: Any) -> None:
    # GIVEN two endpoints of an organization, neither subscribed to webhook.test
    tested, other = receivers(), receivers()
    endpoint = hooks.endpoint(tested.url)
    hooks.endpoint(other.url, org=endpoint.org, owner=endpoint.owner)
    # WHEN a test event is asked for one of them
    asked = hooks.api("POST", f"{endpoint.path}/test", endpoint.owner)
    # THEN it is queued for that endpoint, and the worker sends a signed webhook.test to it alone
    assert asked["statusCode"] == 202, asked["json"]
    assert (asked["json"]["event_type"], asked["json"]["status"]) == ("webhook.test", "pending")
    worker.run()
    [request] = tested.requests
    event = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert event["type"] == "webhook.test"
    assert event["data"]["endpoint_id"] == endpoint.id
    assert other.requests == []
    # AND each test is a new event
    hooks.api("POST", f"{endpoint.path}/test", endpoint.owner)
    worker.run()
    assert len({r.headers["webhook-id"] for r in tested.requests}) == 2


def test_a_disabled_endpoint_gets_neither_tests_nor_redeliveries(hooks: Any, worker: Any, receiver: Any) -> None:
    endpoint = hooks.endpoint(receiver.url)
    hooks.send(endpoint.org)
    worker.run()
    [delivery] = hooks.deliveries(endpoint)
    hooks.api("PATCH", endpoint.path, endpoint.owner, json_body={"enabled": False})
    assert hooks.api("POST", f"{endpoint.path}/test", endpoint.owner)["statusCode"] == 409
    redelivery = hooks.api("POST", f"{endpoint.path}/deliveries/{delivery['id']}/redeliver", endpoint.owner)
    assert redelivery["statusCode"] == 409
    worker.run()
    assert len(receiver.requests) == 1
