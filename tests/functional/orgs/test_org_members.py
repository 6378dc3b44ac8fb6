"""Members and invitations: invite by email, accept, change roles, remove; RBAC and audit."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from veriflow.core.db import session_scope
from veriflow.core.types import utcnow
from veriflow.identity.opaque import hash_token
from veriflow.identity.org_models import Invitation


def _invite(api: Any, actor: Any, org: uuid.UUID, email: str, role: str = "issuer") -> dict[str, Any]:
    return api("POST", f"/v1/orgs/{org}/invitations", actor, json_body={"email": email, "role": role})


def test_invitation_flow_from_email_to_membership(api: Any, identity: Any, cloud: Any) -> None:
    # GIVEN an owner and a person with a verified address who is not a member
    owner = identity.user()
    org = identity.org(owner, "Acme Academy")
    grace = identity.user("grace@people.example")
    # WHEN the owner invites that address as issuer
    invited = _invite(api, owner, org, " Grace@People.Example ")
    # THEN the invitation is pending for 7 days, and only its hash is stored
    assert invited["statusCode"] == 201, invited["json"]
    assert invited["json"]["status"] == "pending"
    assert invited["json"]["email"] == "grace@people.example"
    [message] = cloud.messages()
    assert message["recipients"]["emails"] == ["grace@people.example"]
    assert message["template"] == "orgs.invitation"
    assert message["data"]["org_name"] == "Acme Academy"
    token = message["data"]["token"]
    with session_scope() as session:
        row = session.scalars(select(Invitation)).one()
        assert row.token_hash == hash_token(token)
        assert (row.expires_at - row.created_at) >= timedelta(days=7) - timedelta(seconds=5)
    # WHEN grace accepts with the token
    accepted = api("POST", "/v1/orgs/invitations/accept", grace, json_body={"token": token})
    # THEN she is an issuer of the organization, and the token cannot be used again
    assert accepted["statusCode"] == 200, accepted["json"]
    assert accepted["json"]["role"] == "issuer"
    assert api("GET", f"/v1/orgs/{org}", grace)["json"]["role"] == "issuer"
    assert api("POST", "/v1/orgs/invitations/accept", grace, json_body={"token": token})["statusCode"] == 404
    listed = api("GET", f"/v1/orgs/{org}/invitations", owner)["json"]["data"]
    assert [i["status"] for i in listed] == ["accepted"]
    assert [e.action for e in identity.audit("org.member")] == ["org.member.invited", "org.member.joined"]


def test_accepting_needs_the_invited_verified_address(api: Any, identity: Any, cloud: Any) -> None:
    owner = identity.user()
    org = identity.org(owner)
    _invite(api, owner, org, "grace@people.example")
    token = cloud.messages()[0]["data"]["token"]
    # Someone else holding the token is refused, as is the right address unverified
    mallory = identity.user("mallory@people.example")
    unverified = identity.user("grace@people.example", verified=False)
    assert api("POST", "/v1/orgs/invitations/accept", mallory, json_body={"token": token})["statusCode"] == 403
    assert api("POST", "/v1/orgs/invitations/accept", unverified, json_body={"token": token})["statusCode"] == 403
    assert api("GET", f"/v1/orgs/{org}", mallory)["statusCode"] == 404
    # A made-up token is simply not found
    assert api("POST", "/v1/orgs/invitations/accept", mallory, json_body={"token": "x" * 43})["statusCode"] == 404


def test_expired_and_revoked_invitations_cannot_be_accepted(api: Any, identity: Any, cloud: Any) -> None:
    owner = identity.user()
    org = identity.org(owner)
    grace = identity.user("grace@people.example")
    ada = identity.user("ada@people.example")
    _invite(api, owner, org, "grace@people.example")
    revoked = _invite(api, owner, org, "ada@people.example")["json"]["id"]
    grace_token, ada_token = (m["data"]["token"] for m in cloud.messages())
    with session_scope() as session:
        session.execute(update(Invitation).where(Invitation.email == "grace@people.example")
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert api("DELETE", f"/v1/orgs/{org}/invitations/{revoked}", owner)["statusCode"] == 204
    assert api("POST", "/v1/orgs/invitations/accept", grace, json_body={"token": grace_token})["statusCode"] == 404
    assert api("POST", "/v1/orgs/invitations/accept", ada, json_body={"token": ada_token})["statusCode"] == 404
    statuses = {i["email"]: i["status"] for i in api("GET", f"/v1/orgs/{org}/invitations", owner)["json"]["data"]}
    assert statuses == {"grace@people.example": "expired", "ada@people.example": "revoked"}
    assert [e.action for e in identity.audit("org.invitation")] == ["org.invitation.revoked"]


def test_who_may_invite_and_which_roles(api: Any, identity: Any, cloud: Any) -> None:
    owner, admin, member = identity.user(), identity.user(), identity.user()
    org = identity.org(owner)
    identity.member(org, admin, "admin")
    identity.member(org, member, "member")
    assert _invite(api, member, org, "a@people.example", "member")["statusCode"] == 403
    assert _invite(api, admin, org, "b@people.example", "owner")["statusCode"] == 403
    assert _invite(api, admin, org, "b@people.example", "admin")["statusCode"] == 201
    assert _invite(api, owner, org, "c@people.example", "owner")["statusCode"] == 201
    # A current member's address is not invited twice
    member_email = api("GET", "/v1/users/me", member)["json"]["email"]
    assert _invite(api, owner, org, member_email, "admin")["statusCode"] == 409
    assert api("GET", f"/v1/orgs/{org}/invitations", member)["statusCode"] == 403


def test_role_changes_follow_the_assignable_roles_and_keep_an_owner(api: Any, identity: Any) -> None:
    owner, admin, issuer = identity.user(), identity.user(), identity.user()
    org = identity.org(owner)
    identity.member(org, admin, "admin")
    identity.member(org, issuer, "issuer")

    def change(actor: Any, target: Any, role: str) -> int:
        path = f"/v1/orgs/{org}/members/{target.id}"
        return int(api("PATCH", path, actor, json_body={"role": role})["statusCode"])

    # Admins manage roles below owner only; issuers manage nobody
    assert change(issuer, admin, "member") == 403
    assert change(admin, issuer, "reviewer") == 200
    assert change(admin, issuer, "owner") == 403
    assert change(admin, owner, "member") == 403
    # The last owner cannot step down; with a second owner they can
    assert change(owner, owner, "admin") == 409
    assert change(owner, admin, "owner") == 200
    assert change(owner, owner, "admin") == 200
    # A user who is not a member is not found, and every change is audited with old and new roles
    assert change(admin, identity.user(), "member") == 404
    changes = [(e.details["old_role"], e.details["new_role"]) for e in identity.audit("org.member.role_changed")]
    assert changes == [("issuer", "reviewer"), ("admin", "owner"), ("owner", "admin")]


def test_removing_members_and_leaving(api: Any, identity: Any) -> None:
    owner, admin, issuer, member = identity.user(), identity.user(), identity.user(), identity.user()
    org = identity.org(owner)
    for actor, role in ((admin, "admin"), (issuer, "issuer"), (member, "member")):
        identity.member(org, actor, role)
    # An issuer removes nobody else; an admin removes an issuer but not the owner
    assert api("DELETE", f"/v1/orgs/{org}/members/{member.id}", issuer)["statusCode"] == 403
    assert api("DELETE", f"/v1/orgs/{org}/members/{issuer.id}", admin)["statusCode"] == 204
    assert api("DELETE", f"/v1/orgs/{org}/members/{owner.id}", admin)["statusCode"] == 403
    # A member leaves; the last owner cannot
    assert api("DELETE", f"/v1/orgs/{org}/members/{member.id}", member)["statusCode"] == 204
    assert api("DELETE", f"/v1/orgs/{org}/members/{owner.id}", owner)["statusCode"] == 409
    # The removed lose access at once
    assert api("GET", f"/v1/orgs/{org}", issuer)["statusCode"] == 404
    remaining = {m["user_id"] for m in api("GET", f"/v1/orgs/{org}/members", owner)["json"]["data"]}
    assert remaining == {str(owner.id), str(admin.id)}
    assert [e.details["left"] for e in identity.audit("org.member.removed")] == [False, True]
