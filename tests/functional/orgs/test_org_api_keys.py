"""API keys: shown once, stored as prefix and hash, scoped, expiring, revocable, last use recorded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from veriflow.core.db import session_scope
from veriflow.identity.opaque import hash_token
from veriflow.identity.org_models import ApiKey


def test_key_lifecycle_create_use_list_revoke(api: Any, identity: Any) -> None:
    # GIVEN an organization's owner
    owner = identity.user()
    org = identity.org(owner)
    # WHEN a key is created with two scopes
    created = api("POST", f"/v1/orgs/{org}/api-keys", owner,
                  json_body={"name": "LMS", "scopes": ["org:read", "certificates:issue"], "expires_in_days": 30})
    # THEN the full key is returned once, and only its prefix and hash are stored
    assert created["statusCode"] == 201, created["json"]
    key = created["json"]["key"]
    assert key.startswith("vf_")
    assert created["json"]["prefix"] == key[:15]
    assert created["json"]["scopes"] == ["certificates:issue", "org:read"]
    with session_scope() as session:
        row = session.scalars(select(ApiKey)).one()
        assert row.key_hash == hash_token(key)
        assert row.prefix == key[:15]
        assert row.last_used_at is None
    # WHEN the key reads its organization (as a bearer or as X-API-Key)
    as_header = api("GET", f"/v1/orgs/{org}", headers={"x-api-key": key})
    as_bearer = api("GET", f"/v1/orgs/{org}", headers={"authorization": f"Bearer {key}"})
    # THEN it is the organization, with no person's role, and the use is recorded
    assert as_header["statusCode"] == 200
    assert as_header["json"]["role"] is None
    assert as_bearer["statusCode"] == 200
    assert api("GET", "/v1/orgs", headers={"x-api-key": key})["json"]["data"][0]["id"] == str(org)
    # AND the listing never shows the key itself
    listed = api("GET", f"/v1/orgs/{org}/api-keys", owner)["json"]["data"]
    assert len(listed) == 1
    assert "key" not in listed[0]
    assert key not in str(listed)
    assert listed[0]["last_used_at"] is not None
    # WHEN it is revoked THEN it stops working at once; revoking again changes nothing
    assert api("DELETE", f"/v1/orgs/{org}/api-keys/{listed[0]['id']}", owner)["statusCode"] == 204
    assert api("DELETE", f"/v1/orgs/{org}/api-keys/{listed[0]['id']}", owner)["statusCode"] == 204
    assert api("GET", f"/v1/orgs/{org}", headers={"x-api-key": key})["statusCode"] == 401
    assert api("GET", f"/v1/orgs/{org}/api-keys", owner)["json"]["data"][0]["revoked_at"] is not None
    # AND creation and revocation are audited once each
    events = identity.audit("org.api_key")
    assert [e.action for e in events] == ["org.api_key.created", "org.api_key.revoked"]
    assert all(key not in str(e.details) for e in events)


def test_scopes_are_limited_and_keys_manage_nothing(api: Any, identity: Any) -> None:
    owner = identity.user()
    org = identity.org(owner)
    path = f"/v1/orgs/{org}/api-keys"
    refused = api("POST", path, owner, json_body={"name": "x", "scopes": ["api_keys:manage"]})
    assert refused["statusCode"] == 422
    assert [(d["loc"], d["type"]) for d in refused["json"]["error"]["details"]] == [
        (["body", "scopes", "0"], "scope_unknown")]
    assert api("POST", path, owner, json_body={"name": "x", "scopes": []})["statusCode"] == 422
    assert api("POST", path, owner, json_body={"name": "x", "scopes": ["org:read"], "expires_in_days": 0})[
        "statusCode"] == 422
    # A key, even of this organization, cannot manage keys, members or the organization
    key = identity.api_key(org, ("org:read", "members:read"))
    assert api("POST", path, key, json_body={"name": "x", "scopes": ["org:read"]})["statusCode"] == 403
    assert api("GET", path, key)["statusCode"] == 403
    assert api("PATCH", f"/v1/orgs/{org}", key, json_body={"name": "x"})["statusCode"] == 403
    assert api("POST", f"/v1/orgs/{org}/invitations", key, json_body={"email": "a@b.example"})["statusCode"] == 403
    # But it reads what its scopes allow
    assert api("GET", f"/v1/orgs/{org}/members", key)["statusCode"] == 200
    # And a key without org:read cannot read the organization
    narrow = identity.api_key(org, ("certificates:read",))
    assert api("GET", f"/v1/orgs/{org}", narrow)["statusCode"] == 403


def test_members_without_key_management_cannot_create_keys(api: Any, identity: Any) -> None:
    owner, issuer = identity.user(), identity.user()
    org = identity.org(owner)
    identity.member(org, issuer, "issuer")
    body = {"name": "x", "scopes": ["org:read"]}
    assert api("POST", f"/v1/orgs/{org}/api-keys", issuer, json_body=body)["statusCode"] == 403


def test_an_expired_key_is_refused(api: Any, identity: Any) -> None:
    org = identity.org(identity.user())
    key = identity.api_key(org, expired=True)
    assert api("GET", f"/v1/orgs/{org}", key)["statusCode"] == 401
