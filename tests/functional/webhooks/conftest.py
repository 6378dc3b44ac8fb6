"""Webhook fixtures: the real template deployed on moto (so the worker runs from its SQS trigger),
a receiver on 127.0.0.1 that answers as scripted, and a clock the worker reads."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.functional.conftest import whole_template
from veriflow.access.limits import get_limit_settings
from veriflow.core.aws import client
from veriflow.core.db import session_scope
from veriflow.core.types import utcnow
from veriflow.identity import keys, passwords
from veriflow.identity.flow_settings import get_flow_settings
from veriflow.identity.settings import get_auth_settings
from veriflow.local import LocalCloud
from veriflow.local.sqs import QueuePoller
from veriflow.messaging.webhooks import dispatch, enqueue_after_commit
from veriflow.webhooks.settings import get_webhook_settings

ROOT = Path(__file__).resolve().parents[3]


def _reset() -> None:
    for cached in (get_auth_settings, get_flow_settings, get_limit_settings, get_webhook_settings):
        cached.cache_clear()
    keys.reset_key_cache()
    passwords.reset_password_caches()


local_cloud, template_resources, identity_resources = whole_template(_reset)


class Worker:
    """Drives the webhooks queue's trigger: the real worker function, invoked as Lambda's poller would."""

    def __init__(self, cloud: LocalCloud) -> None:
        url = cloud.resources["WebhooksQueue"].url
        self.poller: QueuePoller = next(p for p in cloud.pollers if p.trigger.queue_url == url)
        self.queue_url = str(url)
        # What the worker asked SQS: each retry's wait, in seconds.
        self.visibility: list[int] = []
        client("sqs").meta.events.register(
            "provide-client-params.sqs.ChangeMessageVisibility", self._seen_visibility
        )

    def _seen_visibility(self, params: dict[str, Any], **_: Any) -> None:
        if params.get("VisibilityTimeout"):  # the local poller's own "time has passed" resets are 0
            self.visibility.append(int(params["VisibilityTimeout"]))

    def run(self) -> int:
        """Delivers every visible message; returns how many the worker received."""
        received = 0
        while batch := self.poller.poll_once():
            received += batch
        return received

    def time_passes(self) -> int:
        """Messages waiting for a retry become visible, as once their wait is over."""
        return self.poller.expire_failed()

    def queued(self) -> int:
        attributes = client("sqs").get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@pytest.fixture
def worker(local_cloud: LocalCloud) -> Worker:
    return Worker(local_cloud)


class Clock:
    """The worker's now: starts at the real time and moves only when told."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("veriflow.webhooks.worker.utcnow", clock)
    return clock


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 answering each POST with the next scripted (status, headers), then 200;
    every answer's body is `body`."""

    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    body: bytes = b"ok"
    requests: list[Received] = field(default_factory=list)
    connections: int = 0
    url: str = ""

    def answer(self, *statuses: int, headers: dict[str, str] | None = None) -> Receiver:
        self.script.extend((status, headers or {}) for status in statuses)
        return self


def _serve(receiver: Receiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            receiver.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            status, headers = receiver.script.pop(0) if receiver.script else (200, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(receiver.body)))
            self.end_headers()
            self.wfile.write(receiver.body)

        def log_message(self, *_: Any) -> None:
            return None

    class Server(ThreadingHTTPServer):
        def verify_request(self, *_: Any) -> bool:
            receiver.connections += 1
            return True

    return Server(("127.0.0.1", 0), Handler)


@pytest.fixture
def receivers() -> Iterator[Any]:
    """`receivers()` starts one more receiver; all stop after the test."""
    servers: list[ThreadingHTTPServer] = []

    def start() -> Receiver:
        receiver = Receiver()
        server = _serve(receiver)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
        return receiver

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver(receivers: Any) -> Receiver:
    return receivers()  # type: ignore[no-any-return]


class Dns:
    """Names resolved as the test says; anything else (IP literals above all) as the system does."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import socket

        self.names: dict[str, list[str]] = {}
        self.asked: list[str] = []
        real = socket.getaddrinfo

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else str(host)
            if name not in self.names:
                return real(host, port, *args, **kwargs)
            self.asked.append(name)
            return [(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                     (address, port) if ":" not in address else (address, port, 0, 0))
                    for address in self.names[name]]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def point(self, name: str, *addresses: str) -> None:
        self.names[name] = list(addresses)


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Dns:
    return Dns(monkeypatch)


@pytest.fixture
def production_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """The URL rules of a deployed stage: https only, no loopback."""
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOCALHOST", "false")
    get_webhook_settings.cache_clear()


@dataclass
class Endpoint:
    org: uuid.UUID
    owner: Any
    id: str
    secret: str

    @property
    def path(self) -> str:
        return f"/v1/orgs/{self.org}/webhooks/{self.id}"


class Hooks:
    """Endpoints registered through the API, and events dispatched as a producer does."""

    def __init__(self, api: Any, identity: Any) -> None:
        self.api = api
        self.identity = identity

    def endpoint(self, url: str, event_types: tuple[str, ...] = ("certificate.issued",), org: Any = None,
                 owner: Any = None) -> Endpoint:
        if owner is None:
            owner = self.identity.user()
            org = self.identity.org(owner)
        created = self.api("POST", f"/v1/orgs/{org}/webhooks", owner, json_body={"url": url,
                                                                                 "event_types": list(event_types)})
        assert created["statusCode"] == 201, created["json"]
        return Endpoint(org, owner, created["json"]["id"], created["json"]["secret"])

    def send(self, org: uuid.UUID, event_type: str = "certificate.issued", data: dict[str, Any] | None = None,
             key: str | None = None) -> list[uuid.UUID]:
        """dispatch and enqueue in one transaction: what the notifications worker does."""
        with session_scope() as session:
            ids = dispatch(session, org_id=org, event_type=event_type, data=data or {"certificate_id": "c-1"},
                           idempotency_key=key or uuid.uuid4().hex)
            enqueue_after_commit(session, ids)
        return ids

    def deliveries(self, endpoint: Endpoint) -> list[dict[str, Any]]:
        listed = self.api("GET", f"{endpoint.path}/deliveries", endpoint.owner)
        assert listed["statusCode"] == 200, listed["json"]
        return list(listed["json"]["data"])


@pytest.fixture
def hooks(api: Any, identity: Any) -> Hooks:
    return Hooks(api, identity)
