"""WEBHOOKS_ALLOW_LOCALHOST: on by default for STAGE=local only, and never allowed elsewhere."""

from __future__ import annotations

import pytest

from veriflow.core.settings import SettingsError
from veriflow.webhooks.settings import get_webhook_settings


@pytest.fixture(autouse=True)
def _fresh() -> None:
    get_webhook_settings.cache_clear()


@pytest.mark.parametrize(("stage", "flag", "allowed"), [
    ("local", None, True), ("local", "false", False), ("local", "true", True),
    ("dev", None, False), ("prod", None, False), ("prod", "false", False),
])
def test_localhost_is_reachable_only_where_the_stage_allows(monkeypatch: pytest.MonkeyPatch, stage: str,
                                                            flag: str | None, allowed: bool) -> None:
    monkeypatch.setenv("STAGE", stage)
    if flag is not None:
        monkeypatch.setenv("WEBHOOKS_ALLOW_LOCALHOST", flag)
    assert get_webhook_settings().allow_localhost is allowed


def test_allowing_localhost_outside_local_is_a_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOCALHOST", "true")
    with pytest.raises(SettingsError, match="WEBHOOKS_ALLOW_LOCALHOST"):
        get_webhook_settings()
