"""An attempt is bounded by wall-clock time: a receiver that drips its answer a byte at a time is cut
at the deadline, and the attempt is a failure to retry, so the lease and the batch's time hold."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from veriflow.core.db import session_scope
from veriflow.messaging.webhook_models import WebhookAttempt, WebhookDelivery
from veriflow.webhooks import transport
from veriflow.webhooks.delivery import LEASE_S, RETRY_DELAYS_S

DEADLINE_S = 1.0
DRIP_EVERY_S = 0.1


@dataclass
class Drip:
    """A receiver on 127.0.0.1 that reads the request, sends `head` at once, then the rest of its
    answer a byte every 0.1 s (for up to 30 s): each byte arrives well inside any read timeout."""

    url: str = ""
    head: bytes = b""
    dripped: bytes = b""
    # When the client went away, seconds after the request arrived.
    hung_up_after: list[float] = field(default_factory=list)


def _drip(connection: socket.socket, drip: Drip) -> None:
    with connection:
        connection.recv(65536)  # the request: small, one read
        started = time.monotonic()
        stream = drip.dripped + b"x" * 100_000
        try:
            connection.sendall(drip.head)
            for index in range(len(stream)):
                if time.monotonic() - started > 30:
                    return
                connection.sendall(stream[index:index + 1])
                time.sleep(DRIP_EVERY_S)
        except OSError:
            drip.hung_up_after.append(time.monotonic() - started)


@pytest.fixture
def drip() -> Iterator[Any]:
    listener = socket.create_server(("127.0.0.1", 0))
    receivers: list[threading.Thread] = []

    def start(head: bytes, dripped: bytes) -> Drip:
        made = Drip(f"http://127.0.0.1:{listener.getsockname()[1]}/hooks", head, dripped)

        def accept() -> None:
            while True:
                try:
                    connection, _ = listener.accept()
                except OSError:
                    return
                thread = threading.Thread(target=_drip, args=(connection, made), daemon=True)
                receivers.append(thread)
                thread.start()

        threading.Thread(target=accept, daemon=True).start()
        return made

    yield start
    listener.close()


# (sent at once, dripped): the status line and headers dripped; or a complete head with a 2xx and
# then a dripped body.
SLOW_HEAD = (b"", b"HTTP/1.1 200 OK\r\nx-padding: ")
SLOW_BODY = (b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100000\r\n\r\n", b"")
# An answer that will close the connection hands its socket from the connection to the response.
SLOW_CLOSING_BODY = (b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 100000\r\n\r\n", b"")


@pytest.mark.parametrize("answer", [SLOW_HEAD, SLOW_BODY, SLOW_CLOSING_BODY],
                         ids=["slow-head", "slow-body", "slow-closing-body"])
def test_a_dripping_receiver_is_cut_at_the_deadline(drip: Any, answer: tuple[bytes, bytes]) -> None:
    # GIVEN a receiver that answers one byte every 0.1 s
    receiver = drip(*answer)
    # WHEN an attempt with a one-second deadline is posted to it
    started = time.monotonic()
    outcome = transport.post(receiver.url, b"{}", {"content-type": "application/json"}, allow_localhost=True,
                             timeout_s=DEADLINE_S)
    took = time.monotonic() - started
    # THEN it ended at the deadline (not after 100 000 bytes, nor at a read timeout that never comes)
    assert DEADLINE_S <= took < DEADLINE_S + 1.0
    # AND it is a failure, whatever the status line said
    assert not outcome.succeeded
    assert outcome.error == f"timed out: no complete answer within {DEADLINE_S:g} s"
    assert DEADLINE_S * 1000 <= outcome.duration_ms < (DEADLINE_S + 1.0) * 1000
    # AND the receiver saw the connection go
    deadline = time.monotonic() + 5
    while not receiver.hung_up_after and time.monotonic() < deadline:
        time.sleep(0.05)
    assert receiver.hung_up_after


def test_a_receiver_that_answers_in_time_is_not_cut(receiver: Any) -> None:
    # GIVEN an ordinary receiver  WHEN an attempt with the same short deadline is posted
    outcome = transport.post(receiver.url, b"{}", {"content-type": "application/json"}, allow_localhost=True,
                             timeout_s=DEADLINE_S)
    # THEN it succeeded with the receiver's answer
    assert (outcome.succeeded, outcome.status, outcome.excerpt, outcome.error) == (True, 200, "ok", None)


def test_the_worker_records_a_cut_attempt_as_failed_and_schedules_the_retry(
    hooks: Any, worker: Any, drip: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an endpoint whose receiver drips its body, and attempts bounded to one second
    monkeypatch.setattr(transport, "TIMEOUT_S", DEADLINE_S)
    receiver = drip(*SLOW_BODY)
    endpoint = hooks.endpoint(receiver.url)
    [delivery_id] = hooks.send(endpoint.org)
    # WHEN the worker takes the delivery from its queue
    started = time.monotonic()
    assert worker.run() == 1
    # THEN the attempt ended at the deadline, well inside the delivery's lease
    assert time.monotonic() - started < DEADLINE_S + 2.0 < LEASE_S
    # AND it is logged as a failed attempt, with the status the receiver began with and the reason
    with session_scope() as session:
        delivery = session.get_one(WebhookDelivery, delivery_id)
        [attempt] = session.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id))
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert delivery.last_error == f"timed out: no complete answer within {DEADLINE_S:g} s"
        assert attempt.response_status == 200
        assert attempt.error == delivery.last_error
    # AND its retry waits on the queue for the schedule's first delay
    assert worker.visibility == [RETRY_DELAYS_S[0]]
    assert worker.queued() == 1
