"""The worker function invoked with its sample events, and the delivery log's constant query count."""

from __future__ import annotations

import json
from typing import Any


def test_the_sample_event_for_an_unknown_delivery_is_consumed(local_cloud: Any, any_database: str,
                                                              sample_event: Any) -> None:
    # GIVEN the sample SQS event, naming a delivery that does not exist (its endpoint was deleted)
    event = sample_event("webhooks_worker", "delivery")
    # WHEN the worker function gets it THEN there is nothing to retry
    assert local_cloud.invoke("WebhooksWorkerFunction", event) == {"batchItemFailures": []}
    assert local_cloud.invoke("WebhooksWorkerFunction", sample_event("webhooks_worker", "redelivery")) == {
        "batchItemFailures": []}


def test_a_malformed_message_is_reported_failed_and_the_rest_of_the_batch_is_not(
    local_cloud: Any, any_database: str, sample_event: Any
) -> None:
    event = sample_event("webhooks_worker", "delivery")
    good = event["Records"][0]
    bad = {**good, "messageId": "bad-1", "body": json.dumps({"delivery": "?"})}
    result = local_cloud.invoke("WebhooksWorkerFunction", {"Records": [bad, good]})
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad-1"}]}


def test_the_delivery_log_takes_the_same_queries_for_one_or_many(hooks: Any, worker: Any, receiver: Any,
                                                                 count_queries: Any) -> None:
    # GIVEN an endpoint with one delivery, attempted twice
    endpoint = hooks.endpoint(receiver.url)
    receiver.answer(500)
    hooks.send(endpoint.org)
    worker.run()
    [delivery] = hooks.deliveries(endpoint)
    hooks.api("POST", f"{endpoint.path}/deliveries/{delivery['id']}/redeliver", endpoint.owner)
    worker.run()
    with count_queries() as one:
        assert len(hooks.deliveries(endpoint)) == 1
    # WHEN it has four deliveries with their attempts
    for _ in range(3):
        hooks.send(endpoint.org)
    worker.run()
    with count_queries() as many:
        assert len(hooks.deliveries(endpoint)) == 4
    # THEN listing them takes as many queries as before
    assert len(many) == len(one)
