"""TXT lookups for issuer identity: a small protocol, and dnspython behind it.

dnspython is imported on the first lookup, not with this module: it costs ~130 ms of import,
which every function that never resolves (all but the domain check) would pay at cold start.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol

# Seconds one lookup may take, retries across name servers included: a request waits for it.
LIFETIME = 2.0


class NoTxtRecord(Exception):
    """The name does not exist (NXDOMAIN), or has no TXT record: a definite answer."""


class DnsUnavailable(Exception):
    """No answer could be had: a timeout, SERVFAIL, no reachable name server, a network error."""


class TxtResolver(Protocol):
    def txt(self, name: str) -> Sequence[str]:
        """The TXT records of `name`, each one string (its character-strings joined).
        Raises NoTxtRecord or DnsUnavailable."""
        ...


class DnsPythonResolver:
    """`TxtResolver` over `dns.resolver.Resolver` (the system's name servers, `LIFETIME` seconds).

    `resolver` stands in for dnspython's (anything with its `resolve(name, rdtype, ...)`): tests
    hand in a fake server that raises dnspython's own exceptions."""

    _shared: ClassVar[DnsPythonResolver | None] = None
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, resolver: Any = None, lifetime: float = LIFETIME) -> None:
        self._resolver = resolver
        self._lifetime = lifetime

    @classmethod
    def shared(cls) -> DnsPythonResolver:
        """One per process, made on first use: it reads /etc/resolv.conf once."""
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def txt(self, name: str) -> list[str]:
        import dns.exception
        import dns.resolver

        try:
            if self._resolver is None:
                self._resolver = dns.resolver.Resolver()  # no configuration found is an outage too
            # search=False: the name is absolute; a search domain must never be appended to it.
            answer = self._resolver.resolve(name, "TXT", search=False, lifetime=self._lifetime)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer) as exc:
            raise NoTxtRecord(name) from exc
        except (dns.exception.DNSException, OSError) as exc:
            # Timeout, NoNameservers (SERVFAIL or refused everywhere), NoResolverConfiguration...
            raise DnsUnavailable(f"{name}: {type(exc).__name__}") from exc
        # A TXT record is one or more character-strings of up to 255 bytes; long values are split.
        return [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer]
