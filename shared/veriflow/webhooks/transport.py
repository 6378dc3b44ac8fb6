"""One POST to a receiver: DNS resolved once and vetted, the connection made to that very address
(a rebinding DNS cannot swap in an internal one), with the right Host header and TLS hostname."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import urllib3
from urllib3.exceptions import HTTPError

from veriflow.webhooks.ssrf import Target, UnsafeUrl, parse, resolve

TIMEOUT_S = 15.0
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
        return self.status is not None and 200 <= self.status < 300


def post(url: str, body: bytes, headers: Mapping[str, str], *, allow_localhost: bool) -> Outcome:
    started = time.monotonic()
    try:
        target = parse(url, allow_localhost=allow_localhost)
        address = str(resolve(target, allow_localhost=allow_localhost)[0])
    except UnsafeUrl as exc:
        return Outcome(None, None, f"refused: {exc}", _ms(started))
    pool = _pool(target, address)
    try:
        response = pool.urlopen(
            "POST", target.path, body=body, headers={**headers, "host": target.host_header},
            redirect=False, retries=False, assert_same_host=False, preload_content=False,
        )
        try:
            raw = response.read(EXCERPT_BYTES, decode_content=False)
        finally:
            response.close()
        # The receiver's bytes are shown, not trusted: NUL (which text columns refuse) shows as U+FFFD.
        excerpt = raw.decode("utf-8", "replace").replace("\x00", "\ufffd")
        return Outcome(response.status, excerpt, None, _ms(started))
    except HTTPError as exc:
        return Outcome(None, None, f"{type(exc).__name__}: {exc}"[:500], _ms(started))
    finally:
        pool.close()


def _pool(target: Target, address: str) -> urllib3.HTTPConnectionPool:
    timeout = urllib3.Timeout(total=TIMEOUT_S)
    if target.scheme == "https":
        # Connect to the vetted address; SNI and certificate checks still use the URL's host name.
        return urllib3.HTTPSConnectionPool(
            address, target.port, timeout=timeout, retries=False, maxsize=1, cert_reqs="CERT_REQUIRED",
            server_hostname=target.host, assert_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False, maxsize=1)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
