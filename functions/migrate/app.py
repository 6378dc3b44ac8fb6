"""Migrate the stage's database to the revision this code ships (invoked after `sam deploy`).

The database sits in private subnets: this function, inside the VPC, is the way to reach it.
"""

from typing import Any

from veriflow.core.db import database_url
from veriflow.core.migrations import current_revision, head_revision, upgrade
from veriflow.core.observability import logger
from veriflow.core.settings import get_settings


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    url = database_url(get_settings())
    before = current_revision(url)
    upgrade(url, str(event.get("revision") or "head"))
    after = current_revision(url)
    logger.info("database migrated", extra={"from": before, "to": after})
    return {"from": before, "to": after, "head": head_revision()}
