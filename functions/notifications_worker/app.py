"""notifications_worker (SQS): each message is delivered to every recipient and channel it names, once.

A message that fails is reported alone (ReportBatchItemFailures) and retried; what it already
delivered is skipped on the retry; after five receives it waits in the dead-letter queue.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from veriflow.core.observability import logger
from veriflow.messaging.notification import NotificationMessage
from veriflow.notifications.worker import process

# A batch whose every message failed is answered like any other, with its item failures.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> None:
    process(NotificationMessage.model_validate_json(record.body))


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
