"""Powertools Logger, Metrics and Tracer shared by every function, and the request id of the moment."""

from __future__ import annotations

import warnings
from contextvars import ContextVar

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
metrics = Metrics()
tracer = Tracer()

# An API request without custom metrics is normal; Powertools would warn on every one of them.
warnings.filterwarnings("ignore", message="No application metrics to publish")

_request_id: ContextVar[str | None] = ContextVar("veriflow_request_id", default=None)


def current_request_id() -> str | None:
    """The API Gateway request id (or our own) of the request being served, if any."""
    return _request_id.get()


def bind_request_id(request_id: str | None) -> object:
    """Sets the request id for this context; returns the token for `unbind_request_id`."""
    logger.set_correlation_id(request_id)
    return _request_id.set(request_id)


def unbind_request_id(token: object) -> None:
    _request_id.reset(token)  # type: ignore[arg-type]
