"""Password re-checks of signed-in routes count toward the sign-in lockout: a stolen access token
cannot be used to guess the password that changing it (or the email) needs."""

from __future__ import annotations

from typing import Any

import pytest

from veriflow.core.db import session_scope
from veriflow.identity.passwords import verify_password
from veriflow.identity.user_models import User

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a much longer passphrase 2026"
WRONG = "not it at all, really"

ROUTES = {
    "change_password": ("/v1/users/me/password",
                        lambda password: {"current_password": password, "new_password": NEW_PASSWORD}),
    "change_email": ("/v1/users/me/email", lambda password: {"new_email": "ada@new.example", "password": password}),
}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_wrong_passwords_on_a_recheck_lock_the_account(route: str, api: Any, identity: Any, cloud: Any) -> None:
    path, body = ROUTES[route]
    # GIVEN a signed-in account
    ada = identity.user("ada@people.example", password=PASSWORD)
    # WHEN five wrong passwords are given to the route
    answers = [api("POST", path, ada, json_body=body(WRONG))["statusCode"] for _ in range(5)]
    # THEN each was refused, and now even the right one is: the address is locked
    assert answers == [403] * 5
    locked = api("POST", path, ada, json_body=body(PASSWORD))
    assert locked["statusCode"] == 423
    assert locked["json"]["error"]["code"] == "locked"
    assert 0 < int(locked["headers"]["retry-after"]) <= 15 * 60
    # AND signing in is locked as well: it is the same lockout
    signin = api("POST", "/v1/auth/login", json_body={"email": "ada@people.example", "password": PASSWORD})
    assert signin["statusCode"] == 423
    # AND nothing changed
    with session_scope() as session:
        user = session.get_one(User, ada.id)
        assert user.password_hash is not None
        assert verify_password(user.password_hash, PASSWORD)
        assert user.email == "ada@people.example"
        assert user.locked_until is not None
    assert cloud.messages() == []
    # AND every wrong password is audited as the signed-in user's act, with the lockout after them
    checks = identity.audit("user.password.check_failed")
    assert [(e.details["reason"], e.details["route"]) for e in checks] == [("bad_password", route)] * 5 + [
        ("locked", route)]
    assert {(e.actor_type, e.actor_id) for e in checks} == {("user", str(ada.id))}
    assert [e.target_id for e in identity.audit("auth.lockout")] == [str(ada.id)]


def test_wrong_sign_ins_and_rechecks_add_up(api: Any, identity: Any) -> None:
    # GIVEN three wrong sign-ins for an account
    ada = identity.user("ada@people.example", password=PASSWORD)
    for _ in range(3):
        wrong = api("POST", "/v1/auth/login", json_body={"email": "ada@people.example", "password": WRONG})
        assert wrong["statusCode"] == 401
    # WHEN its signed-in session gets the password wrong twice
    path, body = ROUTES["change_password"]
    assert [api("POST", path, ada, json_body=body(WRONG))["statusCode"] for _ in range(2)] == [403, 403]
    # THEN the fifth failure locked it
    assert api("POST", path, ada, json_body=body(PASSWORD))["statusCode"] == 423


def test_the_right_password_on_a_recheck_clears_earlier_failures(api: Any, identity: Any) -> None:
    # GIVEN four wrong passwords on the email route
    ada = identity.user("ada@people.example", password=PASSWORD)
    path, body = ROUTES["change_email"]
    for _ in range(4):
        api("POST", path, ada, json_body=body(WRONG))
    # WHEN the right one is given
    assert api("POST", path, ada, json_body=body(PASSWORD))["statusCode"] == 202
    # THEN the count starts again: four more wrong ones do not lock
    assert [api("POST", path, ada, json_body=body(WRONG))["statusCode"] for _ in range(4)] == [403] * 4
    assert api("POST", path, ada, json_body=body(PASSWORD))["statusCode"] == 202
