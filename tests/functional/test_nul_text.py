"""Text holding NUL (U+0000), which PostgreSQL cannot store, is refused with 422 wherever it comes
from (body, query, path, header), on SQLite and PostgreSQL alike, through the real handlers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from veriflow.core.db import session_scope
from veriflow.identity.auth_models import Session as AuthSession
from veriflow.identity.org_models import Organization
from veriflow.identity.user_models import User

Api = Any
Identity = Any

RULE = "string_nul_character"
PASSWORD = "correct horse battery staple"


def assert_refused(response: dict[str, Any], *locations: list[str]) -> None:
    """422 validation_failed naming each location and the rule, without the offending text."""
    assert response["statusCode"] == 422, response["json"]
    error = response["json"]["error"]
    assert error["code"] == "validation_failed"
    assert error["request_id"]
    assert [item["loc"] for item in error["details"]] == list(locations)
    assert {item["type"] for item in error["details"]} == {RULE}
    assert "\\u0000" not in response["body"]
    assert "secret" not in response["body"]


def test_users_patch_me_refuses_a_display_name_with_nul(api: Api, identity: Identity) -> None:
    # GIVEN a signed-in person called Ada
    ada = identity.user(display_name="Ada")
    # WHEN they rename themselves with a NUL inside the name
    response = api("PATCH", "/v1/users/me", ada, json_body={"display_name": "a secret\u0000name"})
    # THEN the body field is named, and the name they had is kept
    assert_refused(response, ["body", "display_name"])
    with session_scope() as session:
        assert session.get(User, ada.id).display_name == "Ada"  # type: ignore[union-attr]


def test_orgs_create_refuses_a_name_with_nul_and_creates_nothing(api: Api, identity: Identity) -> None:
    # GIVEN a signed-in person
    ada = identity.user()
    # WHEN they create an organization whose name and description hold NUL
    response = api("POST", "/v1/orgs", ada, json_body={"name": "Acme\u0000secret", "description": "a\u0000b"})
    # THEN both fields are named and no organization exists
    assert_refused(response, ["body", "name"], ["body", "description"])
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Organization)) == 0


def test_notification_preferences_refuse_nul_in_a_nested_field(api: Api, identity: Identity) -> None:
    # GIVEN a signed-in person with the default preferences
    ada = identity.user()
    before = api("GET", "/v1/notifications/preferences", ada)["json"]
    # WHEN quiet hours name a time zone holding NUL
    response = api("PATCH", "/v1/notifications/preferences", ada, json_body={
        "channels": {"marketing": {"email": True}},
        "quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Europe/Paris\u0000secret"},
    })
    # THEN the nested location is named and nothing changed, the valid cell included
    assert_refused(response, ["body", "quiet_hours", "timezone"])
    assert api("GET", "/v1/notifications/preferences", ada)["json"] == before


def test_a_query_parameter_with_nul_is_refused(api: Api, identity: Identity) -> None:
    # GIVEN an admin who may search accounts
    admin = identity.user(roles=("superadmin",))
    # WHEN they search by an email prefix holding NUL
    response = api("GET", "/v1/users", admin, query={"email": "ada\u0000secret"})
    # THEN the query parameter is named (PostgreSQL would have failed on the LIKE)
    assert_refused(response, ["query", "email"])


def test_a_path_parameter_with_nul_is_refused(api: Api, identity: Identity) -> None:
    # GIVEN an admin and another account
    admin = identity.user(roles=("superadmin",))
    ada = identity.user()
    # WHEN the admin grants a role whose name holds NUL
    response = api("PUT", f"/v1/users/{ada.id}/roles/reviewer\u0000secret", admin)
    # THEN the path parameter is named
    assert_refused(response, ["path", "role"])


def test_a_header_with_nul_is_refused_before_it_is_stored(api: Api, identity: Identity) -> None:
    # GIVEN an account that signs in with a password
    identity.user("ada@people.example", password=PASSWORD)
    with session_scope() as session:
        sessions_before = session.scalar(select(func.count()).select_from(AuthSession))
    # WHEN it signs in with a user agent holding NUL (sessions and the audit log store the agent)
    response = api("POST", "/v1/auth/login", json_body={"email": "ada@people.example", "password": PASSWORD},
                   headers={"user-agent": "Browser\u0000secret"})
    # THEN the header is named and no session was opened
    assert_refused(response, ["header", "user-agent"])
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(AuthSession)) == sessions_before


def test_text_without_nul_still_passes_with_an_escaped_backslash(api: Api, identity: Identity) -> None:
    # GIVEN a signed-in person
    ada = identity.user()
    # WHEN their new name holds the six characters backslash-u-0-0-0-0 (no NUL)
    response = api("PATCH", "/v1/users/me", ada, json_body={"display_name": "back\\u0000slash"})
    # THEN it is stored as typed
    assert response["statusCode"] == 200, response["json"]
    assert response["json"]["display_name"] == "back\\u0000slash"
