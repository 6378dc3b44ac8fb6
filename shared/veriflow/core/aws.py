"""AWS clients created on first use, one per service and process, honouring AWS_ENDPOINT_URL."""

from __future__ import annotations

import threading
from typing import Any

from veriflow.core.settings import get_settings

_lock = threading.Lock()
_clients: dict[str, Any] = {}


def _new_client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    settings = get_settings()
    config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=10)
    return boto3.session.Session().client(
        service,  # type: ignore[call-overload]
        region_name=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url,
        config=config,
    )


def client(service: str) -> Any:
    """The shared client for `service` (e.g. "s3", "sqs"): exactly one per process, even when
    threads ask at once (each client has its own exception classes, and sessions are not
    thread-safe while they build clients)."""
    found = _clients.get(service)
    if found is None:
        with _lock:
            found = _clients.get(service)
            if found is None:
                found = _clients[service] = _new_client(service)
    return found


def reset_clients() -> None:
    """Forget cached clients (tests that start a fresh moto, or a changed endpoint)."""
    with _lock:
        _clients.clear()
