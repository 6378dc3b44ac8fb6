"""S3 notifications and SQS event source mappings of the template reach their functions."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3

from veriflow.local import LocalCloud

Recorded = Callable[[str], dict[str, dict[str, Any]]]


def test_s3_upload_reaches_its_function_with_an_encoded_key(cloud: LocalCloud, recorded: Recorded) -> None:
    # GIVEN the uploads bucket, notifying UploadReceivedFunction for keys under incoming/
    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = cloud.resources["UploadsBucket"].name

    # WHEN objects are put, one with a space and a plus in its key, one outside the prefix
    s3.put_object(Bucket=bucket, Key="incoming/user 1/photo+1.jpg", Body=b"\xff\xd8")
    s3.put_object(Bucket=bucket, Key="elsewhere/ignored.jpg", Body=b"\xff\xd8")

    # THEN only the first reached the function, its key form-encoded as AWS sends it (slashes kept)
    calls = recorded("s3#")
    assert list(calls) == ["s3#incoming/user 1/photo+1.jpg"]
    call = calls["s3#incoming/user 1/photo+1.jpg"]
    assert call["raw_key"] == "incoming/user+1/photo%2B1.jpg"
    assert call["bucket"] == bucket
    assert call["event_name"] == "ObjectCreated:Put"
    assert call["function_name"] == cloud.resources["UploadReceivedFunction"].name


def test_sqs_partial_batch_failure_ends_in_the_dlq(cloud: LocalCloud, recorded: Recorded) -> None:
    # GIVEN the work queue (maxReceiveCount 2, visibility 30 s) and three messages, one bad
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue, dlq = cloud.resources["WorkQueue"].url, cloud.resources["WorkDeadLetterQueue"].url
    for number, ok in ((1, True), (2, False), (3, True)):
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"id": number, "ok": ok}))

    # WHEN one batch is delivered
    delivered = cloud.pollers[0].poll_once()

    # THEN all three came in one batch, and only the bad one stays, invisible for its timeout
    assert delivered == 3
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    visible, in_flight = attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"]
    assert (visible, in_flight) == ("0", "1")
    assert cloud.pollers[0].poll_once() == 0

    # WHEN the queues are drained, skipping the visibility timeout
    cloud.drain_queues()

    # THEN good messages were processed once, the bad one maxReceiveCount times, then moved to the DLQ
    deliveries = {key: int(item["deliveries"]) for key, item in recorded("sqs#").items()}
    assert deliveries == {"sqs#1": 1, "sqs#2": 2, "sqs#3": 1}
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(message["Body"])["id"] for message in dead] == [2]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_sqs_batches_honour_batch_size(cloud: LocalCloud, recorded: Recorded) -> None:
    # GIVEN 25 good messages and BatchSize 10
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue = cloud.resources["WorkQueue"].url
    for number in range(25):
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"id": number, "ok": True}))

    # WHEN drained
    delivered = cloud.drain_queues()

    # THEN three invocations carried them all, each once
    assert delivered == 25
    assert int(recorded("sqs-batches")["sqs-batches"]["batches"]) == 3
    assert {int(item["deliveries"]) for item in recorded("sqs#").values()} == {1}
