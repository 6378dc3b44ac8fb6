"""OIDC login against a fake provider on 127.0.0.1 that signs real RS256 ID tokens."""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from moto import mock_aws

from veriflow.auth import oidc
from veriflow.core.errors import NotFound, ServiceUnavailable, Unauthorized
from veriflow.identity.settings import get_auth_settings

REDIRECT = "https://app.veriflow.local/v1/auth/oidc/fake/callback"
PROVIDER_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "oidc" / "provider.py"


def _provider_module() -> Any:
    spec = importlib.util.spec_from_file_location("veriflow_fake_oidc_provider", PROVIDER_FILE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


FakeProvider = _provider_module().FakeProvider


def reset() -> None:
    get_auth_settings.cache_clear()
    oidc.reset_oidc_caches()


def use(monkeypatch: pytest.MonkeyPatch, **providers: dict[str, Any]) -> None:
    monkeypatch.setenv("OIDC_PROVIDERS", json.dumps(providers))
    reset()


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    fake = FakeProvider()
    use(monkeypatch, fake=fake.config())
    yield fake
    fake.close()
    reset()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def authorize(url: str) -> dict[str, str]:
    """The browser's part: follow the authorization URL; the provider redirects back with code and state."""
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.build_opener(_NoRedirect).open(url, timeout=5)
    assert excinfo.value.code == 302
    location = excinfo.value.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def login(**finish_changes: Any) -> oidc.OidcIdentity:
    url, state, nonce, verifier = oidc.start("fake", REDIRECT)
    callback = authorize(url)
    oidc.check_state(state, callback["state"])
    args = {"code": callback["code"], "code_verifier": verifier, "redirect_uri": REDIRECT, "expected_nonce": nonce}
    args.update(finish_changes)
    return oidc.finish("fake", **args)


def refused_because(reason: str, caplog: pytest.LogCaptureFixture, **finish_changes: Any) -> None:
    with caplog.at_level(logging.INFO, logger="veriflow.auth"), pytest.raises(Unauthorized) as excinfo:
        login(**finish_changes)
    assert excinfo.value.message == "oidc_login_failed"
    assert [record.reason for record in caplog.records] == [reason]  # type: ignore[attr-defined]


def test_good_login(provider: Any) -> None:
    # GIVEN the fake provider configured  WHEN a user goes through the whole flow
    identity = login()
    # THEN the verified identity comes back
    assert (identity.provider, identity.issuer, identity.sub) == ("fake", provider.issuer, "fake-user-1")
    assert (identity.email, identity.email_verified) == ("ada@example.com", True)
    # AND the code was exchanged with the PKCE verifier, authenticated with HTTP Basic
    (request,) = provider.token_requests
    assert request["grant_type"] == "authorization_code"
    assert request["code_verifier"]
    assert "client_secret" not in request


def test_client_secret_post(provider: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    use(monkeypatch, fake=provider.config(token_auth_method="client_secret_post"))
    assert login().sub == "fake-user-1"
    assert provider.token_requests[0]["client_secret"] == provider.client_secret


def test_client_secret_from_secrets_manager(provider: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_aws():
        arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name="veriflow-test-oidc-fake", SecretString=json.dumps({"client_secret": provider.client_secret}))["ARN"]
        use(monkeypatch, fake=provider.config(client_secret=arn))
        assert login().sub == "fake-user-1"


def test_discovery_document_describes_the_configured_endpoints(provider: Any) -> None:
    with urllib.request.urlopen(f"{provider.issuer}/.well-known/openid-configuration", timeout=5) as response:
        discovery = json.load(response)
    config = get_auth_settings().oidc_providers["fake"]
    assert discovery["issuer"] == config.issuer
    assert (discovery["token_endpoint"], discovery["jwks_uri"]) == (config.token_endpoint, config.jwks_uri)
    assert "S256" in discovery["code_challenge_methods_supported"]


def test_unverified_email_is_reported_as_such(provider: Any) -> None:
    provider.user["email_verified"] = False
    identity = login()
    assert (identity.email, identity.email_verified) == ("ada@example.com", False)


def test_bad_state_is_refused(provider: Any) -> None:
    url, state, _, _ = oidc.start("fake", REDIRECT)
    authorize(url)
    with pytest.raises(Unauthorized):
        oidc.check_state(state, "forged-state")
    with pytest.raises(Unauthorized):
        oidc.check_state(state, None)


def test_bad_nonce_is_refused(provider: Any, caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN the provider puts another nonce in the ID token (a replayed token)
    provider.id_token_changes = {"nonce": "replayed-nonce"}
    refused_because("nonce", caplog)


def test_missing_nonce_is_refused(provider: Any, caplog: pytest.LogCaptureFixture) -> None:
    provider.id_token_changes = {"nonce": None}
    refused_because("nonce", caplog)


def test_nonce_from_another_login_is_refused(provider: Any, caplog: pytest.LogCaptureFixture) -> None:
    refused_because("nonce", caplog, expected_nonce="nonce-of-another-browser")


def test_wrong_audience_is_refused(provider: Any, caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN an ID token issued to another client of the same provider
    provider.id_token_changes = {"aud": "another-client"}
    refused_because("InvalidAudienceError", caplog)


def test_several_audiences_need_azp_naming_us(provider: Any, caplog: pytest.LogCaptureFixture) -> None:
    provider.id_token_changes = {"aud": [provider.client_id, "another-client"]}
    refused_because("azp", caplog)
    provider.id_token_changes = {"aud": [provider.client_id, "another-client"], "azp": provider.client_id}
    assert login().sub == "fake-user-1"


def test_expired_id_token_is_refused(provider: Any, caplog: pytest.LogCaptureFixture) -> None:
    now = int(time.time())
    provider.id_token_changes = {"iat": now - 3600, "exp": now - 600}
    refused_because("expired", caplog)


def test_id_token_issued_in_the_future_is_refused(provider: Any, caplog: pytest.LogCaptureFixture) -> None:
    provider.id_token_changes = {"iat": int(time.time()) + 3600}
    refused_because("issued_in_future", caplog)


def test_wrong_issuer_is_refused(provider: Any, caplog: pytest.LogCaptureFixture) -> None:
    provider.id_token_changes = {"iss": "https://accounts.evil.example"}
    refused_because("InvalidIssuerError", caplog)


def test_bad_pkce_verifier_is_refused(provider: Any, caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a stolen code presented with another verifier: the provider refuses the exchange
    refused_because("token_endpoint_400", caplog, code_verifier="x" * 64)


def test_code_works_once(provider: Any) -> None:
    url, _, nonce, verifier = oidc.start("fake", REDIRECT)
    code = authorize(url)["code"]
    oidc.finish("fake", code, verifier, REDIRECT, nonce)
    with pytest.raises(Unauthorized):
        oidc.finish("fake", code, verifier, REDIRECT, nonce)


def test_wrong_client_secret_is_refused(provider: Any, monkeypatch: pytest.MonkeyPatch,
                                        caplog: pytest.LogCaptureFixture) -> None:
    use(monkeypatch, fake=provider.config(client_secret="not-the-secret"))
    refused_because("token_endpoint_401", caplog)


def test_tampered_signature_is_refused(provider: Any, caplog: pytest.LogCaptureFixture) -> None:
    provider.tamper_signature = True
    refused_because("InvalidSignatureError", caplog)


def test_token_signed_by_a_key_the_provider_does_not_publish_is_refused(
    provider: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN JWKS cached, then ID tokens signed with a key the JWKS does not list
    login()
    provider.unpublished = {provider.rotate_key(keep_old=True)}
    # WHEN two logins present such tokens
    refused_because("kid_unknown", caplog)
    caplog.clear()
    refused_because("kid_unknown", caplog)
    # THEN the JWKS was refetched once only (unknown kids cannot make us hammer the provider)
    assert provider.jwks_requests == 2


def test_provider_key_rotation_is_picked_up_by_one_jwks_refetch(provider: Any) -> None:
    # GIVEN the provider's JWKS is cached after a first login
    login()
    assert provider.jwks_requests == 1
    # WHEN the provider rotates its key
    provider.rotate_key()
    # THEN the next login refetches the JWKS once and succeeds; the one after uses the cache
    assert login().sub == "fake-user-1"
    assert login().sub == "fake-user-1"
    assert provider.jwks_requests == 2


def test_unknown_provider_is_not_found(provider: Any) -> None:
    # A provider not configured here does not exist: 404, as for any other missing resource.
    with pytest.raises(NotFound):
        oidc.start("nope", REDIRECT)
    with pytest.raises(NotFound):
        oidc.finish("nope", "code", "verifier", REDIRECT, "nonce")


def test_unreachable_provider_is_service_unavailable(provider: Any) -> None:
    url, _, nonce, verifier = oidc.start("fake", REDIRECT)
    code = authorize(url)["code"]
    provider.close()
    with pytest.raises(ServiceUnavailable):
        oidc.finish("fake", code, verifier, REDIRECT, nonce)
