"""One POST to a receiver: DNS resolved once and vetted, the connection made to that very address
(a rebinding DNS cannot swap in an internal one), with the right Host header and TLS hostname.

An attempt has a wall-clock deadline. Socket timeouts bound each read, not the answer: a receiver
that drips a byte at a time would keep one attempt alive for ever, and with it the delivery's lease
and the worker's batch. At the deadline the connection is shut, whatever it is doing."""

from __future__ import annotations

import http.client
import time
from collections.abc import Mapping
from dataclasses import dataclass

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import HTTPError

from veriflow.core.deadline import Deadline
from veriflow.webhooks.ssrf import Target, UnsafeUrl, parse, resolve

TIMEOUT_S = 15.0  # the whole attempt: connect, TLS, request, status, headers and what is read of the body
EXCERPT_BYTES = 500  # what the delivery log keeps of a receiver's answer


@dataclass(frozen=True)
class Outcome:
    """What an attempt got: a status (never a followed redirect) or the error that prevented one."""

    status: int | None
    excerpt: str | None
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        # A 2xx whose answer did not complete by the deadline carries an error: not a success.
        return self.error is None and self.status is not None and 200 <= self.status < 300


def post(url: str, body: bytes, headers: Mapping[str, str], *, allow_localhost: bool,
         timeout_s: float | None = None) -> Outcome:
    """Sends one attempt; never takes longer than `timeout_s` (TIMEOUT_S) plus the DNS lookup."""
    budget = TIMEOUT_S if timeout_s is None else timeout_s
    started = time.monotonic()
    try:
        target = parse(url, allow_localhost=allow_localhost)
        address = str(resolve(target, allow_localhost=allow_localhost)[0])
    except UnsafeUrl as exc:
        return Outcome(None, None, f"refused: {exc}", _ms(started))
    connection = _connection(target, address, budget)
    deadline = Deadline(connection, budget)
    status: int | None = None
    try:
        connection.connect()
        deadline.connected()
        if deadline.passed:  # it fired while there was no socket to shut yet
            raise TimeoutError
        connection.request("POST", target.path, body=body, headers={**headers, "host": target.host_header},
                           preload_content=False)
        response = connection.getresponse()
        status = response.status
        try:
            raw = response.read(EXCERPT_BYTES, decode_content=False)
        finally:
            response.close()
        if deadline.passed:
            raise TimeoutError
        # The receiver's bytes are shown, not trusted: NUL (which text columns refuse) shows as U+FFFD.
        excerpt = raw.decode("utf-8", "replace").replace("\x00", "\ufffd")
        return Outcome(status, excerpt, None, _ms(started))
    except (HTTPError, OSError, http.client.HTTPException) as exc:
        if deadline.passed:
            # An answer that is not complete by the deadline is no answer, whatever its status said.
            return Outcome(status, None, f"timed out: no complete answer within {budget:g} s", _ms(started))
        return Outcome(None, None, f"{type(exc).__name__}: {exc}"[:500], _ms(started))
    finally:
        deadline.cancel()
        connection.close()


def _connection(target: Target, address: str, budget: float) -> HTTPConnection:
    # Each socket operation is bounded by the budget too (a connect that hangs); the deadline bounds their sum.
    if target.scheme == "https":
        # Connect to the vetted address; SNI and certificate checks still use the URL's host name.
        return HTTPSConnection(address, target.port, timeout=budget, cert_reqs="CERT_REQUIRED",
                               server_hostname=target.host, assert_hostname=target.host)
    return HTTPConnection(address, target.port, timeout=budget)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
