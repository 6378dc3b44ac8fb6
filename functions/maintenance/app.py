"""Scheduled housekeeping (EventBridge, daily): rotate the signing key when due, purge expired rows."""

from typing import Any

from veriflow.auth.housekeeping import purge_expired, rotate_signing_key_if_due
from veriflow.core.db import session_scope
from veriflow.core.observability import logger
from veriflow.core.types import utcnow


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    now = utcnow()
    rotated = rotate_signing_key_if_due(now)
    with session_scope() as session:
        purged = purge_expired(session, now)
    logger.info("maintenance done", extra={"rotated_key": rotated, "purged": purged, "trigger": event.get("id")})
    return {"rotated_key": rotated, "purged": purged}
