"""Access tokens: ES256 JWTs with a kid, 15 minutes by default, verified with the algorithm pinned."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from veriflow.core.snapstart import before_snapshot
from veriflow.identity import keys
from veriflow.identity.claims import as_utc, refuse, time_problem
from veriflow.identity.settings import get_auth_settings

ALGORITHM = "ES256"
RESERVED_CLAIMS = frozenset({"iss", "aud", "sub", "iat", "nbf", "exp", "jti", "sid"})
MAX_TOKEN_LENGTH = 8192


@before_snapshot
def _import_jwt() -> None:
    # PyJWT and the ES256 code of cryptography: imported on first use, or once into the snapshot.
    import jwt  # noqa: F401
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: F401


# The messages of Unauthorized: stable, and saying nothing that helps forge a token.
INVALID = "The access token is invalid."
EXPIRED = "The access token has expired; refresh it."


def issue_access_token(
    subject: str,
    *,
    session_id: str,
    extra_claims: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    """A signed access token for `subject` in session `session_id`, and when it expires."""
    import jwt

    settings = get_auth_settings()
    extra = extra_claims or {}
    if clash := RESERVED_CLAIMS & extra.keys():
        raise ValueError(f"extra claims may not set {sorted(clash)}")
    now = as_utc(now).replace(microsecond=0)
    expires_at = now + timedelta(seconds=settings.access_token_ttl_s)
    key = keys.signing_key(now)
    claims = {
        **extra,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": secrets.token_urlsafe(16),
        "sid": session_id,
    }
    token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": "JWT"})
    return token, expires_at


def verify_access_token(token: str, now: datetime | None = None) -> dict[str, Any]:
    """The claims of a valid access token; raises Unauthorized (INVALID or EXPIRED).

    Only ES256 is accepted (never `none`, HMAC or another algorithm named by the token); iss, aud,
    exp, nbf, iat, sub, jti and sid are required and checked, with JWT_LEEWAY_S for clock skew.
    """
    import jwt

    settings = get_auth_settings()
    now = as_utc(now)
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        refuse(INVALID, "malformed")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        refuse(INVALID, "malformed")
    if header.get("alg") != ALGORITHM:
        refuse(INVALID, "algorithm")
    kid = header.get("kid")
    if not isinstance(kid, str) or not 0 < len(kid) <= 128:
        refuse(INVALID, "kid_missing")
    key = keys.verification_key(kid, now)
    if key is None:
        refuse(INVALID, "kid_unknown")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key.public_key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            # Times are checked below against `now`; everything else by PyJWT.
            options={"require": sorted(RESERVED_CLAIMS), "verify_exp": False, "verify_nbf": False,
                     "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        refuse(INVALID, type(exc).__name__)
    problem = time_problem(claims, now, settings.jwt_leeway_s, require_nbf=True)
    if problem is not None:
        refuse(EXPIRED if problem == "expired" else INVALID, problem)
    if not all(isinstance(claims[name], str) and claims[name] for name in ("sub", "sid", "jti")):
        refuse(INVALID, "claim_type")
    return claims
