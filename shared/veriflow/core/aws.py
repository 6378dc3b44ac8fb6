"""AWS clients created on first use, one per service and process, honouring AWS_ENDPOINT_URL."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from veriflow.core.settings import get_settings

_lock = threading.Lock()


@cache
def _client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    settings = get_settings()
    config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=10)
    # A boto3 session is not thread-safe while it builds clients.
    with _lock:
        return boto3.session.Session().client(
            service,  # type: ignore[call-overload]
            region_name=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url,
            config=config,
        )


def client(service: str) -> Any:
    """The shared client for `service` (e.g. "s3", "sqs")."""
    return _client(service)


def reset_clients() -> None:
    """Forget cached clients (tests that start a fresh moto, or a changed endpoint)."""
    _client.cache_clear()
