"""Lockout and sign-in edges through the real auth function: unknown addresses lock like real ones,
every password check costs one argon2 verification, a sign-in is the user's act, and a refresh
token never outlives its session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import argon2
import pytest
from sqlalchemy import select, update

from veriflow.audit.models import AuditEvent
from veriflow.core.db import session_scope
from veriflow.core.types import utcnow
from veriflow.identity.auth_models import LoginFailures, RefreshToken
from veriflow.identity.auth_models import Session as AuthSession
from veriflow.identity.flow_settings import get_flow_settings
from veriflow.identity.user_models import User

WRONG = "wrong password here!"


@pytest.fixture(autouse=True)
def roomy_ip_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """These tests sign in more often than the per-IP limit allows in a minute; that limit has its own test."""
    monkeypatch.setenv("LOGIN_PER_IP_PER_MIN", "100")
    get_flow_settings.cache_clear()
    yield
    get_flow_settings.cache_clear()


@pytest.fixture
def argon2_verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts real argon2 verifications (each still runs): the expensive step timing would reveal."""
    calls: list[str] = []
    real = argon2.PasswordHasher.verify

    def counting(self: argon2.PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        calls.append("verify")
        return real(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)
    return calls


def _audit(action: str) -> list[AuditEvent]:
    with session_scope() as db:
        return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.at)))


def _error_shape(response: Any) -> tuple[int, str, str, bool]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"], 0 < int(response.headers["retry-after"]) <= 900


def test_an_unknown_address_locks_exactly_like_a_registered_one(stack: Any) -> None:
    # GIVEN a registered address and one nobody registered
    stack.signed_in("ada@example.com")
    answers: dict[str, list[int]] = {}
    for email in ("ada@example.com", "ghost@example.com"):
        # WHEN each gets five wrong passwords
        answers[email] = [stack.login(email=email, password=WRONG).status_code for _ in range(5)]
    # THEN both answered 401 five times, and now both answer the same 423 with Retry-After
    assert answers["ada@example.com"] == answers["ghost@example.com"] == [401] * 5
    known, unknown = stack.login(email="ada@example.com"), stack.login(email="ghost@example.com")
    assert _error_shape(known) == _error_shape(unknown) == (423, "locked", known.json()["error"]["message"], True)
    assert known.json()["error"]["details"].keys() == unknown.json()["error"]["details"].keys()
    # AND both lockouts are audited, the unknown one with the address that was tried
    lockouts = _audit("auth.lockout")
    assert len(lockouts) == 2
    assert lockouts[1].details["email"] == "ghost@example.com"
    assert lockouts[1].actor_id is None


def test_an_unknown_address_is_counted_case_and_space_insensitively(stack: Any) -> None:
    # GIVEN wrong passwords for one unknown address written five ways
    for spelling in ("ghost@example.com", "GHOST@example.com", " ghost@Example.com", "Ghost@EXAMPLE.com",
                     "ghost@example.COM "):
        assert stack.login(email=spelling, password=WRONG).status_code == 401
    # THEN the address is locked, however it is written
    assert stack.login(email="ghost@example.com").status_code == 423


def test_the_lock_ends_and_a_success_clears_the_count(stack: Any) -> None:
    # GIVEN an account locked by five wrong passwords
    stack.signed_in("ada@example.com")
    for _ in range(5):
        stack.login(password=WRONG)
    assert stack.login().status_code == 423
    # WHEN the lock runs out
    with session_scope() as db:
        db.execute(update(LoginFailures).values(locked_until=utcnow() - timedelta(seconds=1)))
    # THEN the right password works, and the count starts again from zero
    assert stack.login().status_code == 200
    assert [stack.login(password=WRONG).status_code for _ in range(4)] == [401] * 4
    assert stack.login().status_code == 200


def test_every_password_check_costs_one_argon2_verification(stack: Any, argon2_verifications: list[str]) -> None:
    # GIVEN an account with a password and one that only ever signed in through a provider
    stack.signed_in("ada@example.com")
    with session_scope() as db:
        db.add(User(email="oidc@example.com", email_verified_at=utcnow(), display_name=""))
    for email in ("ada@example.com", "oidc@example.com", "ghost@example.com"):
        argon2_verifications.clear()
        # WHEN a wrong password is tried for it
        assert stack.login(email=email, password=WRONG).status_code == 401
        # THEN exactly one argon2 verification ran, whether or not the account (or its password) exists
        assert argon2_verifications == ["verify"], email
    # AND while locked, no address pays for one
    for email in ("ada@example.com", "ghost@example.com"):
        for _ in range(4):
            stack.login(email=email, password=WRONG)
        argon2_verifications.clear()
        assert stack.login(email=email).status_code == 423
        assert argon2_verifications == []


def test_a_successful_sign_in_is_audited_as_the_users_act(stack: Any) -> None:
    # GIVEN an account  WHEN it signs in
    tokens = stack.signed_in("ada@example.com")
    # THEN the audit record names the user as the actor, not an anonymous caller
    [event] = _audit("auth.login.succeeded")
    with session_scope() as db:
        user_id = db.scalars(select(User.id).where(User.email == "ada@example.com")).one()
    assert (event.actor_type, event.actor_id) == ("user", str(user_id))
    assert event.target_id == tokens["session_id"]
    # AND a failed one stays anonymous: nobody proved who they are
    stack.login(password=WRONG)
    [failed] = _audit("auth.login.failed")
    assert failed.actor_type == "anonymous"


def test_a_refresh_token_never_outlives_its_session(stack: Any) -> None:
    # GIVEN a session that ends in one hour (its sign-in was 30 days ago, less an hour)
    tokens = stack.signed_in("ada@example.com")
    session_ends = utcnow() + timedelta(hours=1)
    with session_scope() as db:
        db.execute(update(AuthSession).values(expires_at=session_ends))
    # WHEN its refresh token is rotated
    response = stack.api.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 200, response.text
    # THEN the new refresh token expires with the session, not 30 days from now
    rotated = response.json()
    assert datetime.fromisoformat(rotated["refresh_expires_at"]) <= session_ends
    with session_scope() as db:
        newest = db.scalars(select(RefreshToken).where(RefreshToken.rotated_at.is_(None))).one()
        assert newest.expires_at <= session_ends
    # AND once the session ends, the token is refused
    with session_scope() as db:
        db.execute(update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert stack.api.post("/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}).status_code == 401
