"""Which URLs a webhook may call: https to public addresses only, checked at registration and again
at every send (DNS may have changed since), so an endpoint cannot be aimed at our own network."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from urllib.parse import urlsplit

type Address = IPv4Address | IPv6Address

# Not public, yet not all flagged by `ipaddress` (is_global misses multicast, for one).
_BLOCKED: tuple[IPv4Network | IPv6Network, ...] = (
    IPv4Network("0.0.0.0/8"),
    IPv4Network("100.64.0.0/10"),  # carrier-grade NAT
    IPv4Network("192.0.0.0/24"),
    IPv4Network("198.18.0.0/15"),
    IPv4Network("240.0.0.0/4"),
    IPv6Network("64:ff9b:1::/48"),
    IPv6Network("100::/64"),
    IPv6Network("2001:db8::/32"),
    IPv6Network("fc00::/7"),
    IPv6Network("fe80::/10"),
    IPv6Network("fec0::/10"),
)
_NAT64 = IPv6Network("64:ff9b::/96")


class UnsafeUrl(Exception):
    """The URL may not be called; the message says why (safe to show to the endpoint's owner, in the
    delivery log), `rule` is the code of the rule it broke."""

    def __init__(self, message: str, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # lower case, IPv6 without brackets
    port: int
    path: str  # path and query, as sent in the request line

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def parse(url: str, *, allow_localhost: bool) -> Target:
    """The parts of an absolute https URL (http too where localhost is allowed); no credentials."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("The URL is not valid.", "url_invalid") from exc
    schemes = ("https", "http") if allow_localhost else ("https",)
    if parts.scheme.lower() not in schemes:
        raise UnsafeUrl("The URL must use https.", "url_scheme")
    if not parts.hostname:
        raise UnsafeUrl("The URL has no host.", "url_host_missing")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("The URL may not carry credentials; authenticate requests by their signature.",
                        "url_credentials")
    scheme = parts.scheme.lower()
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80), path)


def address_allowed(address: Address, *, allow_localhost: bool) -> bool:
    """A globally routable unicast address (or loopback, where allowed); embedded IPv4 is judged as IPv4."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return address_allowed(embedded, allow_localhost=allow_localhost)
    if address.is_loopback:
        return allow_localhost
    flagged = (address.is_private or address.is_link_local or address.is_multicast or address.is_reserved
               or address.is_unspecified or any(address in network for network in _BLOCKED))
    return address.is_global and not flagged


def _embedded_ipv4(address: Address) -> IPv4Address | None:
    # IPv4-mapped, 6to4, Teredo and NAT64 addresses reach the IPv4 address they carry.
    if not isinstance(address, IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFF_FFFF)
    return None


def resolve(target: Target, *, allow_localhost: bool) -> list[Address]:
    """The host's addresses, resolved once; refused when any of them is not public."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeUrl(f"The host {target.host} does not resolve.", "url_host_unresolved") from exc
    # Scoped IPv6 addresses come back as "fe80::1%eth0".
    addresses = list(dict.fromkeys(ip_address(str(info[4][0]).split("%")[0]) for info in infos))
    if not addresses:
        raise UnsafeUrl(f"The host {target.host} does not resolve.", "url_host_unresolved")
    if not all(address_allowed(address, allow_localhost=allow_localhost) for address in addresses):
        raise UnsafeUrl(f"The host {target.host} resolves to an address that is not public.", "url_host_not_public")
    return addresses


def vet(url: str, *, allow_localhost: bool) -> Target:
    """Registration's check: a valid URL whose host resolves to public addresses only."""
    target = parse(url, allow_localhost=allow_localhost)
    resolve(target, allow_localhost=allow_localhost)
    return target
