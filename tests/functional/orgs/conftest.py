"""Every organization test resolves through a fake name server: none reaches real DNS."""

from __future__ import annotations

import pytest

from tests.fixtures.fake_dns import FakeNameServer
from veriflow.identity import issuer


@pytest.fixture(autouse=True)
def dns_server(monkeypatch: pytest.MonkeyPatch) -> FakeNameServer:
    """The name server the handlers' resolver asks; a test publishes records in it or makes it fail."""
    server = FakeNameServer()
    monkeypatch.setattr(issuer, "resolver_factory", server.resolver)
    return server
