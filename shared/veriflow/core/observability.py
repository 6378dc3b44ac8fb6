"""Powertools Logger, Metrics and Tracer shared by every function, and the request id of the moment."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
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

@dataclass(frozen=True)
class RequestInfo:
    """Who is on the other end of the request being served (for audit records and limits)."""

    request_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None


_NO_REQUEST = RequestInfo()
_request: ContextVar[RequestInfo | None] = ContextVar("veriflow_request", default=None)


def current_request() -> RequestInfo:
    """The request being served in this context (empty outside a request)."""
    return _request.get() or _NO_REQUEST


def current_request_id() -> str | None:
    """The API Gateway request id (or our own) of the request being served, if any."""
    return current_request().request_id


def bind_request(info: RequestInfo) -> object:
    """Sets the request of this context; returns the token for `unbind_request`."""
    logger.set_correlation_id(info.request_id)
    return _request.set(info)


def unbind_request(token: object) -> None:
    _request.reset(token)  # type: ignore[arg-type]
