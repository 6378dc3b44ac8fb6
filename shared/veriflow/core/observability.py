"""Powertools Logger, Metrics and Tracer shared by every function, and the request id of the moment."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()


def tracing_enabled() -> bool:
    """X-Ray runs only inside Lambda (not emulated) and unless POWERTOOLS_TRACE_DISABLED is set."""
    disabled = os.getenv("POWERTOOLS_TRACE_DISABLED", "false").lower() in {"1", "true", "yes", "on"}
    in_lambda = bool(os.getenv("LAMBDA_TASK_ROOT")) and not os.getenv("AWS_SAM_LOCAL")
    return in_lambda and not disabled


class _NoTracer:
    """Stands in for Powertools' Tracer where tracing is off: its constructor imports the X-Ray
    SDK (about 200 ms) even when disabled, a cost local runs and tests need not pay."""

    def capture_lambda_handler(self, fn: Callable[..., Any] | None = None, **_: Any) -> Any:
        return fn if fn is not None else (lambda inner: inner)

    def capture_method(self, fn: Callable[..., Any] | None = None, **_: Any) -> Any:
        return fn if fn is not None else (lambda inner: inner)

    def put_annotation(self, key: str, value: Any) -> None:
        return None

    def put_metadata(self, key: str, value: Any, namespace: str | None = None) -> None:
        return None


def _tracer() -> Any:
    if not tracing_enabled():
        return _NoTracer()
    from aws_lambda_powertools import Tracer

    return Tracer()


tracer = _tracer()

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
