"""`make dev`'s function log: one short line per record instead of Powertools' JSON document,
which is what CloudWatch wants but not what a developer reads in a terminal. Server errors keep
their traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

_FUNCTION_PREFIX = "veriflow-local-"


class CompactFormatter(LambdaPowertoolsFormatter):
    """`HH:MM:SS LEVEL Function: message [status code: error] (request id prefix)`; Powertools'
    keys and context still work."""

    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        function = str(log.get("function_name") or log.get("service") or "").removeprefix(_FUNCTION_PREFIX)
        parts = [str(log.get("timestamp", ""))[11:19], str(log.get("level", "")), f"{function}:",
                 str(log.get("message", ""))]
        if log.get("status"):
            parts.append(f"{log['status']} {log.get('code', '')}: {log.get('error_message', '')}")
        if log.get("correlation_id"):
            parts.append(f"({str(log['correlation_id'])[:8]})")
        line = " ".join(part for part in parts if part)
        if log.get("exception"):
            line += "\n" + str(log["exception"])
        return line


def install() -> Callable[[], None]:
    """Swap the shared Powertools logger's formatter for the compact one, keeping its keys;
    returns what puts the JSON formatter back (the local cloud may run inside a test process)."""
    from veriflow.core.observability import logger

    handler = logger.registered_handler
    current = handler.formatter
    compact = CompactFormatter()
    if isinstance(current, LambdaPowertoolsFormatter):
        compact.log_format.update(current.log_format)
    handler.setFormatter(compact)
    return lambda: handler.setFormatter(current)
