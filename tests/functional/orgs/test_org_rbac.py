"""RBAC per organization action: what each org role may do (403 for members lacking the permission)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

ROLES = ["member", "reviewer", "issuer", "admin", "owner"]

# action -> (method, path, body, the roles allowed)
Action = tuple[str, str, Callable[[Any], Any], set[str]]
ACTIONS: dict[str, Action] = {
    "read org": ("GET", "/v1/orgs/{org}", lambda t: None, set(ROLES)),
    "list members": ("GET", "/v1/orgs/{org}/members", lambda t: None, set(ROLES)),
    "update org": ("PATCH", "/v1/orgs/{org}", lambda t: {"description": "x"}, {"admin", "owner"}),
    "invite": ("POST", "/v1/orgs/{org}/invitations", lambda t: {"email": "new@people.example"}, {"admin", "owner"}),
    "list invitations": ("GET", "/v1/orgs/{org}/invitations", lambda t: None, {"admin", "owner"}),
    "create api key": ("POST", "/v1/orgs/{org}/api-keys", lambda t: {"name": "k", "scopes": ["org:read"]},
                       {"admin", "owner"}),
    "list api keys": ("GET", "/v1/orgs/{org}/api-keys", lambda t: None, {"admin", "owner"}),
    "change a member's role": ("PATCH", "/v1/orgs/{org}/members/{target}", lambda t: {"role": "reviewer"},
                               {"admin", "owner"}),
    "remove a member": ("DELETE", "/v1/orgs/{org}/members/{target}", lambda t: None, {"admin", "owner"}),
    "claim a domain": ("PUT", "/v1/orgs/{org}/domain", lambda t: {"domain": "example.org"}, {"admin", "owner"}),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_org_role_permissions(api: Any, identity: Any, role: str, action: str) -> None:
    # GIVEN an organization where the caller has `role`, and another plain member
    owner = identity.user()
    org = identity.org(owner)
    caller = owner if role == "owner" else identity.member(org, identity.user(), role)
    target = identity.member(org, identity.user(), "member")
    method, template, body, allowed = ACTIONS[action]
    # WHEN the caller attempts the action
    response = api(method, template.format(org=org, target=target.id), caller, json_body=body(target))
    # THEN roles holding the permission succeed; the others are refused with 403 (they know the org)
    if role in allowed:
        assert 200 <= response["statusCode"] < 300, response["json"]
    else:
        assert response["statusCode"] == 403, response["json"]
        assert response["json"]["error"]["code"] == "forbidden"


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_and_owners_check_or_remove_the_domain(api: Any, identity: Any, role: str) -> None:
    # GIVEN an organization that claims a domain, and a caller with `role` in it
    owner = identity.user()
    org = identity.org(owner)
    api("PUT", f"/v1/orgs/{org}/domain", owner, json_body={"domain": "example.org"})
    caller = owner if role == "owner" else identity.member(org, identity.user(), role)
    # WHEN they check it, then remove it
    checked = api("POST", f"/v1/orgs/{org}/domain/check", caller)
    removed = api("DELETE", f"/v1/orgs/{org}/domain", caller)
    # THEN only admins and owners may; the others are refused and the claim stays
    if role in {"admin", "owner"}:
        assert (checked["statusCode"], removed["statusCode"]) == (200, 204)
    else:
        assert (checked["statusCode"], removed["statusCode"]) == (403, 403)
        assert checked["json"]["error"]["details"] == {"permission": "org:update"}
        assert api("GET", f"/v1/orgs/{org}", caller)["json"]["domain"]["name"] == "example.org"


def test_no_api_key_manages_the_domain(api: Any, identity: Any) -> None:
    # GIVEN the organization's own key with every scope a key may have
    owner = identity.user()
    org = identity.org(owner)
    api("PUT", f"/v1/orgs/{org}/domain", owner, json_body={"domain": "example.org"})
    key = identity.api_key(org, ("org:read", "members:read", "certificates:read", "certificates:issue",
                                 "certificates:revoke"))
    # THEN it reads the claim but cannot change it
    assert api("GET", f"/v1/orgs/{org}", key)["json"]["domain"]["name"] == "example.org"
    assert api("PUT", f"/v1/orgs/{org}/domain", key, json_body={"domain": "other.example"})["statusCode"] == 403
    assert api("POST", f"/v1/orgs/{org}/domain/check", key)["statusCode"] == 403
    assert api("DELETE", f"/v1/orgs/{org}/domain", key)["statusCode"] == 403
