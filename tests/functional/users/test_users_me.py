"""/v1/users/me: a person's own account, through the real users handler."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from veriflow.core.db import session_scope
from veriflow.identity.auth_models import OneTimeToken
from veriflow.identity.auth_models import Session as AuthSession
from veriflow.identity.opaque import hash_token
from veriflow.identity.passwords import verify_password
from veriflow.identity.user_models import User

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a much longer passphrase 2026"


def test_me_shows_the_signed_in_account_and_patch_changes_the_display_name(api: Any, identity: Any) -> None:
    # GIVEN a signed-in reviewer
    ada = identity.user("ada@people.example", roles=("reviewer",), display_name="Ada")
    # WHEN they read and then rename themselves
    me = api("GET", "/v1/users/me", ada)
    renamed = api("PATCH", "/v1/users/me", ada, json_body={"display_name": "  Ada Lovelace "})
    # THEN they see their own account, never a hash, and the new name sticks
    assert me["statusCode"] == 200
    assert me["json"]["email"] == "ada@people.example"
    assert me["json"]["roles"] == ["member", "reviewer"]
    assert "password_hash" not in me["json"]
    assert renamed["statusCode"] == 200
    assert renamed["json"]["display_name"] == "Ada Lovelace"
    assert api("GET", "/v1/users/me", ada)["json"]["display_name"] == "Ada Lovelace"


def test_me_refuses_unknown_fields_and_anonymous_callers(api: Any, identity: Any) -> None:
    ada = identity.user()
    assert api("PATCH", "/v1/users/me", ada, json_body={"status": "active"})["statusCode"] == 422
    anonymous = api("GET", "/v1/users/me")
    assert anonymous["statusCode"] == 401
    assert anonymous["json"]["error"]["code"] == "unauthorized"


def test_an_api_key_is_not_a_person(api: Any, identity: Any) -> None:
    # GIVEN an organization's API key
    key = identity.api_key(identity.org(identity.user()))
    # THEN the person-only routes refuse it
    assert api("GET", "/v1/users/me", key)["statusCode"] == 401


def test_password_change_rehashes_revokes_other_sessions_and_is_audited(api: Any, identity: Any) -> None:
    # GIVEN an account signed in on two devices
    ada = identity.user("ada@people.example", password=PASSWORD)
    other_device = identity.sign_in(ada.id)
    # WHEN the password is changed from the first device
    changed = api("POST", "/v1/users/me/password", ada,
                  json_body={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    # THEN the new password is the one stored
    assert changed["statusCode"] == 200, changed["json"]
    with session_scope() as session:
        user = session.get(User, ada.id)
        assert user is not None
        assert user.password_hash is not None
        assert verify_password(user.password_hash, NEW_PASSWORD)
        assert user.password_changed_at is not None
        sessions = {s.id: s for s in session.scalars(select(AuthSession).where(AuthSession.user_id == ada.id))}
    # AND the other device is signed out at once, while this one stays
    assert sessions[other_device.session_id].revoked_at is not None
    assert sessions[ada.session_id].revoked_at is None
    assert api("GET", "/v1/users/me", other_device)["statusCode"] == 401
    assert api("GET", "/v1/users/me", ada)["statusCode"] == 200
    # AND it is audited
    [event] = identity.audit("user.password.changed")
    assert event.actor_id == str(ada.id)
    assert event.details["sessions_revoked"] == 1


def test_password_change_needs_the_current_password_and_a_good_new_one(api: Any, identity: Any) -> None:
    ada = identity.user("ada@people.example", password=PASSWORD)
    wrong = api("POST", "/v1/users/me/password", ada,
                json_body={"current_password": "not it at all", "new_password": NEW_PASSWORD})
    assert wrong["statusCode"] == 403
    weak = api("POST", "/v1/users/me/password", ada, json_body={"current_password": PASSWORD, "new_password": "short"})
    assert weak["statusCode"] == 422
    assert [(d["loc"], d["type"]) for d in weak["json"]["error"]["details"]] == [
        (["body", "new_password"], "string_too_short")]
    common = api("POST", "/v1/users/me/password", ada,
                 json_body={"current_password": PASSWORD, "new_password": "password1234"})
    assert common["json"]["error"]["details"] == [{"loc": ["body", "new_password"], "type": "password_too_common",
                                                   "msg": "The password is one of the most common ones."}]
    # Only the wrong password is on record (it counts toward the lockout); nothing changed
    assert [e.action for e in identity.audit("user.password")] == ["user.password.check_failed"]


def test_email_change_stores_a_hashed_token_and_mails_the_new_address(api: Any, identity: Any, cloud: Any) -> None:
    # GIVEN a signed-in account
    ada = identity.user("ada@people.example", password=PASSWORD)
    # WHEN a change to a new address is requested
    body = {"new_email": " Ada@New.Example ", "password": PASSWORD}
    response = api("POST", "/v1/users/me/email", ada, json_body=body)
    # THEN it is accepted and the address itself is unchanged until confirmed
    assert response["statusCode"] == 202
    assert api("GET", "/v1/users/me", ada)["json"]["email"] == "ada@people.example"
    # AND the new address gets a security message carrying the token
    [message] = cloud.messages()
    assert message["template"] == "auth.change_email"
    assert message["category"] == "security"
    assert message["recipients"]["emails"] == ["ada@new.example"]
    token = message["data"]["token"]
    # AND only the token's hash is stored, for 24 hours, with the new address
    with session_scope() as session:
        row = session.scalars(select(OneTimeToken).where(OneTimeToken.user_id == ada.id)).one()
        assert row.purpose == "change_email"
        assert row.token_hash == hash_token(token)
        assert token not in row.token_hash
        assert row.data == {"email": "ada@new.example"}
        assert 23.9 * 3600 < (row.expires_at - row.created_at).total_seconds() <= 24 * 3600
    assert [e.action for e in identity.audit("user.email_change")] == ["user.email_change.requested"]


def test_email_change_to_a_taken_address_answers_the_same_and_sends_nothing(
    api: Any, identity: Any, cloud: Any
) -> None:
    identity.user("grace@people.example")
    ada = identity.user("ada@people.example")  # no password: signed in through a provider
    response = api("POST", "/v1/users/me/email", ada, json_body={"new_email": "grace@people.example"})
    assert response["statusCode"] == 202
    assert cloud.messages() == []


def test_email_change_needs_the_password_of_an_account_that_has_one(api: Any, identity: Any, cloud: Any) -> None:
    ada = identity.user("ada@people.example", password=PASSWORD)
    assert api("POST", "/v1/users/me/email", ada, json_body={"new_email": "ada@new.example"})["statusCode"] == 403
    bad = api("POST", "/v1/users/me/email", ada, json_body={"new_email": "not an address", "password": PASSWORD})
    assert bad["statusCode"] == 422
    assert cloud.messages() == []


def test_the_emailed_token_confirms_the_new_address_through_auth(api: Any, identity: Any, cloud: Any) -> None:
    # GIVEN a requested email change
    ada = identity.user("ada@people.example")
    api("POST", "/v1/users/me/email", ada, json_body={"new_email": "ada@new.example"})
    token = cloud.messages()[0]["data"]["token"]
    # WHEN the token from the message is confirmed at auth's route
    confirmed = api("POST", "/v1/auth/verify-email", json_body={"token": token})
    # THEN the account has the new, verified address
    assert confirmed["statusCode"] == 204, confirmed["json"]
    me = api("GET", "/v1/users/me", ada)["json"]
    assert (me["email"], me["email_verified"]) == ("ada@new.example", True)


def test_a_newer_email_change_request_replaces_the_older_one(api: Any, identity: Any, cloud: Any) -> None:
    ada = identity.user("ada@people.example")
    api("POST", "/v1/users/me/email", ada, json_body={"new_email": "first@new.example"})
    api("POST", "/v1/users/me/email", ada, json_body={"new_email": "second@new.example"})
    first, second = (m["data"]["token"] for m in cloud.messages())
    assert api("POST", "/v1/auth/verify-email", json_body={"token": first})["statusCode"] == 401
    assert api("POST", "/v1/auth/verify-email", json_body={"token": second})["statusCode"] == 204
    assert api("GET", "/v1/users/me", ada)["json"]["email"] == "second@new.example"
