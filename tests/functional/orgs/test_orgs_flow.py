"""/v1/orgs: create, list mine, get, update, through the real organizations handler."""

from __future__ import annotations

from typing import Any


def test_creator_becomes_owner_and_slugs_stay_unique(api: Any, identity: Any) -> None:
    # GIVEN two people creating organizations with the same name
    ada, grace = identity.user(), identity.user()
    first = api("POST", "/v1/orgs", ada, json_body={"name": "Ácme Académy!", "website": "https://acme.example"})
    second = api("POST", "/v1/orgs", grace, json_body={"name": "Acme  Academy"})
    # THEN each is created with its creator as owner, under distinct slugs made from the name
    assert first["statusCode"] == 201, first["json"]
    assert first["json"]["role"] == "owner"
    assert first["json"]["slug"] == "acme-academy"
    assert first["json"]["website"] == "https://acme.example/"
    assert second["json"]["slug"] == "acme-academy-2"
    members = api("GET", f"/v1/orgs/{first['json']['id']}/members", ada)["json"]["data"]
    assert [(m["user_id"], m["role"]) for m in members] == [(str(ada.id), "owner")]
    # AND creation is audited
    assert [e.action for e in identity.audit("org.created")] == ["org.created", "org.created"]


def test_list_mine_pages_through_my_organizations_only(api: Any, identity: Any) -> None:
    ada, grace = identity.user(), identity.user()
    mine = [identity.org(ada, f"Ada {n}") for n in range(3)]
    joined = identity.org(grace, "Grace's")
    identity.member(joined, ada, "issuer")
    identity.org(grace, "Not mine")
    first = api("GET", "/v1/orgs", ada, query={"limit": 3})
    second = api("GET", "/v1/orgs", ada, query={"limit": 3, "cursor": first["json"]["next_cursor"]})
    seen = [(o["id"], o["role"]) for o in first["json"]["data"] + second["json"]["data"]]
    assert seen == [(str(joined), "issuer")] + [(str(org), "owner") for org in reversed(mine)]
    assert second["json"]["next_cursor"] is None


def test_org_list_and_member_list_run_a_constant_number_of_queries(
    api: Any, identity: Any, count_queries: Any
) -> None:
    ada = identity.user()
    org = identity.org(ada)
    identity.member(org, identity.user(), "member")
    with count_queries() as few_orgs:
        api("GET", "/v1/orgs", ada)
    with count_queries() as few_members:
        api("GET", f"/v1/orgs/{org}/members", ada)
    for n in range(8):
        identity.org(ada, f"More {n}")
        identity.member(org, identity.user(), "issuer")
    with count_queries() as many_orgs:
        assert len(api("GET", "/v1/orgs", ada)["json"]["data"]) == 9
    with count_queries() as many_members:
        assert len(api("GET", f"/v1/orgs/{org}/members", ada)["json"]["data"]) == 10
    assert len(many_orgs) == len(few_orgs)
    assert len(many_members) == len(few_members)


def test_members_read_admins_update_and_changes_are_audited(api: Any, identity: Any) -> None:
    owner, admin, member = identity.user(), identity.user(), identity.user()
    org = identity.org(owner)
    identity.member(org, admin, "admin")
    identity.member(org, member, "member")
    # Every member reads the organization, with their own role
    assert api("GET", f"/v1/orgs/{org}", member)["json"]["role"] == "member"
    # A member may not update it; an admin may
    assert api("PATCH", f"/v1/orgs/{org}", member, json_body={"name": "Hijacked"})["statusCode"] == 403
    updated = api("PATCH", f"/v1/orgs/{org}", admin, json_body={"description": "Courses", "website": None})
    assert updated["statusCode"] == 200
    assert updated["json"]["description"] == "Courses"
    # A required field cannot be cleared
    assert api("PATCH", f"/v1/orgs/{org}", admin, json_body={"name": None})["statusCode"] == 422
    [event] = identity.audit("org.updated")
    assert event.actor_id == str(admin.id)
    assert event.org_id == org
    assert event.details["fields"] == ["description"]


def test_creating_an_organization_needs_a_person(api: Any, identity: Any) -> None:
    key = identity.api_key(identity.org(identity.user()))
    assert api("POST", "/v1/orgs", key, json_body={"name": "Machine-made"})["statusCode"] == 401
    assert api("POST", "/v1/orgs", identity.user(), json_body={"name": ""})["statusCode"] == 422
