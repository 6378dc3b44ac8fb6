"""The verification pipeline's layer tasks: one function per layer (sized apart), one handler each."""

from typing import Any

from veriflow.core.observability import logger
from veriflow.verification.tasks import run


@logger.inject_lambda_context(clear_state=True)
def metadata(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run("metadata", event)


@logger.inject_lambda_context(clear_state=True)
def ela(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run("ela", event)


@logger.inject_lambda_context(clear_state=True)
def geo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run("geo", event)


@logger.inject_lambda_context(clear_state=True)
def vision(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run("vision", event)


@logger.inject_lambda_context(clear_state=True)
def registry(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run("registry", event)


@logger.inject_lambda_context(clear_state=True)
def chain(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run("chain", event)
