"""AWS clients created on first use, one per service and process, honouring AWS_ENDPOINT_URL."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Sequence
from typing import Any

from veriflow.core.settings import SettingsError, get_settings
from veriflow.core.snapstart import after_restore

# Held while a client is built: a session is not thread-safe while it builds clients.
_lock = threading.RLock()
_clients: dict[str, Any] = {}


@functools.cache
def _loader() -> Any:
    """botocore's data loader, shared by every session: it caches the parsed service models and
    endpoint data, which each new session would otherwise read and parse again."""
    from botocore.loaders import create_loader

    return create_loader()


@functools.cache
def _session() -> Any:
    """The session every client is built from: its credentials are resolved once, and a client
    after the first skips a session's own set-up (handlers, config, endpoint data: about 5 ms of
    a cold start each). Over the shared loader, so a new session (after `reset_clients`) parses
    no model again."""
    import boto3
    import botocore.session

    core_session = botocore.session.get_session()
    core_session.register_component("data_loader", _loader())
    return boto3.session.Session(botocore_session=core_session)


def _new_client(service: str, config: Any = None) -> Any:
    from botocore.config import Config

    settings = get_settings()
    if config is None:
        config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=10)
    with _lock:
        return _session().client(
            service,
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


def dedicated_client(service: str, config: Any) -> Any:
    """A client of its own, with `config` (a botocore Config: its timeouts and retries), for a
    caller whose calls differ from the shared client's (an AI model that answers in seconds, with
    retries of its own)."""
    return _new_client(service, config)


def reset_clients() -> None:
    """Forget cached clients and the session with its credentials (tests that start a fresh moto, a
    changed endpoint, a copy resumed from a snapshot)."""
    with _lock:
        _clients.clear()
        _session.cache_clear()


def load_models(services: Sequence[str]) -> None:
    """Import boto3 and parse the models of `services` into the shared loader, making no call:
    SnapStart's work before the snapshot, so a resumed copy's first clients parse nothing."""
    for service in services:
        _new_client(service)


# A client keeps the credentials it was built with: a resumed copy builds its own.
after_restore(reset_clients)


def queue_url(variable: str, purpose: str) -> str:
    """The URL of a queue the template hands to functions in `variable`."""
    url = os.environ.get(variable)
    if not url:
        raise SettingsError(variable, f"required to {purpose}; the template sets it")
    return url


def send_batch(url: str, entries: Sequence[dict[str, Any]]) -> None:
    """SendMessageBatch ten entries at a time (ids assigned here); raises if SQS refused any."""
    sqs = client("sqs")
    for start in range(0, len(entries), 10):
        chunk = [{"Id": str(index), **entry} for index, entry in enumerate(entries[start:start + 10])]
        failed = sqs.send_message_batch(QueueUrl=url, Entries=chunk).get("Failed", [])
        if failed:
            raise RuntimeError(f"{url} refused {len(failed)} of {len(chunk)} messages: {failed[0].get('Message')}")
