"""A deployed stack end to end: readiness, then an account's first steps, cleaned up afterwards.

Sign-up mail goes to the SES mailbox simulator (accepted even in the SES sandbox, no bounce on the
sender's reputation), so the verification link cannot be read back: these steps need no verified
address. What stays behind: the account (no erasure route yet) and the organization (no delete
route yet), both named `aws-check-*`; their sessions are ended and the API key revoked.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

import httpx
import jwt


def wait_until_ready(api: httpx.Client, deadline_s: float = 120) -> httpx.Response:
    """GET /health/ready until it answers 200 or the deadline passes (a database resuming answers 503)."""
    end = time.monotonic() + deadline_s
    while True:
        response = api.get("/health/ready")
        if response.status_code == 200 or time.monotonic() > end:
            return response
        time.sleep(float(response.headers.get("retry-after", "5")))


def test_readiness_is_green_for_the_database_and_every_resource(api: httpx.Client) -> None:
    # WHEN readiness is asked (waiting while a paused database resumes)
    response = wait_until_ready(api)

    # THEN it answers 200, and every check it ran (database first) is ok
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert "database" in checks
    assert {name: check["status"] for name, check in checks.items()} == dict.fromkeys(checks, "ok")


def test_register_login_refresh_create_an_organization_and_an_api_key(
    api: httpx.Client, cleanup: Callable[[Callable[[], object]], None]
) -> None:
    assert wait_until_ready(api).status_code == 200
    tag = secrets.token_hex(5)
    credentials = {"email": f"success+aws-check-{tag}@simulator.amazonses.com",
                   "password": f"aws-check {secrets.token_urlsafe(18)}"}

    # GIVEN a new account
    registered = api.post("/v1/auth/register", json={**credentials, "display_name": f"aws-check-{tag}"})
    assert registered.status_code == 202, registered.text

    # WHEN it signs in and rotates its refresh token
    login = api.post("/v1/auth/login", json=credentials)
    assert login.status_code == 200, login.text
    first = login.json()
    refreshed = api.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    tokens = refreshed.json()
    auth = {"authorization": f"Bearer {tokens['access_token']}"}
    cleanup(lambda: api.post("/v1/auth/logout-all", headers=auth))

    # THEN the new pair is new, and the access token says who signed in
    assert tokens["refresh_token"] != first["refresh_token"]
    me = api.get("/v1/users/me", headers=auth)
    assert me.status_code == 200, me.text
    assert me.json()["email"] == credentials["email"]

    # WHEN it creates an organization and an API key in it
    org = api.post("/v1/orgs", json={"name": f"aws-check-{tag}"}, headers=auth)
    assert org.status_code == 201, org.text
    org_id = org.json()["id"]
    created = api.post(f"/v1/orgs/{org_id}/api-keys", headers=auth,
                       json={"name": f"aws-check-{tag}", "scopes": ["org:read"], "expires_in_days": 1})
    assert created.status_code == 201, created.text
    key = created.json()

    def revoke_key() -> None:
        api.delete(f"/v1/orgs/{org_id}/api-keys/{key['id']}", headers=auth)

    cleanup(revoke_key)

    # THEN the key reads its organization, and stops working once revoked
    as_key = {"x-api-key": key["key"]}
    listed = api.get("/v1/orgs", headers=as_key)
    assert listed.status_code == 200, listed.text
    assert [o["id"] for o in listed.json()["data"]] == [org_id]
    assert api.delete(f"/v1/orgs/{org_id}/api-keys/{key['id']}", headers=auth).status_code == 204
    assert api.get("/v1/orgs", headers=as_key).status_code == 401

    # AND the published JWKS holds the key that signed the access token
    jwks = api.get("/.well-known/jwks.json")
    assert jwks.status_code == 200, jwks.text
    kid = jwt.get_unverified_header(tokens["access_token"])["kid"]
    assert kid in {k["kid"] for k in jwks.json()["keys"]}
    signing_key = jwt.PyJWK(next(k for k in jwks.json()["keys"] if k["kid"] == kid))
    claims = jwt.decode(tokens["access_token"], signing_key, algorithms=["ES256"], options={"verify_aud": False})
    assert claims["sub"] == me.json()["id"]
