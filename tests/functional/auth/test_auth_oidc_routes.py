"""OIDC sign-in through the auth function's routes, against the fake provider on 127.0.0.1."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from sqlalchemy import select

from veriflow.auth import oidc
from veriflow.core.db import session_scope
from veriflow.identity.auth_models import UserIdentity
from veriflow.identity.flow_settings import get_flow_settings
from veriflow.identity.settings import get_auth_settings
from veriflow.identity.user_models import User

PROVIDER_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "oidc" / "provider.py"


def _fake_provider_class() -> Any:
    name = "veriflow_fake_oidc_provider"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, PROVIDER_FILE)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name].FakeProvider


@pytest.fixture
def provider(stack: Any) -> Iterator[Any]:
    """The fake provider, configured on the auth function as an operator would (its environment)."""
    fake = _fake_provider_class()()
    lam = boto3.client("lambda", region_name="us-east-1")
    name = stack.cloud.function_name("AuthApiFunction")
    variables = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {
        **variables, "OIDC_PROVIDERS": json.dumps({"fake": fake.config()}), "PUBLIC_API_URL": str(stack.api.base_url),
    }})
    get_auth_settings.cache_clear()
    get_flow_settings.cache_clear()
    oidc.reset_oidc_caches()
    yield fake
    fake.close()


def sign_in(stack: Any) -> httpx.Response:
    """What a browser does: start, follow the provider's redirect, land on our callback."""
    start = stack.api.get("/v1/auth/oidc/fake/start")
    assert start.status_code == 302
    at_provider = httpx.get(start.headers["location"], follow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["location"])
    assert back.path == "/v1/auth/oidc/fake/callback"
    query = {name: values[0] for name, values in parse_qs(back.query).items()}
    return stack.api.get(back.path, params=query)


def test_first_sign_in_creates_a_verified_account(stack: Any, provider: Any) -> None:
    response = sign_in(stack)
    assert response.status_code == 200, response.text
    assert response.json()["access_token"]
    with session_scope() as db:
        user = db.scalars(select(User)).one()
        assert (user.email, user.password_hash) == ("ada@example.com", None)
        assert user.email_verified_at is not None
        assert db.scalars(select(UserIdentity.subject)).one() == "fake-user-1"
    # AND the second sign-in finds the same account through the linked identity
    assert sign_in(stack).json()["session_id"] != response.json()["session_id"]
    with session_scope() as db:
        assert len(db.scalars(select(User)).all()) == 1


def test_an_account_made_by_a_provider_is_welcomed_once(stack: Any, provider: Any) -> None:
    # GIVEN a first sign-in through the provider (which vouches for the address), then a second
    first = sign_in(stack)
    assert first.status_code == 200
    assert sign_in(stack).status_code == 200
    # WHEN the worker delivers what was queued
    stack.cloud.drain_queues()
    # THEN the new account's inbox holds one welcome
    inbox = stack.api.get("/v1/notifications", headers={"authorization": f"Bearer {first.json()['access_token']}"})
    assert [entry["template"] for entry in inbox.json()["data"]] == ["auth.welcome"]


def test_a_verified_account_is_linked_by_email(stack: Any, provider: Any) -> None:
    stack.signed_in()
    assert sign_in(stack).status_code == 200
    with session_scope() as db:
        user = db.scalars(select(User)).one()
        assert user.password_hash is not None  # the owner's password still works
    assert stack.login().status_code == 200


def test_an_unproven_registration_loses_its_password_when_the_owner_signs_in(stack: Any, provider: Any) -> None:
    # GIVEN someone registered the address without proving it (no verification)
    assert stack.register().status_code == 202
    # WHEN the real owner signs in through the provider
    assert sign_in(stack).status_code == 200
    # THEN the unproven password no longer opens the account
    assert stack.login().status_code == 401


def test_a_provider_that_does_not_vouch_for_the_email_cannot_link(stack: Any, provider: Any) -> None:
    provider.user = {**provider.user, "email_verified": False}
    assert sign_in(stack).status_code == 401


def test_the_state_is_single_use_and_must_be_ours(stack: Any, provider: Any) -> None:
    start = stack.api.get("/v1/auth/oidc/fake/start")
    at_provider = httpx.get(start.headers["location"], follow_redirects=False, timeout=10)
    query = {name: values[0] for name, values in parse_qs(urlsplit(at_provider.headers["location"]).query).items()}
    forged = stack.api.get("/v1/auth/oidc/fake/callback", params={**query, "state": "not-ours"})
    assert forged.status_code == 401
    assert stack.api.get("/v1/auth/oidc/fake/callback", params=query).status_code == 200
    assert stack.api.get("/v1/auth/oidc/fake/callback", params=query).status_code == 401


@pytest.mark.parametrize(
    "changes",
    [{"aud": "another-client"}, {"nonce": "not-the-nonce"}, {"iss": "https://evil.example"}, {"exp": 1}],
    ids=["wrong-audience", "bad-nonce", "wrong-issuer", "expired"],
)
def test_bad_id_tokens_are_refused(stack: Any, provider: Any, changes: dict[str, Any]) -> None:
    provider.id_token_changes = changes
    response = sign_in(stack)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_an_unknown_provider_is_a_404(stack: Any, provider: Any) -> None:
    # GIVEN no provider named "nope" WHEN its sign-in starts THEN it does not exist, in a sentence
    response = stack.api.get("/v1/auth/oidc/nope/start")
    assert response.status_code == 404
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("not_found", "No sign-in provider has this name.")
