"""OIDC client without a network: the authorization URL, and ID-token checks against a given JWKS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from veriflow.auth import oidc, oidc_provider
from veriflow.core.errors import Unauthorized
from veriflow.identity.settings import get_auth_settings

ISSUER = "https://id.example.com"
CLIENT = "veriflow-web"
NONCE = "n-0S6_WzA2Mj"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def jwks(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A provider whose JWKS is this dict (edit its "keys"), served without HTTP."""
    monkeypatch.setenv("OIDC_PROVIDERS", json.dumps({"example": {
        "issuer": ISSUER, "client_id": CLIENT, "client_secret": "provider-secret",
        "authorization_endpoint": f"{ISSUER}/authorize?prompt=login", "token_endpoint": f"{ISSUER}/token",
        "jwks_uri": f"{ISSUER}/jwks"}}))
    get_auth_settings.cache_clear()
    document: dict[str, Any] = {"keys": []}
    monkeypatch.setattr(oidc_provider, "_http_json", lambda url, **_: document)
    return document


def publish(document: dict[str, Any], key: Any, kid: str, **extra: Any) -> None:
    algorithm = jwt.algorithms.RSAAlgorithm if isinstance(key, rsa.RSAPrivateKey) else jwt.algorithms.ECAlgorithm
    document["keys"].append({**json.loads(algorithm.to_jwk(key.public_key())), "kid": kid, **extra})


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": CLIENT, "sub": "u-1", "iat": now, "exp": now + 300, "nonce": NONCE,
            "email": "ada@example.com", "email_verified": "true"}
    return {**base, **changes}


def test_start_builds_an_authorization_url_with_pkce(jwks: dict[str, Any]) -> None:
    # WHEN a login starts
    url, state, nonce, verifier = oidc.start("example", "https://app.example/cb")
    # THEN the URL carries the client, scopes, state, nonce and an S256 challenge of the verifier
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{ISSUER}/authorize"
    assert query["prompt"] == "login"  # the endpoint's own query is kept
    assert query["response_type"] == "code"
    assert (query["client_id"], query["redirect_uri"]) == (CLIENT, "https://app.example/cb")
    assert query["scope"].split() == ["openid", "email", "profile"]
    assert (query["state"], query["nonce"]) == (state, nonce)
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"] == b64(hashlib.sha256(verifier.encode()).digest())
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,128}", verifier)
    assert len({state, nonce, verifier}) == 3
    assert "provider-secret" not in url


def test_starts_are_random(jwks: dict[str, Any]) -> None:
    assert oidc.start("example", "https://a/cb")[1:] != oidc.start("example", "https://a/cb")[1:]


def test_es256_id_token_is_accepted(jwks: dict[str, Any]) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    publish(jwks, key, "ec-1", alg="ES256", use="sig")
    token = jwt.encode(claims(), key, algorithm="ES256", headers={"kid": "ec-1"})
    identity = oidc.verify_id_token("example", token, NONCE)
    # The string "true" some providers send counts as verified.
    assert (identity.sub, identity.email, identity.email_verified) == ("u-1", "ada@example.com", True)


def test_kid_may_be_omitted_when_the_provider_has_one_key(jwks: dict[str, Any]) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    publish(jwks, key, "only")
    assert oidc.verify_id_token("example", jwt.encode(claims(), key, algorithm="RS256"), NONCE).sub == "u-1"


def test_alg_none_is_refused(jwks: dict[str, Any]) -> None:
    publish(jwks, rsa.generate_private_key(public_exponent=65537, key_size=2048), "r1")
    token = f"{b64(json.dumps({'alg': 'none', 'kid': 'r1'}).encode())}.{b64(json.dumps(claims()).encode())}."
    with pytest.raises(Unauthorized, match="oidc_login_failed"):
        oidc.verify_id_token("example", token, NONCE)


def test_hs256_keyed_with_the_providers_public_key_is_refused(jwks: dict[str, Any]) -> None:
    publish(jwks, rsa.generate_private_key(public_exponent=65537, key_size=2048), "r1")
    secret = json.dumps(jwks["keys"][0]).encode()
    head = f"{b64(json.dumps({'alg': 'HS256', 'kid': 'r1'}).encode())}.{b64(json.dumps(claims()).encode())}"
    token = f"{head}.{b64(hmac.new(secret, head.encode(), hashlib.sha256).digest())}"
    with pytest.raises(Unauthorized):
        oidc.verify_id_token("example", token, NONCE)


def test_algorithm_must_match_the_jwk(jwks: dict[str, Any]) -> None:
    # GIVEN an EC key published for ES256, and a token that claims RS256 under its kid
    publish(jwks, ec.generate_private_key(ec.SECP256R1()), "ec-1", alg="ES256")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "ec-1"})
    with pytest.raises(Unauthorized):
        oidc.verify_id_token("example", token, NONCE)


def test_jwk_alg_must_match_the_header(jwks: dict[str, Any]) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    publish(jwks, key, "r1", alg="RS512")
    with pytest.raises(Unauthorized):
        oidc.verify_id_token("example", jwt.encode(claims(), key, algorithm="RS256", headers={"kid": "r1"}), NONCE)


@pytest.mark.parametrize("alg", ["RS512", "PS256", "ES384"])
def test_only_rs256_and_es256_are_accepted(jwks: dict[str, Any], alg: str) -> None:
    key = ec.generate_private_key(ec.SECP384R1()) if alg == "ES384" else rsa.generate_private_key(
        public_exponent=65537, key_size=2048)
    publish(jwks, key, "k")
    with pytest.raises(Unauthorized):
        oidc.verify_id_token("example", jwt.encode(claims(), key, algorithm=alg, headers={"kid": "k"}), NONCE)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_small_rsa_keys_are_refused(jwks: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    publish(jwks, key, "weak")
    token = jwt.encode(claims(), key, algorithm="RS256", headers={"kid": "weak"})
    with caplog.at_level("INFO", logger="veriflow.auth"), pytest.raises(Unauthorized):
        oidc.verify_id_token("example", token, NONCE)
    assert [record.reason for record in caplog.records] == ["rsa_key_too_small"]  # type: ignore[attr-defined]


def test_unverified_and_missing_email(jwks: dict[str, Any]) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    publish(jwks, key, "ec-1")
    unverified = jwt.encode(claims(email_verified=False), key, algorithm="ES256", headers={"kid": "ec-1"})
    assert oidc.verify_id_token("example", unverified, NONCE).email_verified is False
    no_email = claims(email_verified=True)
    del no_email["email"]
    identity = oidc.verify_id_token("example", jwt.encode(no_email, key, algorithm="ES256", headers={"kid": "ec-1"}),
                                    NONCE)
    assert (identity.email, identity.email_verified) == (None, False)


def test_empty_expected_nonce_never_matches(jwks: dict[str, Any]) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    publish(jwks, key, "ec-1")
    token = jwt.encode(claims(nonce=""), key, algorithm="ES256", headers={"kid": "ec-1"})
    with pytest.raises(Unauthorized):
        oidc.verify_id_token("example", token, "")
