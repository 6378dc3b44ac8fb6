"""Platform administration of accounts: search, suspension, roles; with RBAC and audit."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from veriflow.core.db import session_scope
from veriflow.identity.auth_models import Session as AuthSession
from veriflow.identity.user_models import User
from veriflow.users.service import seed_superadmin


def test_admins_search_users_by_email_prefix_status_and_role_with_cursor_pages(api: Any, identity: Any) -> None:
    # GIVEN an admin and five other accounts, one of them a reviewer
    admin = identity.user("root@staff.example", roles=("admin",))
    for n in range(4):
        identity.user(f"ada{n}@people.example")
    identity.user("grace@people.example", roles=("reviewer",))
    # WHEN the admin pages through the ada* accounts two at a time
    first = api("GET", "/v1/users", admin, query={"email": "ADA", "limit": 2})
    second = api("GET", "/v1/users", admin, query={"email": "ada", "limit": 2, "cursor": first["json"]["next_cursor"]})
    # THEN the pages are disjoint, newest first, and end
    assert first["statusCode"] == 200
    emails = [u["email"] for u in first["json"]["data"] + second["json"]["data"]]
    assert emails == ["ada3@people.example", "ada2@people.example", "ada1@people.example", "ada0@people.example"]
    assert second["json"]["next_cursor"] is None
    # AND role and status filter
    reviewers = api("GET", "/v1/users", admin, query={"role": "reviewer"})["json"]["data"]
    assert [u["email"] for u in reviewers] == ["grace@people.example"]
    assert api("GET", "/v1/users", admin, query={"status": "suspended"})["json"]["data"] == []
    # AND one account reads by id; an unknown id is 404
    one = api("GET", f"/v1/users/{admin.id}", admin)
    assert one["json"]["roles"] == ["admin", "member"]
    assert api("GET", f"/v1/users/{uuid.uuid4()}", admin)["statusCode"] == 404


def test_user_search_runs_a_constant_number_of_queries(api: Any, identity: Any, count_queries: Any) -> None:
    # GIVEN an admin and two accounts with roles
    admin = identity.user(roles=("admin",))
    for _ in range(2):
        identity.user(roles=("reviewer",))
    with count_queries() as few:
        assert len(api("GET", "/v1/users", admin)["json"]["data"]) == 3
    # WHEN ten more accounts with roles exist
    for _ in range(10):
        identity.user(roles=("reviewer", "admin"))
    with count_queries() as many:
        assert len(api("GET", "/v1/users", admin)["json"]["data"]) == 13
    # THEN listing them costs the same number of queries (no query per row)
    assert len(many) == len(few)


def test_members_and_reviewers_cannot_administer_users(api: Any, identity: Any) -> None:
    target = identity.user()
    for roles in ((), ("reviewer",)):
        caller = identity.user(roles=roles)
        assert api("GET", "/v1/users", caller)["statusCode"] == 403
        assert api("GET", f"/v1/users/{target.id}", caller)["statusCode"] == 403
        assert api("POST", f"/v1/users/{target.id}/suspend", caller, json_body={"reason": "x"})["statusCode"] == 403
        assert api("PUT", f"/v1/users/{target.id}/roles/reviewer", caller)["statusCode"] == 403
    assert identity.audit("user.") == []


def test_a_suspended_users_token_stops_working_at_once(api: Any, identity: Any) -> None:
    # GIVEN a signed-in account on two devices and an admin
    admin = identity.user(roles=("admin",))
    ada = identity.user("ada@people.example")
    tablet = identity.sign_in(ada.id)
    assert api("GET", "/v1/users/me", ada)["statusCode"] == 200
    # WHEN the admin suspends the account
    suspended = api("POST", f"/v1/users/{ada.id}/suspend", admin, json_body={"reason": "chargeback fraud"})
    # THEN both of its still-unexpired access tokens are refused on the next request
    assert suspended["statusCode"] == 200
    assert suspended["json"]["status"] == "suspended"
    assert suspended["json"]["suspended_reason"] == "chargeback fraud"
    assert api("GET", "/v1/users/me", ada)["statusCode"] == 401
    assert api("GET", "/v1/users/me", tablet)["statusCode"] == 401
    # AND every session was ended, not just hidden
    with session_scope() as session:
        reasons = set(session.scalars(select(AuthSession.revoked_reason).where(AuthSession.user_id == ada.id)))
    assert reasons == {"suspended"}
    # AND unsuspending lets the person sign in again (new sessions), both actions audited
    assert api("POST", f"/v1/users/{ada.id}/unsuspend", admin)["json"]["status"] == "active"
    assert api("GET", "/v1/users/me", identity.sign_in(ada.id))["statusCode"] == 200
    events = identity.audit("user.")
    assert [(e.action, e.actor_id, e.target_id) for e in events] == [
        ("user.suspended", str(admin.id), str(ada.id)),
        ("user.unsuspended", str(admin.id), str(ada.id)),
    ]
    assert events[0].details["reason"] == "chargeback fraud"
    assert events[0].ip == "203.0.113.7"


def test_admins_cannot_suspend_themselves_or_a_superadmin(api: Any, identity: Any) -> None:
    admin = identity.user(roles=("admin",))
    root = identity.user(roles=("superadmin",))
    assert api("POST", f"/v1/users/{admin.id}/suspend", admin, json_body={"reason": "x"})["statusCode"] == 403
    assert api("POST", f"/v1/users/{root.id}/suspend", admin, json_body={"reason": "x"})["statusCode"] == 403
    assert api("GET", "/v1/users/me", root)["statusCode"] == 200


def test_role_assignment_and_removal_are_idempotent_and_audited(api: Any, identity: Any) -> None:
    admin = identity.user(roles=("admin",))
    ada = identity.user()
    # WHEN the admin grants reviewer twice and removes it twice
    granted = [api("PUT", f"/v1/users/{ada.id}/roles/reviewer", admin) for _ in range(2)]
    removed = [api("DELETE", f"/v1/users/{ada.id}/roles/reviewer", admin) for _ in range(2)]
    # THEN the role comes and goes, and each change is audited once
    assert [r["json"]["roles"] for r in granted] == [["member", "reviewer"]] * 2
    assert [r["json"]["roles"] for r in removed] == [["member"]] * 2
    assert [(e.action, e.details["role"]) for e in identity.audit("user.role")] == [
        ("user.role.granted", "reviewer"),
        ("user.role.revoked", "reviewer"),
    ]
    # AND unknown or implicit roles are not roles one grants
    assert api("PUT", f"/v1/users/{ada.id}/roles/member", admin)["statusCode"] == 404
    assert api("PUT", f"/v1/users/{ada.id}/roles/emperor", admin)["statusCode"] == 404


def test_superadmin_needs_the_superadmin_permission_and_admins_keep_their_own_role(api: Any, identity: Any) -> None:
    admin = identity.user(roles=("admin",))
    root = identity.user(roles=("superadmin",))
    ada = identity.user()
    # An admin cannot make a superadmin; a superadmin can
    assert api("PUT", f"/v1/users/{ada.id}/roles/superadmin", admin)["statusCode"] == 403
    assert api("PUT", f"/v1/users/{ada.id}/roles/superadmin", root)["json"]["roles"] == ["member", "superadmin"]
    assert api("DELETE", f"/v1/users/{ada.id}/roles/superadmin", admin)["statusCode"] == 403
    # Nobody removes their own admin role (there would be no admin left to undo it)
    own = api("DELETE", f"/v1/users/{admin.id}/roles/admin", admin)
    assert own["statusCode"] == 403
    assert api("DELETE", f"/v1/users/{root.id}/roles/superadmin", root)["statusCode"] == 403
    # But an admin can make and unmake other admins
    assert api("PUT", f"/v1/users/{ada.id}/roles/admin", admin)["statusCode"] == 200
    assert api("DELETE", f"/v1/users/{ada.id}/roles/admin", admin)["statusCode"] == 200


def test_seed_superadmin_creates_the_first_superadmin_once(identity: Any) -> None:
    # WHEN the seed runs twice for the same address
    with session_scope() as session:
        first = seed_superadmin(session, " Root@Staff.Example ", "a long and unusual passphrase").id
    with session_scope() as session:
        second = seed_superadmin(session, "root@staff.example", "another long passphrase here").id
    # THEN one verified superadmin exists, with the first password, seeded once
    assert first == second
    with session_scope() as session:
        user = session.scalars(select(User).where(User.email == "root@staff.example")).one()
        assert user.role_names == {"superadmin"}
        assert user.email_verified_at is not None
    [event] = identity.audit("user.superadmin.seeded")
    assert event.actor_type == "system"
    # AND an existing account is promoted rather than duplicated
    ada = identity.user("ada@people.example")
    with session_scope() as session:
        assert seed_superadmin(session, "ada@people.example", "irrelevant for existing").id == ada.id
