"""The signing-key store on (moto's) Secrets Manager: bootstrap, rotation, JWKS, other containers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import jwt
import pytest
from moto import mock_aws

from veriflow.core.errors import Unauthorized
from veriflow.identity import keys, passwords
from veriflow.identity.jwt_tokens import INVALID, issue_access_token, verify_access_token
from veriflow.identity.keyset import new_entry, parse_keyset, public_document
from veriflow.identity.settings import get_auth_settings

SECRET = "veriflow-test-signing-keys"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def reset() -> None:
    get_auth_settings.cache_clear()
    passwords.reset_password_caches()
    keys.reset_key_cache()


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An empty signing-key secret (as the template creates it) in a fresh moto."""
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        arn = client.create_secret(Name=SECRET)["ARN"]
        monkeypatch.setenv("SIGNING_KEYS_SECRET_ARN", arn)
        public = client.create_secret(Name=f"{SECRET}-public")["ARN"]
        monkeypatch.setenv("VERIFICATION_KEYS_SECRET_ARN", public)
        reset()
        yield client
        reset()


def stored(client: Any) -> dict[str, Any]:
    return json.loads(client.get_secret_value(SecretId=SECRET)["SecretString"])  # type: ignore[no-any-return]


def new_container() -> None:
    """What a cold start in another Lambda container sees: nothing cached."""
    keys.reset_key_cache()


def test_first_use_creates_and_stores_a_key(secrets: Any) -> None:
    # GIVEN an empty secret  WHEN the first token is issued
    token, _ = issue_access_token("user-1", session_id="s-1", now=NOW)
    # THEN one key was stored, is active, and verifies the token in another container
    document = stored(secrets)
    assert len(document["keys"]) == 1
    assert document["active"] == document["keys"][0]["kid"] == jwt.get_unverified_header(token)["kid"]
    assert document["keys"][0]["retire_at"] is None
    new_container()
    assert verify_access_token(token, now=NOW)["sub"] == "user-1"


def test_a_generated_random_secret_string_is_replaced_by_keys(secrets: Any) -> None:
    secrets.put_secret_value(SecretId=SECRET, SecretString="q8Yk2v1-random-string-from-GenerateSecretString")
    kid = keys.signing_key(NOW).kid
    assert stored(secrets)["active"] == kid


def test_concurrent_cold_starts_converge_on_the_stored_key(secrets: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN container B bootstrapped the secret just after container A found it empty
    b_kid = keys.signing_key(NOW).kid
    new_container()
    real_read, calls = keys._read, []

    def stale_then_real() -> tuple[dict[str, Any] | None, str | None]:
        calls.append(1)
        return (None, None) if len(calls) == 1 else real_read()

    monkeypatch.setattr(keys, "_read", stale_then_real)
    # WHEN container A bootstraps its own key
    a_kid = keys.signing_key(NOW).kid
    # THEN Secrets Manager kept B's version and A uses it too
    assert a_kid == b_kid
    assert [entry["kid"] for entry in stored(secrets)["keys"]] == [b_kid]


def test_rotation_keeps_old_tokens_valid_until_they_expire(secrets: Any) -> None:
    # GIVEN a token signed with the first key
    old_token, old_expiry = issue_access_token("user-1", session_id="s-1", now=NOW)
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    # WHEN the key rotates a minute later
    keyset = keys.rotate_signing_key(NOW + timedelta(minutes=1))
    new_token, _ = issue_access_token("user-1", session_id="s-1", now=NOW + timedelta(minutes=1))
    # THEN new tokens use the new key, and both tokens verify in any container
    assert keyset.active.kid != old_kid == jwt.get_unverified_header(old_token)["kid"]
    assert jwt.get_unverified_header(new_token)["kid"] == keyset.active.kid
    new_container()
    assert verify_access_token(old_token, now=old_expiry - timedelta(seconds=1))["sub"] == "user-1"
    assert verify_access_token(new_token, now=NOW + timedelta(minutes=2))["sub"] == "user-1"
    # AND the old key retires after access TTL + cache TTL + leeway, counted from the rotation
    retire_at = keyset.get(old_kid).retire_at  # type: ignore[union-attr]
    assert retire_at == NOW + timedelta(minutes=1, seconds=900 + 60 + 30)
    assert retire_at > old_expiry


def test_jwks_lists_every_live_key_and_only_those(secrets: Any) -> None:
    # GIVEN two rotations
    first = keys.signing_key(NOW).kid
    second = keys.rotate_signing_key(NOW).active.kid
    third = keys.rotate_signing_key(NOW + timedelta(minutes=5)).active.kid
    # WHEN the JWKS is read now, then after the first key retired
    now_keys = keys.jwks(NOW + timedelta(minutes=6))["keys"]
    later_keys = keys.jwks(NOW + timedelta(minutes=20))["keys"]
    # THEN it lists all three, then only the live ones, as ES256 P-256 public keys
    assert [key["kid"] for key in now_keys] == [first, second, third]
    assert [key["kid"] for key in later_keys] == [second, third]
    for key in now_keys:
        assert set(key) == {"kid", "kty", "crv", "x", "y", "use", "alg"}
        assert (key["kty"], key["crv"], key["use"], key["alg"]) == ("EC", "P-256", "sig", "ES256")
        assert jwt.PyJWK(key).key is not None


def test_retired_keys_are_dropped_from_the_secret_on_the_next_rotation(secrets: Any) -> None:
    first = keys.signing_key(NOW).kid
    keys.rotate_signing_key(NOW)
    keys.rotate_signing_key(NOW + timedelta(hours=1))
    assert first not in [entry["kid"] for entry in stored(secrets)["keys"]]
    assert len(stored(secrets)["keys"]) == 2


def test_a_token_of_a_retired_key_is_refused(secrets: Any, caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a long-lived token signed with the first key, which then rotates out
    old = keys.signing_key(NOW)
    at = int(NOW.timestamp())
    claims = {"iss": "https://veriflow.local", "aud": "veriflow-api", "sub": "u", "iat": at, "nbf": at,
              "exp": at + 3 * 3600, "jti": "j", "sid": "s"}
    token = jwt.encode(claims, old.private_key, algorithm="ES256", headers={"kid": old.kid})
    retire_at = keys.rotate_signing_key(NOW).get(old.kid).retire_at  # type: ignore[union-attr]
    assert retire_at is not None
    assert verify_access_token(token, now=retire_at - timedelta(seconds=1))["sub"] == "u"
    # WHEN it is presented after the key's retire_at, though its own exp is still ahead
    with caplog.at_level("INFO", logger="veriflow.auth"), pytest.raises(Unauthorized) as excinfo:
        verify_access_token(token, now=retire_at)
    # THEN it is refused: a retired key verifies nothing
    assert excinfo.value.message == INVALID
    assert [record.reason for record in caplog.records] == ["kid_unknown"]  # type: ignore[attr-defined]


def test_unknown_kid_refetch_sees_a_key_rotated_by_another_container(secrets: Any) -> None:
    # GIVEN this container has the keys cached
    issue_access_token("user-1", session_id="s-1", now=NOW)
    document = stored(secrets)
    # WHEN another container rotates (writes a new active key, publishes its public half) and signs
    # a token with it
    entry = new_entry(NOW)
    old_active = document["active"]
    document["keys"][0]["retire_at"] = (NOW + timedelta(minutes=20)).isoformat()
    rotated = {"keys": [*document["keys"], entry], "active": entry["kid"]}
    version = secrets.put_secret_value(SecretId=SECRET, SecretString=json.dumps(rotated))["VersionId"]
    secrets.put_secret_value(SecretId=f"{SECRET}-public",
                             SecretString=json.dumps(public_document(parse_keyset(rotated, version))))
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    private = load_pem_private_key(entry["private_key_pem"].encode(), password=None)
    token, _ = issue_access_token("ignored", session_id="x", now=NOW)  # still signed with the cached key
    assert jwt.get_unverified_header(token)["kid"] == old_active
    foreign = jwt.encode(jwt.decode(token, options={"verify_signature": False}), private,  # type: ignore[arg-type]
                         algorithm="ES256", headers={"kid": entry["kid"]})
    # THEN this container re-reads the published keys once and accepts the token
    assert verify_access_token(foreign, now=NOW)["sub"] == "ignored"
    # AND it signs with its cached key until the cache expires (rotation's grace covers that)
    assert keys.signing_key(NOW).kid == old_active


def test_concurrent_rotations_converge(secrets: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN two containers that both read the same version and both decide to rotate
    keys.signing_key(NOW)
    before = keys._read()
    a_active = keys.rotate_signing_key(NOW).active.kid
    real_read, calls = keys._read, []

    def stale_then_real() -> tuple[dict[str, Any] | None, str | None]:
        calls.append(1)
        return before if len(calls) == 1 else real_read()

    monkeypatch.setattr(keys, "_read", stale_then_real)
    # WHEN the second rotation is written from the stale version
    b_active = keys.rotate_signing_key(NOW).active.kid
    # THEN Secrets Manager refused it and both use the first rotation's key
    assert b_active == a_active == stored(secrets)["active"]
    assert len(stored(secrets)["keys"]) == 2


def test_missing_secret_setting_is_a_settings_error(secrets: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from veriflow.core.settings import SettingsError

    monkeypatch.delenv("SIGNING_KEYS_SECRET_ARN")
    reset()
    with pytest.raises(SettingsError, match="SIGNING_KEYS_SECRET_ARN"):
        issue_access_token("u", session_id="s", now=NOW)
