"""outbox_relay (EventBridge, every minute): queue messages whose relay after their commit failed
are sent now, so every committed message reaches its queue at least once."""

from typing import Any

from veriflow.core.observability import logger
from veriflow.outbox.service import relay_due


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    relayed = relay_due()
    logger.info("outbox relayed", extra={"relayed": relayed, "trigger": event.get("id")})
    return {"relayed": relayed}
