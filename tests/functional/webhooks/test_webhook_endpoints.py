"""Webhook endpoints through the organizations function: registration, the secret shown once,
listing, changes, deletion, event types from the catalogue, who may manage them, the audit trail."""

from __future__ import annotations

from typing import Any

from veriflow.messaging.webhook_events import EVENT_TYPES


def _create(api: Any, actor: Any, org: Any, url: str, **extra: Any) -> dict[str, Any]:
    body = {"url": url, "event_types": ["certificate.issued"], **extra}
    return api("POST", f"/v1/orgs/{org}/webhooks", actor, json_body=body)  # type: ignore[no-any-return]


def test_endpoint_lifecycle_secret_once_list_update_delete(api: Any, identity: Any, receiver: Any) -> None:
    # GIVEN an organization's owner
    owner = identity.user()
    org = identity.org(owner)
    # WHEN an endpoint is registered
    created = _create(api, owner, org, receiver.url, description="LMS", event_types=["certificate.revoked",
                                                                                      "certificate.issued"])
    # THEN the answer carries the secret, once, and the event types in order
    assert created["statusCode"] == 201, created["json"]
    endpoint = created["json"]
    secret = endpoint["secret"]
    assert secret.startswith("whsec_")
    assert endpoint["event_types"] == ["certificate.issued", "certificate.revoked"]
    assert endpoint["enabled"] is True
    # AND neither the listing nor a read ever shows it again
    path = f"/v1/orgs/{org}/webhooks/{endpoint['id']}"
    listed = api("GET", f"/v1/orgs/{org}/webhooks", owner)
    read = api("GET", path, owner)
    assert [e["id"] for e in listed["json"]["data"]] == [endpoint["id"]]
    for shown in (listed["body"], read["body"]):
        assert secret not in shown
        assert "secret\"" not in shown.replace("previous_secret_expires_at", "")
    # WHEN it is changed and disabled
    changed = api("PATCH", path, owner, json_body={"description": "LMS (prod)", "event_types": ["payout.completed"],
                                                   "enabled": False})
    # THEN the changes show, with who disabled it
    assert changed["statusCode"] == 200, changed["json"]
    assert changed["json"]["description"] == "LMS (prod)"
    assert changed["json"]["event_types"] == ["payout.completed"]
    assert changed["json"]["enabled"] is False
    assert "member" in changed["json"]["disabled_reason"]
    # AND re-enabling clears the reason
    enabled = api("PATCH", path, owner, json_body={"enabled": True})["json"]
    assert (enabled["enabled"], enabled["disabled_reason"]) == (True, None)
    # WHEN it is deleted THEN it is gone
    assert api("DELETE", path, owner)["statusCode"] == 204
    assert api("GET", path, owner)["statusCode"] == 404
    assert api("GET", f"/v1/orgs/{org}/webhooks", owner)["json"]["data"] == []
    # AND every change is audited, never with the secret
    events = identity.audit("org.webhook")
    assert [e.action for e in events] == ["org.webhook.created", "org.webhook.updated", "org.webhook.updated",
                                          "org.webhook.deleted"]
    assert all(secret not in str(e.details) for e in events)


def test_unknown_event_types_are_refused_naming_the_allowed_ones(api: Any, identity: Any, receiver: Any) -> None:
    owner = identity.user()
    org = identity.org(owner)
    refused = _create(api, owner, org, receiver.url, event_types=["certificate.issued", "cake.baked"])
    assert refused["statusCode"] == 422
    [detail] = refused["json"]["error"]["details"]
    assert (detail["loc"], detail["type"]) == (["body", "event_types", "1"], "event_type_unknown")
    assert detail["msg"] == f"The event types are: {', '.join(sorted(EVENT_TYPES))}."
    assert "cake.baked" not in str(refused["json"])
    assert _create(api, owner, org, receiver.url, event_types=[])["statusCode"] == 422
    # A change is held to the same catalogue
    created = _create(api, owner, org, receiver.url)["json"]
    patched = api("PATCH", f"/v1/orgs/{org}/webhooks/{created['id']}", owner, json_body={"event_types": ["nope"]})
    assert patched["statusCode"] == 422
    assert api("PATCH", f"/v1/orgs/{org}/webhooks/{created['id']}", owner, json_body={"url": None})[
        "statusCode"] == 422


def test_only_owners_and_admins_manage_webhooks(api: Any, identity: Any, receiver: Any) -> None:
    # GIVEN an organization with an admin, an issuer and an API key holding every scope a key may hold
    owner, admin, issuer = identity.user(), identity.user(), identity.user()
    org = identity.org(owner)
    identity.member(org, admin, "admin")
    identity.member(org, issuer, "issuer")
    key = identity.api_key(org, ("org:read", "members:read", "certificates:read", "certificates:issue",
                                 "certificates:revoke"))
    # THEN the admin manages endpoints, the issuer and the key are refused
    assert _create(api, admin, org, receiver.url)["statusCode"] == 201
    for refused in (issuer, key):
        assert _create(api, refused, org, receiver.url)["statusCode"] == 403
        assert api("GET", f"/v1/orgs/{org}/webhooks", refused)["statusCode"] == 403


def test_endpoints_page_with_a_cursor(api: Any, identity: Any, receiver: Any) -> None:
    owner = identity.user()
    org = identity.org(owner)
    ids = [_create(api, owner, org, receiver.url)["json"]["id"] for _ in range(3)]
    first = api("GET", f"/v1/orgs/{org}/webhooks", owner, query={"limit": 2})["json"]
    second = api("GET", f"/v1/orgs/{org}/webhooks", owner, query={"limit": 2, "cursor": first["next_cursor"]})["json"]
    assert [e["id"] for e in first["data"] + second["data"]] == ids[::-1]
    assert second["next_cursor"] is None
