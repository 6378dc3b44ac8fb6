"""Sign-up to sign-out through the real auth function, behind the local HTTP API, on moto."""

from __future__ import annotations

import base64
import json
import threading
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from veriflow.audit.models import AuditEvent
from veriflow.core.db import session_scope
from veriflow.identity.auth_models import RefreshToken
from veriflow.identity.user_models import User

PASSWORD = "correct horse battery staple"


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {tokens['access_token']}"}


def audit_actions() -> list[str]:
    with session_scope() as db:
        return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.at, AuditEvent.id)))


def test_register_verify_login_and_list_sessions(stack: Any) -> None:
    # GIVEN a new account
    assert stack.register().json()["status"] == "accepted"
    # WHEN the emailed link is followed and the person signs in
    verified = stack.api.post("/v1/auth/verify-email", json={"token": stack.token_from("auth.verify_email")})
    assert verified.status_code == 204
    tokens = stack.login().json()
    # THEN they hold a bearer access token and a refresh token, and see their one session
    assert tokens["token_type"] == "Bearer"
    assert 0 < tokens["expires_in"] <= 15 * 60
    assert tokens["refresh_token"].startswith("vfr_")
    sessions = stack.api.get("/v1/auth/sessions", headers=bearer(tokens)).json()["data"]
    assert [s["current"] for s in sessions] == [True]
    with session_scope() as db:
        assert db.scalars(select(User.email_verified_at)).one() is not None
    assert {"auth.register", "auth.email.verified", "auth.login.succeeded"} <= set(audit_actions())


def test_register_answers_the_same_for_an_existing_address(stack: Any) -> None:
    first = stack.register()
    stack.messages()
    second = stack.register()
    # THEN the caller cannot tell; the owner of the address is told by email
    assert (first.status_code, first.json()) == (second.status_code, second.json())
    assert [m["template"] for m in stack.messages()] == ["auth.register_existing"]


def test_weak_passwords_are_refused_with_reasons(stack: Any) -> None:
    response = stack.register(password="tiny-secret")
    assert response.status_code == 422
    # Each reason names the field and the rule, and the password never comes back.
    [detail] = response.json()["error"]["details"]
    assert (detail["loc"], detail["type"]) == (["body", "password"], "string_too_short")
    assert "tiny-secret" not in response.text
    # Long enough as sent, too short once normalised (NFKC composes e + U+0301 into one character).
    composed = stack.register(password="e\u0301" * 6)
    assert composed.status_code == 422
    assert [d["type"] for d in composed.json()["error"]["details"]] == ["password_too_short"]
    assert stack.register(password="password1234").status_code == 422


def test_refresh_rotates_and_a_replay_after_the_grace_window_revokes_the_family(stack: Any) -> None:
    tokens = stack.signed_in()
    first = tokens["refresh_token"]
    # WHEN the refresh token is used
    rotated = stack.api.post("/v1/auth/refresh", json={"refresh_token": first}).json()
    assert rotated["refresh_token"] != first
    # AND presented again inside the grace window: the same successor pair
    again = stack.api.post("/v1/auth/refresh", json={"refresh_token": first}).json()
    assert (again["access_token"], again["refresh_token"]) == (rotated["access_token"], rotated["refresh_token"])
    # WHEN it is replayed after the grace window
    with session_scope() as db:
        for token in db.scalars(select(RefreshToken).where(RefreshToken.rotated_at.is_not(None))):
            token.rotated_at = token.rotated_at - timedelta(seconds=60) if token.rotated_at else None
    replay = stack.api.post("/v1/auth/refresh", json={"refresh_token": first})
    # THEN it is refused, and the whole family with it: the successor and its access token too
    assert replay.status_code == 401
    assert stack.api.post("/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}).status_code == 401
    assert stack.api.get("/v1/auth/sessions", headers=bearer(rotated)).status_code == 401
    assert "auth.refresh.reuse_detected" in audit_actions()


def test_two_concurrent_refreshes_inside_the_window_get_the_same_pair(stack: Any) -> None:
    tokens = stack.signed_in()
    barrier = threading.Barrier(2)
    results: list[dict[str, Any]] = []

    def refresh() -> None:
        with httpx.Client(base_url=str(stack.api.base_url), timeout=30) as client:
            barrier.wait()
            response = client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
            results.append({"status": response.status_code, **response.json()})

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r["status"] for r in results] == [200, 200]
    assert results[0]["refresh_token"] == results[1]["refresh_token"]
    assert results[0]["access_token"] == results[1]["access_token"]


def test_brute_force_locks_the_account(stack: Any) -> None:
    stack.signed_in()
    # WHEN the wrong password is tried five times
    statuses = [stack.login(password="wrong password here!").status_code for _ in range(5)]
    assert statuses == [401] * 5
    # THEN even the right password is refused for 15 minutes, with Retry-After
    locked = stack.login()
    assert locked.status_code == 423
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
    assert locked.json()["error"]["code"] == "locked"
    assert "auth.lockout" in audit_actions()


def test_login_attempts_per_ip_are_rate_limited(stack: Any) -> None:
    statuses = [stack.login(email=f"nobody{i}@example.com").status_code for i in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    limited = stack.login(email="nobody@example.com")
    assert int(limited.headers["retry-after"]) > 0
    assert limited.headers["ratelimit-remaining"] == "0"


def test_unknown_and_known_logins_fail_alike(stack: Any) -> None:
    stack.signed_in()
    unknown = stack.login(email="ghost@example.com")
    wrong = stack.login(password="wrong password here!")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["error"]["message"] == wrong.json()["error"]["message"]


def test_password_reset_ends_every_session_and_is_single_use(stack: Any) -> None:
    tokens = stack.signed_in()
    stack.messages()
    # GIVEN a reset link (same answer for an unknown address)
    known = stack.api.post("/v1/auth/password/forgot", json={"email": "ada@example.com"})
    unknown = stack.api.post("/v1/auth/password/forgot", json={"email": "ghost@example.com"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    reset_token = stack.token_from("auth.reset_password")
    # WHEN the password is reset
    new = "a brand new long passphrase"
    assert stack.api.post("/v1/auth/password/reset", json={"token": reset_token, "password": new}).status_code == 204
    # THEN old sessions are over, the new password works, the link works once
    assert stack.api.get("/v1/auth/sessions", headers=bearer(tokens)).status_code == 401
    assert stack.api.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert stack.login(password=new).status_code == 200
    again = stack.api.post("/v1/auth/password/reset", json={"token": reset_token, "password": "yet another passphrase"})
    assert again.status_code == 401


def test_logout_and_logout_all(stack: Any) -> None:
    first = stack.signed_in()
    second = stack.login().json()
    assert stack.api.post("/v1/auth/logout", headers=bearer(first)).status_code == 204
    assert stack.api.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}).status_code == 401
    assert stack.api.get("/v1/auth/sessions", headers=bearer(second)).status_code == 200
    assert stack.api.post("/v1/auth/logout-all", headers=bearer(second)).status_code == 204
    assert stack.api.get("/v1/auth/sessions", headers=bearer(second)).status_code == 401


def test_revoking_another_accounts_session_is_404(stack: Any) -> None:
    ada = stack.signed_in()
    bob = stack.signed_in("bob@example.com")
    assert stack.api.delete(f"/v1/auth/sessions/{ada['session_id']}", headers=bearer(bob)).status_code == 404
    assert stack.api.delete(f"/v1/auth/sessions/{ada['session_id']}", headers=bearer(ada)).status_code == 204


def test_a_suspended_account_is_refused_at_once(stack: Any) -> None:
    tokens = stack.signed_in()
    with session_scope() as db:
        db.execute(update(User).values(status="suspended"))
    assert stack.api.get("/v1/auth/sessions", headers=bearer(tokens)).status_code == 401
    assert stack.api.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert stack.login().status_code == 403


def test_tampered_access_token_is_401_in_the_envelope(stack: Any) -> None:
    tokens = stack.signed_in()
    header, payload, signature = tokens["access_token"].split(".")
    forged = f"{header}.{payload[:-2]}AA.{signature}"
    response = stack.api.get("/v1/auth/sessions", headers={"authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_browsers_get_the_refresh_token_in_a_strict_cookie(stack: Any) -> None:
    stack.signed_in()
    response = stack.login(refresh_token_in_cookie=True)
    assert response.json()["refresh_token"] is None
    cookie = response.headers["set-cookie"]
    for attribute in ("vf_refresh=", "HttpOnly", "Secure", "SameSite=strict", "Path=/v1/auth"):
        assert attribute.lower() in cookie.lower()
    value = cookie.split(";")[0].split("=", 1)[1]
    refreshed = stack.api.post("/v1/auth/refresh", json={}, headers={"cookie": f"vf_refresh={value}"})
    assert refreshed.status_code == 200
    assert refreshed.json()["refresh_token"] is None
    assert "vf_refresh=" in refreshed.headers["set-cookie"]


def test_a_cookie_refresh_needs_no_body(stack: Any) -> None:
    # GIVEN a browser holding the refresh cookie
    stack.signed_in()
    cookie = stack.login(refresh_token_in_cookie=True).headers["set-cookie"]
    value = cookie.split(";")[0].split("=", 1)[1]
    # WHEN it refreshes with the cookie alone: no body, no content type
    refreshed = stack.api.post("/v1/auth/refresh", headers={"cookie": f"vf_refresh={value}"})
    # THEN it gets a new pair, the refresh token again in the cookie
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_token"] is None
    assert refreshed.json()["access_token"]
    assert "vf_refresh=" in refreshed.headers["set-cookie"]
    # AND with neither a body nor a cookie it is a 401 in a sentence
    bare = stack.api.post("/v1/auth/refresh")
    assert bare.status_code == 401
    assert bare.json()["error"]["message"] == "A refresh token is needed, in the body or the refresh cookie."


def test_jwks_lists_the_key_that_signs_tokens(stack: Any) -> None:
    tokens = stack.signed_in()
    kid = json.loads(base64.urlsafe_b64decode(tokens["access_token"].split(".")[0] + "=="))["kid"]
    keys_ = stack.api.get("/.well-known/jwks.json").json()["keys"]
    assert kid in {k["kid"] for k in keys_}
    assert all("d" not in k for k in keys_)
