"""notifications_digest (EventBridge, every 5 minutes): when someone's quiet hours end, what was
held for them is queued as one digest per channel."""

from typing import Any

from veriflow.core.observability import logger
from veriflow.notifications.digest import release_due


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    queued = release_due()
    logger.info("digests queued", extra={"digests": queued, "trigger": event.get("id")})
    return {"digests": queued}
