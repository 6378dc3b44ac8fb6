"""The verification pipeline's verdict: layers combined, the report stored once, the uploader told."""

from typing import Any

from veriflow.core.observability import logger, metrics
from veriflow.verification.verdict import complete


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The state machine passes the execution's name (the upload id) beside the input.
    return complete(event["input"], str(event.get("execution") or ""))
