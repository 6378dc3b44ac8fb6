"""/v1/admin/orgs/{id}/verify: platform admins vouch for an organization's identity, or withdraw it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

REASON = {"reason": "Checked against the national charity register"}


def _verify(org: Any) -> str:
    return f"/v1/admin/orgs/{org}/verify"


def test_an_admin_verifies_an_organization_and_withdraws_it(api: Any, identity: Any) -> None:
    # GIVEN an organization and a platform admin outside it
    owner, admin = identity.user(), identity.user(roles=("admin",))
    org = identity.org(owner)
    # WHEN the admin verifies it
    response = api("POST", _verify(org), admin, json_body=REASON)
    # THEN it is verified by them, its members see it, and the reason is in the audit log
    assert response["statusCode"] == 200, response["json"]
    body = response["json"]
    assert body["org_id"] == str(org)
    assert body["verified"] is True
    assert body["verified_by"] == str(admin.id)
    assert (body["domain"], body["domain_status"]) == (None, "none")
    shown = api("GET", f"/v1/orgs/{org}", owner)["json"]
    assert shown["verified"] is True
    assert shown["verified_at"] == body["verified_at"]
    [verified] = identity.audit("org.verified")
    assert verified.details == {"reason": REASON["reason"]}
    assert (verified.actor_id, verified.org_id, verified.target_id) == (str(admin.id), org, str(org))
    # AND verifying again changes nothing and writes nothing
    again = api("POST", _verify(org), identity.user(roles=("superadmin",)), json_body={"reason": "again"})
    assert again["json"]["verified_by"] == str(admin.id)
    assert len(identity.audit("org.verified")) == 1
    # WHEN the verification is withdrawn, with a reason
    withdrawn = api("DELETE", _verify(org), admin, json_body={"reason": "The organization was dissolved"})
    # THEN the organization is unverified, and the log says who withdrew it and why
    assert withdrawn["statusCode"] == 200, withdrawn["json"]
    assert (withdrawn["json"]["verified"], withdrawn["json"]["verified_by"]) == (False, None)
    assert api("GET", f"/v1/orgs/{org}", owner)["json"]["verified"] is False
    [unverified] = identity.audit("org.unverified")
    assert unverified.details == {"reason": "The organization was dissolved", "verified_by": str(admin.id)}
    assert api("DELETE", _verify(org), admin, json_body=REASON)["statusCode"] == 200
    assert len(identity.audit("org.unverified")) == 1


def test_only_holders_of_orgs_verify_may(api: Any, identity: Any) -> None:
    owner = identity.user()
    org = identity.org(owner)
    strangers = [owner, identity.user(), identity.user(roles=("reviewer",)),
                 identity.api_key(org, ("org:read", "members:read", "certificates:issue"))]
    for method in ("POST", "DELETE"):
        for caller in strangers:
            response = api(method, _verify(org), caller, json_body=REASON)
            assert response["statusCode"] == 403, (method, caller, response["json"])
            assert response["json"]["error"]["details"] == {"permission": "orgs:verify"}
        assert api(method, _verify(org), None, json_body=REASON)["statusCode"] == 401
    assert api("GET", f"/v1/orgs/{org}", owner)["json"]["verified"] is False
    assert identity.audit("org.verified") == []


def test_an_admin_cannot_verify_an_organization_they_belong_to(api: Any, identity: Any) -> None:
    admin = identity.user(roles=("admin",))
    org = identity.org(admin)
    response = api("POST", _verify(org), admin, json_body=REASON)
    assert response["statusCode"] == 403
    assert response["json"]["error"]["message"] == "You cannot verify an organization you belong to."
    assert identity.audit("org.verified") == []


@pytest.mark.parametrize("body", [None, {}, {"reason": "   "}, {"reason": "x" * 501}, {**REASON, "until": "never"}])
def test_a_reason_is_required(api: Any, identity: Any, body: Any) -> None:
    admin = identity.user(roles=("admin",))
    org = identity.org(identity.user())
    for method in ("POST", "DELETE"):
        response = api(method, _verify(org), admin, json_body=body)
        assert response["statusCode"] == 422, (method, body, response["json"])
        assert response["json"]["error"]["code"] == "validation_failed"


def test_an_unknown_organization_is_not_found(api: Any, identity: Any) -> None:
    admin = identity.user(roles=("admin",))
    for method in ("POST", "DELETE"):
        response = api(method, _verify(uuid.uuid4()), admin, json_body=REASON)
        assert response["statusCode"] == 404
        assert response["json"]["error"]["code"] == "not_found"
