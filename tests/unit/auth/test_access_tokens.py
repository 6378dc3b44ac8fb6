"""Access tokens: ES256 JWTs with a kid; every forgery and misuse is refused with Unauthorized."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from veriflow.core.errors import Unauthorized
from veriflow.identity import keys
from veriflow.identity.jwt_tokens import EXPIRED, INVALID, issue_access_token, verify_access_token

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def good_claims(**changes: Any) -> dict[str, Any]:
    at = int(NOW.timestamp())
    claims = {"iss": "https://veriflow.local", "aud": "veriflow-api", "sub": "user-1", "iat": at, "nbf": at,
              "exp": at + 900, "jti": "j-1", "sid": "s-1"}
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def sign(claims: dict[str, Any], **header: Any) -> str:
    """A token signed with the real active key (so only the claim under test is wrong)."""
    key = keys.signing_key(NOW)
    return jwt.encode(claims, key.private_key, algorithm="ES256", headers={"kid": key.kid, **header})


def refused(token: str, reason: str, caplog: pytest.LogCaptureFixture, *, message: str = INVALID) -> None:
    with caplog.at_level(logging.INFO, logger="veriflow.auth"), pytest.raises(Unauthorized) as excinfo:
        verify_access_token(token, now=NOW)
    assert excinfo.value.message == message
    assert excinfo.value.status == 401
    assert [record.reason for record in caplog.records] == [reason]  # type: ignore[attr-defined]


def test_issued_token_verifies_with_all_claims(key_store: Any) -> None:
    # GIVEN a token issued now for a subject and session
    token, expires_at = issue_access_token("user-1", session_id="s-1", extra_claims={"roles": ["member"]}, now=NOW)
    # WHEN it is verified
    claims = verify_access_token(token, now=NOW + timedelta(minutes=5))
    # THEN it carries the claims, expires in 15 minutes and names its key
    assert claims["sub"] == "user-1"
    assert claims["sid"] == "s-1"
    assert claims["roles"] == ["member"]
    assert (claims["iss"], claims["aud"]) == ("https://veriflow.local", "veriflow-api")
    assert claims["iat"] == claims["nbf"] == int(NOW.timestamp())
    assert expires_at == NOW + timedelta(minutes=15)
    assert claims["exp"] == int(expires_at.timestamp())
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256"
    assert header["kid"] == keys.signing_key().kid


def test_every_token_has_its_own_jti(key_store: Any) -> None:
    first, _ = issue_access_token("u", session_id="s", now=NOW)
    second, _ = issue_access_token("u", session_id="s", now=NOW)
    assert verify_access_token(first, now=NOW)["jti"] != verify_access_token(second, now=NOW)["jti"]


def test_extra_claims_cannot_override_registered_ones(key_store: Any) -> None:
    with pytest.raises(ValueError, match="sub"):
        issue_access_token("u", session_id="s", extra_claims={"sub": "admin"}, now=NOW)


def test_ttl_comes_from_settings(key_store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from veriflow.identity.settings import get_auth_settings

    monkeypatch.setenv("ACCESS_TOKEN_TTL_S", "300")
    get_auth_settings.cache_clear()
    _, expires_at = issue_access_token("u", session_id="s", now=NOW)
    assert expires_at == NOW + timedelta(minutes=5)


def test_alg_none_is_refused(key_store: Any, caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN an unsigned token naming a real kid
    header = {"alg": "none", "typ": "JWT", "kid": keys.signing_key().kid}
    token = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(good_claims()).encode())}."
    # THEN it is refused before any signature check
    refused(token, "algorithm", caplog)


def test_hs256_signed_with_the_public_key_is_refused(key_store: Any, caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN the classic confusion attack: HMAC keyed with the published public key (PEM and JWK x)
    key = keys.signing_key()
    pem = key.public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = b64(json.dumps({"alg": "HS256", "kid": key.kid}).encode())
    signing_input = f"{header}.{b64(json.dumps(good_claims()).encode())}"
    for secret in (pem, pem.strip(), keys.jwks()["keys"][0]["x"].encode()):
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        # THEN it is refused
        refused(f"{signing_input}.{b64(signature)}", "algorithm", caplog)
        caplog.clear()


@pytest.mark.parametrize("alg", ["ES384", "RS256", "PS256", "EdDSA", "es256"])
def test_any_other_algorithm_is_refused(key_store: Any, caplog: pytest.LogCaptureFixture, alg: str) -> None:
    token = sign(good_claims()).split(".")
    token[0] = b64(json.dumps({"alg": alg, "kid": keys.signing_key().kid}).encode())
    refused(".".join(token), "algorithm", caplog)


def test_expired_token_is_refused(key_store: Any, caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a token that expired a minute ago (beyond the 30 s leeway)
    token = sign(good_claims(exp=int(NOW.timestamp()) - 60))
    # THEN it is refused as expired, so the client knows to refresh
    refused(token, "expired", caplog, message=EXPIRED)


def test_expiry_within_the_leeway_is_tolerated(key_store: Any) -> None:
    token = sign(good_claims(exp=int(NOW.timestamp()) - 10))
    assert verify_access_token(token, now=NOW)["sub"] == "user-1"


def test_not_yet_valid_token_is_refused(key_store: Any, caplog: pytest.LogCaptureFixture) -> None:
    refused(sign(good_claims(nbf=int(NOW.timestamp()) + 300)), "not_yet_valid", caplog)


def test_token_issued_in_the_future_is_refused(key_store: Any, caplog: pytest.LogCaptureFixture) -> None:
    refused(sign(good_claims(iat=int(NOW.timestamp()) + 300)), "issued_in_future", caplog)


@pytest.mark.parametrize("missing", ["exp", "nbf", "iat", "iss", "aud", "sub", "jti", "sid"])
def test_every_registered_claim_is_required(key_store: Any, caplog: pytest.LogCaptureFixture, missing: str) -> None:
    token = sign(good_claims(**{missing: None}))
    with pytest.raises(Unauthorized, match=INVALID):
        verify_access_token(token, now=NOW)


def test_non_numeric_times_are_refused(key_store: Any, caplog: pytest.LogCaptureFixture) -> None:
    refused(sign(good_claims(exp=True)), "time_claim_missing", caplog)


def test_wrong_audience_is_refused(key_store: Any, caplog: pytest.LogCaptureFixture) -> None:
    refused(sign(good_claims(aud="another-api")), "InvalidAudienceError", caplog)


def test_wrong_issuer_is_refused(key_store: Any, caplog: pytest.LogCaptureFixture) -> None:
    refused(sign(good_claims(iss="https://evil.example")), "InvalidIssuerError", caplog)


def test_unknown_kid_is_refused(key_store: Any, caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a token signed by a key that is not ours, naming a kid we do not have
    stranger = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(good_claims(), stranger, algorithm="ES256", headers={"kid": "not-one-of-ours"})
    refused(token, "kid_unknown", caplog)


def test_our_kid_with_a_strangers_signature_is_refused(key_store: Any, caplog: pytest.LogCaptureFixture) -> None:
    stranger = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(good_claims(), stranger, algorithm="ES256", headers={"kid": keys.signing_key().kid})
    refused(token, "InvalidSignatureError", caplog)


def test_tampered_payload_is_refused(key_store: Any, caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a valid token whose payload is swapped for one naming another subject
    header, _, signature = sign(good_claims()).split(".")
    forged = b64(json.dumps(good_claims(sub="admin")).encode())
    # THEN the signature no longer matches
    refused(f"{header}.{forged}.{signature}", "InvalidSignatureError", caplog)


def test_missing_kid_is_refused(key_store: Any, caplog: pytest.LogCaptureFixture) -> None:
    key = keys.signing_key()
    refused(jwt.encode(good_claims(), key.private_key, algorithm="ES256"), "kid_missing", caplog)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "x" * 9000, "e30.e30.e30"])
def test_garbage_is_refused(key_store: Any, token: str) -> None:
    with pytest.raises(Unauthorized, match=INVALID):
        verify_access_token(token, now=NOW)


def test_an_rsa_key_posing_under_our_kid_is_refused(key_store: Any) -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(good_claims(), rsa_key, algorithm="RS256", headers={"kid": keys.signing_key().kid})
    with pytest.raises(Unauthorized, match=INVALID):
        verify_access_token(token, now=NOW)


def test_unknown_kid_rereads_the_keys_once_then_is_rate_limited(key_store: Any) -> None:
    # GIVEN verification keys cached by this container, then a rotation elsewhere
    issued, _ = issue_access_token("u", session_id="s", now=NOW)
    verify_access_token(issued, now=NOW)
    reads = key_store.reads
    new_kid = key_store.add_key()
    token = jwt.encode(good_claims(), keys.load_keys().get(keys.signing_key().kid).private_key,  # type: ignore[union-attr]
                       algorithm="ES256", headers={"kid": "made-up"})
    # WHEN tokens with unknown kids arrive
    with pytest.raises(Unauthorized):
        verify_access_token(token, now=NOW)
    with pytest.raises(Unauthorized):
        verify_access_token(token, now=NOW)
    # THEN the keys were re-read once (an attacker's random kids cannot hammer Secrets Manager)
    assert key_store.reads == reads + 1
    assert keys.verification_key(new_kid, NOW) is not None
    assert key_store.reads == reads + 1


def test_a_naive_now_is_taken_as_utc(key_store: Any) -> None:
    # GIVEN a caller that passes a naive UTC datetime (as some database drivers return)
    token, expires_at = issue_access_token("u", session_id="s", now=NOW.replace(tzinfo=None))
    # THEN the token is the same as with the aware time, and verifies with either
    assert expires_at == NOW + timedelta(minutes=15)
    assert verify_access_token(token, now=NOW)["iat"] == int(NOW.timestamp())
    assert verify_access_token(token, now=NOW.replace(tzinfo=None))["sub"] == "u"
