"""notifications_worker (SQS): each message is delivered to every recipient and channel it names, once.

A message that fails is reported alone (ReportBatchItemFailures) and retried (after a growing delay
while the provider refuses every message); what it already delivered is skipped on the retry; after
five receives it waits in the dead-letter queue.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from veriflow.core.observability import logger, metrics
from veriflow.notifications.worker import record_handler

# A batch whose every message failed is answered like any other, with its item failures.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
