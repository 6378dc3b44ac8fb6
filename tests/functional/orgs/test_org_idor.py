"""IDOR matrix: every object route, called by a foreign user and by a foreign organization's API
key, answers 404 and changes nothing; the owner gets 2xx."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class World:
    org: uuid.UUID
    owner: Any
    member: Any
    invitation: str
    key_id: str


Route = tuple[str, str, Callable[[World], Any]]

# (method, path template, body): every route naming an object of an organization.
ROUTES: list[Route] = [
    ("GET", "/v1/orgs/{org}", lambda w: None),
    ("PATCH", "/v1/orgs/{org}", lambda w: {"description": "changed"}),
    ("GET", "/v1/orgs/{org}/members", lambda w: None),
    ("PATCH", "/v1/orgs/{org}/members/{member}", lambda w: {"role": "reviewer"}),
    ("DELETE", "/v1/orgs/{org}/members/{member}", lambda w: None),
    ("POST", "/v1/orgs/{org}/invitations", lambda w: {"email": "new@people.example", "role": "member"}),
    ("GET", "/v1/orgs/{org}/invitations", lambda w: None),
    ("DELETE", "/v1/orgs/{org}/invitations/{invitation}", lambda w: None),
    ("POST", "/v1/orgs/{org}/api-keys", lambda w: {"name": "k", "scopes": ["org:read"]}),
    ("GET", "/v1/orgs/{org}/api-keys", lambda w: None),
    ("DELETE", "/v1/orgs/{org}/api-keys/{key}", lambda w: None),
    ("PUT", "/v1/orgs/{org}/domain", lambda w: {"domain": "other.example"}),
    ("POST", "/v1/orgs/{org}/domain/check", lambda w: None),
    ("DELETE", "/v1/orgs/{org}/domain", lambda w: None),
]


def _path(template: str, world: World) -> str:
    return template.format(org=world.org, member=world.member.id, invitation=world.invitation, key=world.key_id)


@pytest.fixture
def world(api: Any, identity: Any) -> World:
    owner, member = identity.user(), identity.user()
    org = identity.org(owner)
    identity.member(org, member, "issuer")
    invitation = api("POST", f"/v1/orgs/{org}/invitations", owner, json_body={"email": "x@people.example"})
    key = api("POST", f"/v1/orgs/{org}/api-keys", owner, json_body={"name": "k", "scopes": ["org:read"]})
    api("PUT", f"/v1/orgs/{org}/domain", owner, json_body={"domain": "example.org"})
    return World(org, owner, member, invitation["json"]["id"], key["json"]["id"])


@pytest.mark.parametrize(("method", "template", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_foreign_users_and_foreign_keys_get_404_and_the_owner_succeeds(
    api: Any, identity: Any, world: World, method: str, template: str, body: Callable[[World], Any]
) -> None:
    # GIVEN an outsider who owns another organization, and that organization's all-scopes key
    outsider = identity.user()
    foreign_org = identity.org(outsider, "Elsewhere")
    foreign_key = identity.api_key(foreign_org, ("org:read", "members:read", "certificates:read",
                                                 "certificates:issue", "certificates:revoke"))
    path = _path(template, world)
    audit_before = len(identity.audit())
    # WHEN they call the route on our organization's objects
    for stranger in (outsider, foreign_key):
        response = api(method, path, stranger, json_body=body(world))
        # THEN they are told nothing exists, and nothing is written
        assert response["statusCode"] == 404, (stranger, response["json"])
        assert response["json"]["error"]["code"] == "not_found"
    assert len(identity.audit()) == audit_before
    # AND the owner's own call succeeds
    assert 200 <= api(method, path, world.owner, json_body=body(world))["statusCode"] < 300


@pytest.mark.parametrize("kind", ["member", "invitation", "key"])
def test_objects_of_another_org_are_not_found_through_my_org(api: Any, identity: Any, world: World, kind: str) -> None:
    # GIVEN the owner of a second organization, naming the first organization's object via their own org
    other_owner = identity.user()
    other_org = identity.org(other_owner, "Mine")
    path = {
        "member": f"/v1/orgs/{other_org}/members/{world.member.id}",
        "invitation": f"/v1/orgs/{other_org}/invitations/{world.invitation}",
        "key": f"/v1/orgs/{other_org}/api-keys/{world.key_id}",
    }[kind]
    # THEN the object is not found, and it still works in its own organization
    assert api("DELETE", path, other_owner)["statusCode"] == 404
    assert api("GET", f"/v1/orgs/{world.org}", world.member)["statusCode"] == 200
    assert api("GET", f"/v1/orgs/{world.org}/api-keys", world.owner)["json"]["data"][0]["revoked_at"] is None


def test_a_foreign_keys_own_listing_never_includes_other_organizations(api: Any, identity: Any, world: World) -> None:
    foreign_key = identity.api_key(identity.org(identity.user(), "Elsewhere"))
    listed = api("GET", "/v1/orgs", foreign_key)["json"]["data"]
    assert [org["id"] for org in listed] == [str(foreign_key.org_id)]
