"""Auth unit tests: fresh auth caches around every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from veriflow.auth import passwords
from veriflow.auth.settings import get_auth_settings


def reset_auth_caches() -> None:
    get_auth_settings.cache_clear()
    passwords.reset_password_caches()


@pytest.fixture(autouse=True)
def _fresh_auth_caches() -> Iterator[None]:
    reset_auth_caches()
    yield
    reset_auth_caches()
