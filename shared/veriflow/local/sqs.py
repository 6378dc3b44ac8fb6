"""SQS → Lambda delivery the way Lambda's poller does it, on top of moto's queue semantics.

moto's own event source mapping pushes one message per call, deletes nothing selectively and
makes failures visible again at once. Here messages are received with ReceiveMessage, so moto's
visibility timeout, receive counts and redrive to the dead-letter queue apply unchanged; batches
honour BatchSize and ReportBatchItemFailures (only the failed ids stay on the queue).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from veriflow.local.clients import Clients
from veriflow.local.iam import Principal, acting_as
from veriflow.local.stack import Stack

log = logging.getLogger("veriflow-local")


@dataclass(frozen=True)
class QueueTrigger:
    """One SQS event source mapping of the template."""

    logical_id: str
    queue_url: str
    queue_arn: str
    function_name: str
    function_id: str = ""
    batch_size: int = 10
    report_batch_item_failures: bool = False
    enabled: bool = True


def queue_triggers(stack: Stack) -> list[QueueTrigger]:
    queues = {stack.physical(lid).arn: stack.physical(lid) for lid in stack.resources("AWS::SQS::Queue")}
    triggers = []
    for lid in stack.resources("AWS::Lambda::EventSourceMapping"):
        props = stack.properties(lid)
        queue = queues.get(str(props["EventSourceArn"]))
        if queue is None or queue.url is None:
            continue
        raw_function = stack.template.resources()[lid].get("Properties", {}).get("FunctionName")
        triggers.append(QueueTrigger(
            logical_id=lid, queue_url=queue.url, queue_arn=queue.arn, function_name=str(props["FunctionName"]),
            function_id=str(raw_function["Ref"]) if isinstance(raw_function, dict) and "Ref" in raw_function else "",
            batch_size=int(props.get("BatchSize", 10)),
            report_batch_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
            enabled=str(props.get("Enabled", True)).lower() == "true",
        ))
    return triggers


class QueuePoller:
    """Delivers one queue's messages to its function in batches. Like Lambda's poller, it receives
    and deletes with the function's own role (`principal`), so a role without them fails here."""

    def __init__(self, trigger: QueueTrigger, aws: Clients, principal: Principal | None = None) -> None:
        self.trigger = trigger
        self._aws = aws
        self._principal = principal
        # Failed messages wait out their visibility timeout; drain() may skip that wait.
        self._failed: dict[str, str] = {}
        self._failed_lock = threading.Lock()

    def poll_once(self, wait_seconds: int = 0, remember_failures: bool = True) -> int:
        """Receive one batch and invoke the function with it; returns how many messages it held."""
        messages = self._receive(wait_seconds)
        if not messages:
            return 0
        event = {"Records": [self._record(message) for message in messages]}
        response = self._aws("lambda").invoke(FunctionName=self.trigger.function_name, Payload=json.dumps(event))
        raw = response["Payload"].read()
        result = json.loads(raw) if raw else None
        failed = self._failed_ids(messages, result, errored="FunctionError" in response)
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start:start + 10]
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)]
            with acting_as(self._principal):
                self._aws("sqs").delete_message_batch(QueueUrl=self.trigger.queue_url, Entries=entries)
        if remember_failures:
            with self._failed_lock:
                self._failed.update({m["MessageId"]: m["ReceiptHandle"] for m in messages if m["MessageId"] in failed})
        return len(messages)

    def expire_failed(self) -> int:
        """Make failed messages visible now, as if their visibility timeout had passed."""
        with self._failed_lock:
            handles, self._failed = list(self._failed.values()), {}
        sqs = self._aws("sqs")
        for handle in handles:
            try:
                sqs.change_message_visibility(
                    QueueUrl=self.trigger.queue_url, ReceiptHandle=handle, VisibilityTimeout=0
                )
            except ClientError:
                log.debug("message of %s already gone (deleted or moved to its DLQ)", self.trigger.logical_id)
        return len(handles)

    def run(self, stop: threading.Event) -> None:
        """Poll until `stop` is set (a background thread in `veriflow dev`)."""
        while not stop.is_set():
            try:
                self.poll_once(wait_seconds=1, remember_failures=False)
            except Exception:
                log.exception("polling %s failed", self.trigger.logical_id)
                stop.wait(1.0)

    def _receive(self, wait_seconds: int) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while len(messages) < self.trigger.batch_size:
            with acting_as(self._principal):
                batch = self._aws("sqs").receive_message(
                    QueueUrl=self.trigger.queue_url,
                    MaxNumberOfMessages=min(10, self.trigger.batch_size - len(messages)),
                    WaitTimeSeconds=0 if messages else wait_seconds,
                    MessageSystemAttributeNames=["All"],
                    MessageAttributeNames=["All"],
                ).get("Messages", [])
            messages.extend(batch)
            if not batch:
                break
        return messages

    def _failed_ids(self, messages: list[dict[str, Any]], result: Any, errored: bool) -> set[str]:
        every = {m["MessageId"] for m in messages}
        if errored:
            return every
        if not self.trigger.report_batch_item_failures or not isinstance(result, dict):
            return set()
        failures = result.get("batchItemFailures") or []
        ids = {item.get("itemIdentifier") if isinstance(item, dict) else None for item in failures}
        # Like Lambda: an empty or unknown identifier fails the whole batch.
        return every if not ids <= every else {i for i in ids if isinstance(i, str)}

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {
                name: _attribute(value) for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self.trigger.queue_arn,
            "awsRegion": self._aws.region,
        }


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        converted["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return converted
