"""Sessions, rotating refresh tokens, single-use tokens and linked OIDC identities."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from veriflow.core.db import Base
from veriflow.core.types import CreatedMixin, IdMixin, json_column, utcnow


class Session(IdMixin, CreatedMixin, Base):
    """One signed-in device: the family every refresh token of that sign-in belongs to."""

    __tablename__ = "auth_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # logout | logout_all | reuse_detected | password_reset | suspended | revoked_by_user
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class RefreshToken(IdMixin, CreatedMixin, Base):
    """Stored as a hash only. Rotation marks it used; its successor pair is kept sealed with a key
    derived from this token, so a concurrent refresh inside the grace window gets the same pair
    and nobody holding only the database can read it."""

    __tablename__ = "auth_refresh_tokens"

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None]
    successor_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)


class OneTimeToken(IdMixin, CreatedMixin, Base):
    """Email verification, password reset, email change: random, hashed, single-use, expiring."""

    __tablename__ = "auth_one_time_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    data: Mapped[dict[str, Any] | None] = json_column(default=None)


class OidcLogin(IdMixin, CreatedMixin, Base):
    """An OIDC login in flight: state (hashed), nonce and PKCE verifier until the callback."""

    __tablename__ = "auth_oidc_logins"

    provider: Mapped[str] = mapped_column(String(64))
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(128))
    code_verifier: Mapped[str] = mapped_column(String(128))
    redirect_uri: Mapped[str] = mapped_column(String(2048))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class UserIdentity(IdMixin, CreatedMixin, Base):
    """An account at an OIDC provider linked to a Veriflow user."""

    __tablename__ = "auth_user_identities"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))


Index("ix_auth_sessions_user_live", Session.user_id, Session.revoked_at)


class LoginFailures(Base):
    """Failed password checks of one email address, registered or not: an address nobody owns
    locks exactly like one somebody does, so the lockout tells nobody which addresses have
    accounts. Keyed by a hash of the normalised address (mistyped addresses are not kept)."""

    __tablename__ = "auth_login_failures"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    # Maintenance deletes counts untouched for a week.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
