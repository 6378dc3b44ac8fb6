"""Organizations, members and API keys through the real handlers on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import warnings
from collections.abc import Callable, Iterator
from datetime import timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest

from veriflow.core.db import normalise_url, session_scope
from veriflow.core.migrations import upgrade
from veriflow.core.types import utcnow
from veriflow.identity.auth_models import Session as AuthSession
from veriflow.identity.jwt_tokens import issue_access_token
from veriflow.identity.user_models import User

pytestmark = pytest.mark.postgres

Call = Callable[..., dict[str, Any]]


@pytest.fixture
def database(postgres_database: str) -> str:
    """A fresh database on the test cluster, migrated, set as DATABASE_URL."""
    upgrade(normalise_url(postgres_database))
    return postgres_database


@pytest.fixture
def aws(database: str, identity_resources: str) -> str:
    return identity_resources


def _person(email: str) -> dict[str, str]:
    with session_scope() as session:
        user = User(email=email, email_verified_at=utcnow())
        session.add(user)
        session.flush()
        auth_session = AuthSession(user_id=user.id, expires_at=utcnow() + timedelta(days=1))
        session.add(auth_session)
        session.flush()
        user_id, session_id = user.id, auth_session.id
    token, _ = issue_access_token(str(user_id), session_id=str(session_id))
    return {"authorization": f"Bearer {token}", "id": str(user_id)}


@pytest.fixture
def event_loop_for_mangum() -> Iterator[None]:
    """Lambda's main thread has an event loop for Mangum; an earlier test's `asyncio.run` may have
    left this one without."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # a fresh thread's loop is made on demand
            asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        yield
        asyncio.set_event_loop(None)
        loop.close()
    else:
        yield


@pytest.fixture
def call(
    aws: str, load_function: Callable[[str], ModuleType], sample_event: Callable[[str, str], dict[str, Any]],
    lambda_context: Any, event_loop_for_mangum: None,
) -> Call:
    def invoke(method: str, path: str, headers: dict[str, str], body: Any = None) -> dict[str, Any]:
        event = sample_event("health", "live")
        event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {path}"
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
        event["requestContext"]["http"]["method"] = method
        event["headers"].update({k: v for k, v in headers.items() if k != "id"})
        if body is not None:
            event["body"] = json.dumps(body)
            event["headers"]["content-type"] = "application/json"
        response = load_function(path.split("/")[2]).handler(event, lambda_context)
        response["json"] = json.loads(response["body"]) if response.get("body") else None
        return response

    return invoke


def test_org_members_and_api_keys_on_postgres(call: Call, aws: str) -> None:
    # GIVEN two people, each creating an organization with the same name
    owner, grace, outsider = _person("owner@acme.example"), _person("grace@acme.example"), _person("x@else.example")
    org = call("POST", "/v1/orgs", owner, {"name": "Acme Academy"})["json"]
    other = call("POST", "/v1/orgs", outsider, {"name": "Acme Academy"})["json"]
    assert (org["slug"], other["slug"]) == ("acme-academy", "acme-academy-2")
    # WHEN the owner invites grace, who accepts with the emailed token
    assert call("POST", f"/v1/orgs/{org['id']}/invitations", owner, {"email": "grace@acme.example"})[
        "statusCode"] == 201
    message = boto3.client("sqs").receive_message(QueueUrl=aws)["Messages"][0]
    token = json.loads(message["Body"])["data"]["token"]
    assert call("POST", "/v1/orgs/invitations/accept", grace, {"token": token})["json"]["role"] == "member"
    # THEN she is a member; the last owner cannot step down until she is an owner too
    members = call("GET", f"/v1/orgs/{org['id']}/members", owner)["json"]["data"]
    assert {m["user_id"] for m in members} == {owner["id"], grace["id"]}
    demote = f"/v1/orgs/{org['id']}/members/{owner['id']}"
    assert call("PATCH", demote, owner, {"role": "admin"})["statusCode"] == 409
    assert call("PATCH", f"/v1/orgs/{org['id']}/members/{grace['id']}", owner, {"role": "owner"})["statusCode"] == 200
    assert call("PATCH", demote, owner, {"role": "admin"})["statusCode"] == 200
    # WHEN the organization gets an API key
    created = call("POST", f"/v1/orgs/{org['id']}/api-keys", grace, {"name": "LMS", "scopes": ["org:read"]})
    key = {"x-api-key": created["json"]["key"]}
    # THEN the key reads its organization, never the other one, until revoked
    assert call("GET", f"/v1/orgs/{org['id']}", key)["statusCode"] == 200
    assert call("GET", f"/v1/orgs/{other['id']}", key)["statusCode"] == 404
    assert call("GET", f"/v1/orgs/{org['id']}", outsider)["statusCode"] == 404
    assert call("DELETE", f"/v1/orgs/{org['id']}/api-keys/{created['json']['id']}", grace)["statusCode"] == 204
    assert call("GET", f"/v1/orgs/{org['id']}", key)["statusCode"] == 401
    listed = call("GET", f"/v1/orgs/{org['id']}/api-keys", grace)["json"]["data"]
    assert listed[0]["last_used_at"] is not None
    assert listed[0]["revoked_at"] is not None
