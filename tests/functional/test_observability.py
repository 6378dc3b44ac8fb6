"""Logs carry API Gateway's request id as the correlation id, and 5xx logs carry the cause."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from veriflow.core.http import create_app, http_handler
from veriflow.core.routing import APIRouter

router = APIRouter(prefix="/v1/probe", tags=["probe"])


@router.get("/boom")
def boom() -> None:
    raise RuntimeError("disk on fire")


def _log_lines(text: str) -> list[dict[str, Any]]:
    # Log records only: the metrics (EMF) lines on the same stream have no level.
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [record for record in records if "level" in record]


@pytest.fixture
def log_stream(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Everything the shared logger writes, at INFO, for the length of the test."""
    from veriflow.core.observability import logger

    stream = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", stream)
    previous = logger.log_level
    logger.setLevel("INFO")
    yield stream
    logger.setLevel(previous)


def test_logs_are_json_with_the_gateway_request_id(
    invoke_http: Callable[..., dict[str, Any]], log_stream: io.StringIO
) -> None:
    # GIVEN the real handler
    handler = http_handler(create_app(router))
    # WHEN a client error and a crash are served
    invoke_http(handler, "GET", "/v1/probe/nowhere")
    invoke_http(handler, "GET", "/v1/probe/boom")
    lines = _log_lines(log_stream.getvalue())
    # THEN every line is correlated with API Gateway's request id
    assert lines
    assert {line["correlation_id"] for line in lines} == {"Kx2bqiYEoAMEbSg="}
    # AND the 404 is a fact at INFO, the crash an ERROR with its traceback
    not_found = next(line for line in lines if line.get("status") == 404)
    assert not_found["level"] == "INFO"
    assert "exception" not in not_found
    crash = next(line for line in lines if line["message"] == "unhandled error")
    assert crash["level"] == "ERROR"
    assert "disk on fire" in crash["exception"]
    # AND the crash is logged once
    assert len([line for line in lines if line["level"] == "ERROR"]) == 1
    assert {line["service"] for line in lines} == {"veriflow"}
