"""Scheduled housekeeping (EventBridge, daily): rotate the signing key when due, purge expired rows,
delete the API functions' old published versions."""

import os
from typing import Any

from veriflow.auth.housekeeping import purge_expired, rotate_signing_key_if_due
from veriflow.core.db import session_scope
from veriflow.core.lambda_versions import prune_versions
from veriflow.core.observability import logger
from veriflow.core.types import utcnow


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    now = utcnow()
    rotated = rotate_signing_key_if_due(now)
    with session_scope() as session:
        purged = purge_expired(session, now)
    versioned = [name for name in os.environ.get("VERSIONED_FUNCTIONS", "").split(",") if name]
    versions_deleted = prune_versions(versioned)
    logger.info("maintenance done", extra={"rotated_key": rotated, "purged": purged,
                                           "versions_deleted": versions_deleted, "trigger": event.get("id")})
    return {"rotated_key": rotated, "purged": purged, "versions_deleted": versions_deleted}
