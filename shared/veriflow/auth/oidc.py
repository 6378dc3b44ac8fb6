"""OpenID Connect login: authorization code flow with PKCE (S256), state and nonce.

The caller keeps state, nonce and code verifier from start() (e.g. in a signed, short-lived
cookie or a row), checks state on the callback, then calls finish().
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from veriflow.auth.oidc_provider import FAILED, exchange_code, reset_oidc_caches, verification_key
from veriflow.core.errors import BadRequest, NotFound
from veriflow.identity.claims import as_utc, refuse, time_problem
from veriflow.identity.opaque import constant_time_equals
from veriflow.identity.settings import OidcProvider, get_auth_settings

__all__ = ["OidcIdentity", "check_state", "finish", "reset_oidc_caches", "start", "verify_id_token"]


@dataclass(frozen=True)
class OidcIdentity:
    """Who the provider says logged in; `email` may be unverified (see `email_verified`)."""

    provider: str
    issuer: str
    sub: str
    email: str | None
    email_verified: bool
    claims: dict[str, Any]


def _provider(name: str) -> OidcProvider:
    provider = get_auth_settings().oidc_providers.get(name)
    if provider is None:
        # A provider is a resource of the API: one not configured here does not exist (404).
        raise NotFound("No sign-in provider has this name.")
    return provider


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def start(provider: str, redirect_uri: str) -> tuple[str, str, str, str]:
    """(authorization_url, state, nonce, code_verifier) for a new login with `provider`."""
    config = _provider(provider)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    query = urlencode({
        "response_type": "code",
        "client_id": config.client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(config.scopes),
        "state": state,
        "nonce": nonce,
        "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest()),
        "code_challenge_method": "S256",
    })
    separator = "&" if "?" in config.authorization_endpoint else "?"
    return f"{config.authorization_endpoint}{separator}{query}", state, nonce, verifier


def verify_id_token(provider: str, id_token: str, expected_nonce: str, *, now: datetime | None = None) -> OidcIdentity:
    """The identity in a provider's ID token, after checking signature, iss, aud, azp, times and nonce."""
    import jwt

    config = _provider(provider)
    settings = get_auth_settings()
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError:
        refuse(FAILED, "malformed")
    key = verification_key(config, header)
    try:
        claims: dict[str, Any] = jwt.decode(
            id_token, key, algorithms=[header["alg"]], audience=config.client_id, issuer=config.issuer,
            options={"require": ["iss", "aud", "sub", "exp", "iat"], "verify_exp": False, "verify_nbf": False,
                     "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        refuse(FAILED, type(exc).__name__)
    problem = time_problem(claims, as_utc(now), settings.jwt_leeway_s, require_nbf=False)
    if problem is not None:
        refuse(FAILED, problem)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if ("azp" in claims or len(audiences) > 1) and claims.get("azp") != config.client_id:
        refuse(FAILED, "azp")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not expected_nonce or not constant_time_equals(nonce, expected_nonce):
        refuse(FAILED, "nonce")
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        refuse(FAILED, "sub")
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    verified = claims.get("email_verified") in (True, "true")  # some providers send the string
    return OidcIdentity(provider, config.issuer, claims["sub"], email, email is not None and verified, claims)


def check_state(expected: str, received: str | None) -> None:
    """Refuses a callback whose `state` is not the one start() gave (login CSRF), in constant time."""
    if not expected or not received or not constant_time_equals(expected, received):
        refuse(FAILED, "state")


def finish(provider: str, code: str, code_verifier: str, redirect_uri: str, expected_nonce: str, *,
           now: datetime | None = None) -> OidcIdentity:
    """Exchanges the authorization code (with the PKCE verifier) and returns the verified identity."""
    config = _provider(provider)
    if not code or not code_verifier:
        raise BadRequest("The provider sent no authorization code; start the sign-in again.")
    id_token = exchange_code(config, code, code_verifier, redirect_uri)
    return verify_id_token(provider, id_token, expected_nonce, now=now)
