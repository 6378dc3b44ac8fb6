"""Sessions and their rotating refresh tokens: issue, rotate (with a grace window), revoke."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession

from veriflow.audit import service as audit
from veriflow.core.errors import Unauthorized
from veriflow.core.observability import current_request
from veriflow.core.types import utcnow
from veriflow.identity.auth_models import RefreshToken, Session
from veriflow.identity.flow_settings import get_flow_settings
from veriflow.identity.jwt_tokens import issue_access_token
from veriflow.identity.opaque import hash_token, new_token
from veriflow.identity.user_models import User

REFRESH_PREFIX = "vfr_"
_INVALID = "The refresh token is invalid, expired or revoked."


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    session_id: uuid.UUID


def start_session(db: DbSession, user: User, now: datetime | None = None) -> TokenPair:
    """A new signed-in session for `user` (after login, OIDC or registration)."""
    now = now or utcnow()
    request = current_request()
    ttl = timedelta(days=get_flow_settings().refresh_token_ttl_days)
    session = Session(user_id=user.id, ip=request.ip, user_agent=request.user_agent, last_seen_at=now,
                      expires_at=now + ttl)
    db.add(session)
    db.flush()
    refresh, digest = new_token(REFRESH_PREFIX)
    db.add(RefreshToken(session_id=session.id, token_hash=digest, expires_at=now + ttl))
    access, access_expires = issue_access_token(str(user.id), session_id=str(session.id), now=now)
    return TokenPair(access, access_expires, refresh, now + ttl, session.id)


def refresh(db: DbSession, presented: str, now: datetime | None = None) -> TokenPair:
    """Rotates `presented`. A token already rotated returns the same successor inside the grace
    window and revokes the whole session (family) after it: that is a stolen token replayed."""
    now = now or utcnow()
    row = db.execute(
        select(RefreshToken, Session, User)
        .join(Session, Session.id == RefreshToken.session_id)
        .join(User, User.id == Session.user_id)
        .where(RefreshToken.token_hash == hash_token(presented))
    ).one_or_none()
    if row is None:
        raise Unauthorized(_INVALID)
    token, session, user = row
    if session.revoked_at is not None or session.expires_at <= now or token.expires_at <= now:
        raise Unauthorized(_INVALID)
    if user.status != "active":
        raise Unauthorized(_INVALID)
    if token.rotated_at is None:
        pair = _rotate(db, token, session, user, presented, now)
        if pair is not None:
            return pair
        db.refresh(token)  # another request rotated it first: its successor is sealed for us
    return _replayed(db, token, session, presented, now)


def _rotate(db: DbSession, token: RefreshToken, session: Session, user: User, presented: str,
            now: datetime) -> TokenPair | None:
    ttl = timedelta(days=get_flow_settings().refresh_token_ttl_days)
    successor, digest = new_token(REFRESH_PREFIX)
    access, access_expires = issue_access_token(str(user.id), session_id=str(session.id), now=now)
    # A rotated token never outlives its session: the session's expiry is the sign-in's horizon.
    pair = TokenPair(access, access_expires, successor, min(now + ttl, session.expires_at), session.id)
    from veriflow.auth.sealing import seal  # cryptography's AEAD, for refreshes only

    sealed = seal(presented, {"access": access, "access_expires_at": access_expires.isoformat(),
                              "refresh": successor, "refresh_expires_at": pair.refresh_expires_at.isoformat()})
    # Only one request may rotate a token: the update is conditional on it not being rotated yet.
    rotated = db.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token.id, RefreshToken.rotated_at.is_(None))
        .values(rotated_at=now, successor_sealed=sealed)
        .execution_options(synchronize_session=False)
    )
    if rotated.rowcount != 1:  # type: ignore[attr-defined]
        return None
    db.add(RefreshToken(session_id=session.id, token_hash=digest, expires_at=pair.refresh_expires_at))
    session.last_seen_at = now
    session.ip = current_request().ip or session.ip
    return pair


class ReuseDetected(Unauthorized):
    """A rotated refresh token came back after the grace window. The caller revokes the session
    in a transaction of its own: this request's transaction is rolled back with the 401."""

    def __init__(self, session_id: uuid.UUID, user_id: uuid.UUID) -> None:
        super().__init__(_INVALID)
        self.session_id = session_id
        self.user_id = user_id


def _replayed(db: DbSession, token: RefreshToken, session: Session, presented: str, now: datetime) -> TokenPair:
    assert token.rotated_at is not None
    grace = timedelta(seconds=get_flow_settings().refresh_grace_s)
    if now - token.rotated_at <= grace and token.successor_sealed is not None:
        from veriflow.auth.sealing import unseal

        payload = unseal(presented, token.successor_sealed)
        if payload is not None:
            return TokenPair(payload["access"], datetime.fromisoformat(payload["access_expires_at"]),
                             payload["refresh"], datetime.fromisoformat(payload["refresh_expires_at"]), session.id)
    raise ReuseDetected(session.id, session.user_id)


def revoke_family(db: DbSession, session_id: uuid.UUID, now: datetime | None = None) -> None:
    """Revokes a session whose refresh token was replayed, and records it."""
    session = db.get(Session, session_id)
    if session is not None:
        revoke(db, session, "reuse_detected", now)
        audit.record(db, "auth.refresh.reuse_detected", actor_id=str(session.user_id), target=("session", session.id))


def revoke(db: DbSession, session: Session, reason: str, now: datetime | None = None) -> None:
    if session.revoked_at is None:
        session.revoked_at = now or utcnow()
        session.revoked_reason = reason


def revoke_all(db: DbSession, user_id: uuid.UUID, reason: str, *, keep: uuid.UUID | None = None) -> int:
    """Revokes every live session of the user (but `keep`); returns how many."""
    query = update(Session).where(Session.user_id == user_id, Session.revoked_at.is_(None))
    if keep is not None:
        query = query.where(Session.id != keep)
    result = db.execute(query.values(revoked_at=utcnow(), revoked_reason=reason).execution_options(
        synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


def live_sessions(db: DbSession, user_id: uuid.UUID) -> list[Session]:
    now = utcnow()
    return list(db.scalars(
        select(Session)
        .where(Session.user_id == user_id, Session.revoked_at.is_(None), Session.expires_at > now)
        .order_by(Session.last_seen_at.desc())
    ))
