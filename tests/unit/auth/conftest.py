"""Auth unit tests: fresh auth caches around every test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from veriflow.auth import oidc
from veriflow.identity import keys, passwords
from veriflow.identity.keyset import (
    KeySet,
    VerificationKey,
    new_entry,
    parse_keyset,
    parse_public_document,
    public_document,
)
from veriflow.identity.settings import get_auth_settings


def reset_auth_caches() -> None:
    get_auth_settings.cache_clear()
    passwords.reset_password_caches()
    keys.reset_key_cache()
    oidc.reset_oidc_caches()


@pytest.fixture(autouse=True)
def _fresh_auth_caches() -> Iterator[None]:
    reset_auth_caches()
    yield
    reset_auth_caches()


class FakeKeyStore:
    """The signing-key secret and its published public half in memory: what `keys` reads, and
    what a test rotates; `reads` counts reads of the published keys."""

    def __init__(self) -> None:
        entry = new_entry(datetime.now(UTC) - timedelta(days=1))
        self.document: dict[str, Any] = {"keys": [entry], "active": entry["kid"]}
        self.version = 1
        self.reads = 0

    def load(self, now: datetime) -> KeySet:
        return parse_keyset(self.document, str(self.version))

    def published(self) -> tuple[VerificationKey, ...]:
        """The public half, as the signers publish it (what verification reads)."""
        self.reads += 1
        return parse_public_document(public_document(parse_keyset(self.document, str(self.version))))

    def add_key(self, *, active: bool = True) -> str:
        entry = new_entry(datetime.now(UTC))
        self.document = {"keys": [*self.document["keys"], entry],
                         "active": entry["kid"] if active else self.document["active"]}
        self.version += 1
        return str(entry["kid"])


@pytest.fixture
def key_store(monkeypatch: pytest.MonkeyPatch) -> FakeKeyStore:
    """Signing keys without Secrets Manager (the functional tests use moto for the real store)."""
    store = FakeKeyStore()
    monkeypatch.setattr(keys, "_load_or_bootstrap", store.load)
    monkeypatch.setattr(keys, "_published_keys", store.published)
    return store
