"""Anchoring (a schedule, or on demand): one Merkle root per batch of issued certificates, one transaction."""

from typing import Any

from veriflow.certificates.anchoring import run_from_env
from veriflow.core.observability import logger


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run_from_env()
