"""The worker function invoked with its sample events, and the delivery log's constant query count."""

from __future__ import annotations

import json
from typing import Any

import boto3


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


def test_a_batch_of_retries_only_is_answered_not_raised(hooks: Any, worker: Any, receiver: Any,
                                                        local_cloud: Any, sample_event: Any) -> None:
    # GIVEN a failing receiver and its delivery's message, received from the queue as Lambda would
    endpoint = hooks.endpoint(receiver.url)
    receiver.answer(500)
    hooks.send(endpoint.org)
    [message] = boto3.client("sqs").receive_message(QueueUrl=worker.queue_url)["Messages"]
    record = {**sample_event("webhooks_worker", "delivery")["Records"][0], "messageId": message["MessageId"],
              "receiptHandle": message["ReceiptHandle"], "body": message["Body"]}
    # WHEN the worker function gets a batch holding only that message
    payload, errored = local_cloud.invoke_raw("WebhooksWorkerFunction", {"Records": [record]})
    # THEN it reports the one retry as a batch item failure instead of failing the invocation
    assert errored is False
    assert payload == {"batchItemFailures": [{"itemIdentifier": message["MessageId"]}]}
    assert worker.visibility == [5]
