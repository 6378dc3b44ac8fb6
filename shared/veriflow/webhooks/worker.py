"""The webhooks queue's consumer: one attempt per message; a retry is the same message made
invisible for the retry's delay and reported failed, so SQS brings it back then."""

from __future__ import annotations

import os

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from veriflow.core.aws import client
from veriflow.core.observability import logger
from veriflow.core.types import utcnow
from veriflow.messaging.webhooks import DeliveryJob
from veriflow.webhooks.delivery import attempt


class RetryLater(Exception):
    """Marks the record failed, so SQS keeps its message; it reappears after `delay_s`."""

    def __init__(self, delay_s: int) -> None:
        super().__init__(f"next attempt in {delay_s} s")
        self.delay_s = delay_s


def record_handler(record: SQSRecord) -> None:
    job = DeliveryJob.model_validate_json(record.body)
    delay = attempt(job, utcnow())
    if delay is None:
        return
    client("sqs").change_message_visibility(
        QueueUrl=os.environ["WEBHOOKS_QUEUE_URL"], ReceiptHandle=record.receipt_handle, VisibilityTimeout=delay
    )
    logger.info("webhook delivery waits", extra={"delivery_id": str(job.delivery_id), "delay_s": delay})
    raise RetryLater(delay)
