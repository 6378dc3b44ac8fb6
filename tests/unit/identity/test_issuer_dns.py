"""The TXT check: what counts as the record, how dnspython's answers and errors map, and that
dnspython is only imported by a lookup."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import dns.resolver
import pytest

from tests.fixtures.fake_dns import FakeNameServer
from veriflow.identity import issuer
from veriflow.identity.dns_txt import DnsPythonResolver, DnsUnavailable, NoTxtRecord
from veriflow.identity.issuer import check_domain

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "a1b2" * 8


@pytest.fixture
def server() -> FakeNameServer:
    return FakeNameServer()


def test_the_record_is_the_token_under_the_veriflow_label(server: FakeNameServer) -> None:
    server.records["_veriflow.example.org"] = ["v=spf1 -all", f"  veriflow-verify={TOKEN} "]
    assert check_domain(server.resolver(), "example.org", TOKEN) == "valid"
    assert server.queries == ["_veriflow.example.org"]


@pytest.mark.parametrize("values", [
    [f"veriflow-verify={TOKEN[:-1]}"], [TOKEN], [f"veriflow-verify={TOKEN}x"], [f"VERIFLOW-VERIFY={TOKEN}"],
])
def test_any_other_value_is_invalid(server: FakeNameServer, values: list[str]) -> None:
    server.records["_veriflow.example.org"] = values
    assert check_domain(server.resolver(), "example.org", TOKEN) == "invalid"


def test_a_record_on_the_domain_itself_does_not_count(server: FakeNameServer) -> None:
    server.records["example.org"] = [f"veriflow-verify={TOKEN}"]
    assert check_domain(server.resolver(), "example.org", TOKEN) == "invalid"


def test_a_value_split_in_character_strings_is_joined(server: FakeNameServer) -> None:
    # GIVEN a value longer than one character-string (255 bytes), as DNS carries it
    long_token = "f" * 300
    server.publish("example.org", long_token)
    assert check_domain(server.resolver(), "example.org", long_token) == "valid"


@pytest.mark.parametrize(("failure", "result"), [
    (dns.resolver.NXDOMAIN(), "invalid"),
    (dns.resolver.NoAnswer(), "invalid"),
    (dns.resolver.LifetimeTimeout(timeout=2.0, errors=[]), "unavailable"),
    (dns.resolver.NoNameservers(), "unavailable"),  # SERVFAIL or REFUSED from every server
    (dns.resolver.NoResolverConfiguration(), "unavailable"),
    (OSError("Network is unreachable"), "unavailable"),
    (ConnectionRefusedError(), "unavailable"),
])
def test_dnspython_errors_map_to_a_result(server: FakeNameServer, failure: Exception, result: str) -> None:
    server.failure = failure
    assert check_domain(server.resolver(), "example.org", TOKEN) == result


def test_the_resolver_raises_the_protocols_errors(server: FakeNameServer) -> None:
    with pytest.raises(NoTxtRecord):
        server.resolver().txt("_veriflow.example.org")
    server.fail("timeout")
    with pytest.raises(DnsUnavailable, match="LifetimeTimeout"):
        server.resolver().txt("_veriflow.example.org")


def test_a_missing_resolver_configuration_is_an_outage(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN dnspython finds no name servers to use (no /etc/resolv.conf)
    def unconfigured(*_: Any, **__: Any) -> None:
        raise dns.resolver.NoResolverConfiguration()

    monkeypatch.setattr(dns.resolver, "Resolver", unconfigured)
    assert check_domain(DnsPythonResolver(), "example.org", TOKEN) == "unavailable"


def test_the_default_resolver_is_one_per_process_and_replaceable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert DnsPythonResolver.shared() is DnsPythonResolver.shared()
    fake = FakeNameServer().resolver()
    monkeypatch.setattr(issuer, "resolver_factory", lambda: fake)
    assert issuer.current_resolver() is fake


def test_importing_the_issuer_module_does_not_import_dnspython() -> None:
    # dnspython costs ~130 ms of import: only a lookup pays it, never a cold start.
    probe = "import sys, veriflow.identity.issuer, veriflow.orgs.api; print('dns' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
