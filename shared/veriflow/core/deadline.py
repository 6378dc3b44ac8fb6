"""A wall-clock deadline for one HTTP exchange on a urllib3 connection.

Socket timeouts bound each read, not the answer: a peer that drips a byte at a time keeps an
exchange alive for ever. At the deadline the connection's socket is shut, whatever it is doing,
so a blocked read returns at once."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any


class Deadline:
    """Shuts `connection`'s socket `seconds` from now unless cancelled first."""

    def __init__(self, connection: Any, seconds: float) -> None:
        self._connection = connection
        self._socket: Any = None
        self._passed = threading.Event()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True
        self._timer.start()

    @property
    def passed(self) -> bool:
        return self._passed.is_set()

    def connected(self) -> None:
        """Hold the connected socket: an answer that will close the connection takes the socket from
        the connection object, and the deadline must still reach it."""
        self._socket = self._connection.sock

    def _cut(self) -> None:
        self._passed.set()
        sock = self._connection.sock or self._socket
        if sock is not None:
            # The plain socket's shutdown (not TLS's): the peer need not cooperate. Closed already: fine.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()
