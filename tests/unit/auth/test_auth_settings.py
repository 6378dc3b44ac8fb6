"""Auth settings: defaults, bounds, OIDC providers as JSON, refusals named by variable."""

from __future__ import annotations

import json

import pytest

from veriflow.core.settings import SettingsError
from veriflow.identity.settings import get_auth_settings

PROVIDER = {
    "issuer": "https://accounts.example.com",
    "client_id": "veriflow-web",
    "client_secret": "s3cr3t-from-the-console",
    "authorization_endpoint": "https://accounts.example.com/authorize",
    "token_endpoint": "https://accounts.example.com/token",
    "jwks_uri": "https://accounts.example.com/jwks",
}


def test_defaults() -> None:
    settings = get_auth_settings()
    assert (settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism) == (19456, 2, 1)
    assert settings.access_token_ttl_s == 900
    assert (settings.jwt_issuer, settings.jwt_audience) == ("https://veriflow.local", "veriflow-api")
    assert settings.oidc_providers == {}


def test_settings_are_read_once() -> None:
    assert get_auth_settings() is get_auth_settings()


def test_missing_signing_key_secret_is_named() -> None:
    with pytest.raises(SettingsError) as excinfo:
        get_auth_settings().signing_keys_secret()
    assert excinfo.value.setting == "SIGNING_KEYS_SECRET_ARN"


def test_oidc_providers_parse_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN one provider in OIDC_PROVIDERS, scopes without openid
    monkeypatch.setenv("OIDC_PROVIDERS", json.dumps({"example": {**PROVIDER, "scopes": ["email"]}}))
    # WHEN the settings are read
    provider = get_auth_settings().oidc_providers["example"]
    # THEN openid is added and the secret is hidden from repr
    assert provider.scopes == ("openid", "email")
    assert "s3cr3t" not in repr(provider)


def test_invalid_oidc_json_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OIDC_PROVIDERS", "{not json")
    with pytest.raises(SettingsError) as excinfo:
        get_auth_settings()
    assert excinfo.value.setting == "OIDC_PROVIDERS"


@pytest.mark.parametrize("url", ["http://accounts.example.com/token", "file:///etc/passwd", "ftp://x/y"])
def test_provider_urls_must_be_https_outside_local(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("OIDC_PROVIDERS", json.dumps({"example": {**PROVIDER, "token_endpoint": url}}))
    with pytest.raises(SettingsError, match="https") as excinfo:
        get_auth_settings()
    assert excinfo.value.setting == "OIDC_PROVIDERS"


def test_plain_http_provider_is_allowed_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OIDC_PROVIDERS", json.dumps({"fake": {**PROVIDER, "token_endpoint": "http://127.0.0.1:9/t"}}))
    assert get_auth_settings().oidc_providers["fake"].token_endpoint == "http://127.0.0.1:9/t"


def test_file_urls_are_refused_even_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OIDC_PROVIDERS", json.dumps({"fake": {**PROVIDER, "jwks_uri": "file:///etc/passwd"}}))
    with pytest.raises(SettingsError):
        get_auth_settings()


def test_placeholder_client_secret_is_refused_outside_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("OIDC_PROVIDERS", json.dumps({"example": {**PROVIDER, "client_secret": "change-me"}}))
    with pytest.raises(SettingsError, match="placeholder"):
        get_auth_settings()
