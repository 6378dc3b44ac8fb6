"""IDOR: every webhook route, called by another organization's admin or API key, answers 404 and
changes nothing; naming our endpoint through their own organization is 404 too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class World:
    endpoint: Any
    delivery: str


Route = tuple[str, str, Callable[[Any], Any]]

ROUTES: list[Route] = [
    ("POST", "/v1/orgs/{org}/webhooks", lambda url: {"url": url, "event_types": ["certificate.issued"]}),
    ("GET", "/v1/orgs/{org}/webhooks", lambda url: None),
    ("GET", "/v1/orgs/{org}/webhooks/{endpoint}", lambda url: None),
    ("PATCH", "/v1/orgs/{org}/webhooks/{endpoint}", lambda url: {"description": "changed"}),
    ("DELETE", "/v1/orgs/{org}/webhooks/{endpoint}", lambda url: None),
    ("POST", "/v1/orgs/{org}/webhooks/{endpoint}/rotate-secret", lambda url: None),
    ("GET", "/v1/orgs/{org}/webhooks/{endpoint}/deliveries", lambda url: None),
    ("POST", "/v1/orgs/{org}/webhooks/{endpoint}/deliveries/{delivery}/redeliver", lambda url: None),
    ("POST", "/v1/orgs/{org}/webhooks/{endpoint}/test", lambda url: None),
]
IDS = [f"{method} {path}" for method, path, _ in ROUTES]


@pytest.fixture
def world(hooks: Any, receiver: Any) -> World:
    endpoint = hooks.endpoint(receiver.url)
    [delivery] = hooks.send(endpoint.org)
    return World(endpoint, str(delivery))


def _path(template: str, org: Any, world: World) -> str:
    return template.format(org=org, endpoint=world.endpoint.id, delivery=world.delivery)


@pytest.mark.parametrize(("method", "template", "body"), ROUTES, ids=IDS)
def test_another_orgs_admin_and_key_get_404_and_the_owner_succeeds(
    api: Any, identity: Any, world: World, receiver: Any, method: str, template: str, body: Callable[[Any], Any]
) -> None:
    # GIVEN the owner of another organization, an admin there, and that organization's widest API key
    outsider = identity.user()
    foreign_org = identity.org(outsider, "Elsewhere")
    foreign_admin = identity.member(foreign_org, identity.user(), "admin")
    foreign_key = identity.api_key(foreign_org, ("org:read", "members:read", "certificates:read",
                                                 "certificates:issue", "certificates:revoke"))
    path = _path(template, world.endpoint.org, world)
    audit_before = len(identity.audit())
    # WHEN they call the route on our organization's webhooks
    for stranger in (outsider, foreign_admin, foreign_key):
        response = api(method, path, stranger, json_body=body(receiver.url))
        # THEN they are told nothing exists, and nothing is written
        assert response["statusCode"] == 404, (stranger, response["json"])
        assert response["json"]["error"]["code"] == "not_found"
    assert len(identity.audit()) == audit_before
    assert api("GET", world.endpoint.path, world.endpoint.owner)["json"]["description"] == ""
    # AND the owner's own call succeeds
    assert 200 <= api(method, path, world.endpoint.owner, json_body=body(receiver.url))["statusCode"] < 300


@pytest.mark.parametrize(("method", "template", "body"), [r for r in ROUTES if "{endpoint}" in r[1]],
                         ids=[i for i, r in zip(IDS, ROUTES, strict=True) if "{endpoint}" in r[1]])
def test_our_endpoint_named_through_their_own_org_is_not_found(
    api: Any, identity: Any, world: World, receiver: Any, method: str, template: str, body: Callable[[Any], Any]
) -> None:
    # GIVEN the owner of another organization, naming our endpoint under their organization
    other = identity.user()
    other_org = identity.org(other, "Elsewhere")
    response = api(method, _path(template, other_org, world), other, json_body=body(receiver.url))
    # THEN it is not found
    assert response["statusCode"] == 404, response["json"]
