"""Turns the credentials of a request into a Principal: an access token or an API key."""

from __future__ import annotations

import hmac
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from veriflow.access.principal import Principal
from veriflow.core.errors import Unauthorized
from veriflow.core.types import utcnow
from veriflow.identity.auth_models import Session as AuthSession
from veriflow.identity.jwt_tokens import verify_access_token
from veriflow.identity.opaque import hash_token
from veriflow.identity.user_models import User

API_KEY_PREFIX = "vf_"
# last_used_at is written at most this often per key: a busy key must not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)

_INVALID = "The credentials are missing, invalid or expired."


def from_access_token(session: Session, token: str) -> Principal:
    """A signed-in user; a suspended account or revoked session is refused at once."""
    claims = verify_access_token(token)
    try:
        user_id, session_id = uuid.UUID(str(claims["sub"])), uuid.UUID(str(claims["sid"]))
    except (KeyError, ValueError):
        raise Unauthorized(_INVALID) from None
    row = session.execute(
        select(User, AuthSession.revoked_at)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(User.id == user_id, AuthSession.id == session_id)
    ).one_or_none()
    if row is None or row[0].status != "active" or row[1] is not None:
        raise Unauthorized(_INVALID)
    user = row[0]
    return Principal("user", user.id, platform_roles=frozenset(user.role_names), session_id=session_id)


def from_api_key(session: Session, key: str) -> Principal:
    """An organization's machine client, with the scopes its key was given."""
    # Here, not at import: the functions that serve no organization route (auth, users,
    # notifications) then map the organization tables only when an API key calls them.
    from veriflow.identity.org_models import ApiKey

    prefix = key[: len(API_KEY_PREFIX) + 12]
    api_key = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one_or_none()
    now = utcnow()
    if (
        api_key is None
        or not hmac.compare_digest(api_key.key_hash, hash_token(key))
        or api_key.revoked_at is not None
        or (api_key.expires_at is not None and api_key.expires_at <= now)
    ):
        raise Unauthorized(_INVALID)
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION:
        api_key.last_used_at = now
    return Principal("api_key", api_key.id, org_id=api_key.org_id, scopes=frozenset(api_key.scopes))


def authenticate(session: Session, authorization: str | None, api_key: str | None) -> Principal:
    """`Authorization: Bearer <access token>` or `X-API-Key: vf_...` (also accepted as a bearer)."""
    if api_key:
        return from_api_key(session, api_key)
    scheme, _, credentials = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthorized(_INVALID, headers={"www-authenticate": 'Bearer realm="veriflow"'})
    credentials = credentials.strip()
    if credentials.startswith(API_KEY_PREFIX):
        return from_api_key(session, credentials)
    return from_access_token(session, credentials)
