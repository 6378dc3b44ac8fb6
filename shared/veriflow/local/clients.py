"""boto3 clients for the local cloud: in-process moto (no endpoint) or a moto server (an endpoint)."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

# moto accepts any credentials; explicit fake ones make sure nothing ever signs for a real account.
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

# boto3 is not thread-safe while it creates clients.
_create_lock = threading.Lock()


@cache
def _session() -> Any:
    import boto3

    # One session for every local cloud: it caches the service models, which a new session reloads.
    return boto3.session.Session()


class Clients:
    """One client per service, created on first use."""

    def __init__(self, region: str, endpoint_url: str | None = None) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self._clients: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        with _create_lock:
            found = self._clients.get(service)
            if found is None:
                from botocore.config import Config

                found = _session().client(
                    service,
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    # Lambda and Step Functions calls run handlers; never retry them behind our back.
                    config=Config(retries={"total_max_attempts": 1}, read_timeout=900),
                    **FAKE_CREDENTIALS,
                )
                self._clients[service] = found
            return found
