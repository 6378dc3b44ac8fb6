"""Which addresses and URLs a webhook may reach."""

from __future__ import annotations

import socket
from ipaddress import ip_address
from typing import Any

import pytest

from veriflow.webhooks.ssrf import Target, UnsafeUrl, address_allowed, parse, resolve, vet

NOT_PUBLIC = [
    "10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "127.8.9.10", "169.254.169.254", "169.254.1.1",
    "100.64.0.1", "100.127.255.254", "0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "240.0.0.1",
    "255.255.255.255", "192.0.0.8", "198.18.0.1", "192.0.2.1", "198.51.100.1", "203.0.113.5",
    "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "fec0::1", "2001:db8::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1", "2002:a00:1::1",
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo to 10.0.0.1
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:93.184.216.34",
          "64:ff9b::808:808", "2002:808:808::1"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not address_allowed(ip_address(address), allow_localhost=False)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_allowed(ip_address(address), allow_localhost=False)


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_loopback_is_allowed_only_where_localhost_is(address: str) -> None:
    assert address_allowed(ip_address(address), allow_localhost=True)
    assert not address_allowed(ip_address(address), allow_localhost=False)


@pytest.mark.parametrize("address", ["10.0.0.1", "169.254.169.254", "100.64.0.1", "fc00::1"])
def test_allowing_localhost_allows_nothing_else_private(address: str) -> None:
    assert not address_allowed(ip_address(address), allow_localhost=True)


def test_parse_keeps_host_port_path_and_query() -> None:
    target = parse("HTTPS://Hooks.Example.com:8443/in?key=1#frag", allow_localhost=False)
    assert target == Target("https", "hooks.example.com", 8443, "/in?key=1")
    assert target.host_header == "hooks.example.com:8443"
    assert parse("https://hooks.example.com", allow_localhost=False).host_header == "hooks.example.com"
    assert parse("http://[::1]:8080/x", allow_localhost=True).host_header == "[::1]:8080"


@pytest.mark.parametrize("url", ["http://hooks.example.com/", "ftp://hooks.example.com/", "https:///nohost",
                                 "https://user:pw@hooks.example.com/", "https://hooks.example.com:99999/",
                                 "hooks.example.com/in"])
def test_parse_refuses_other_schemes_credentials_and_nonsense(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        parse(url, allow_localhost=False)


def _resolving(monkeypatch: pytest.MonkeyPatch, *addresses: str) -> list[str]:
    asked: list[str] = []

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        asked.append(host)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_a_host_is_refused_when_any_of_its_addresses_is_private(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a name resolving to a public and a private address
    _resolving(monkeypatch, "93.184.216.34", "10.1.2.3")
    # THEN it is refused (a client may connect to either)
    with pytest.raises(UnsafeUrl, match="not public"):
        vet("https://mixed.example.com/", allow_localhost=False)


def test_a_public_host_resolves_once_to_its_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _resolving(monkeypatch, "93.184.216.34", "2606:4700:4700::1111")
    target = parse("https://hooks.example.com/", allow_localhost=False)
    assert resolve(target, allow_localhost=False) == [ip_address("93.184.216.34"), ip_address("2606:4700:4700::1111")]
    assert asked == ["hooks.example.com"]


def test_a_host_that_does_not_resolve_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: Any, **__: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(UnsafeUrl, match="does not resolve"):
        vet("https://nowhere.example.com/", allow_localhost=False)
