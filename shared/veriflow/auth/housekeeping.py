"""Daily housekeeping. Every task is idempotent: a repeated or late run changes nothing more."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from veriflow.identity.auth_models import LoginFailures, OidcLogin, OneTimeToken, RefreshToken
from veriflow.identity.auth_models import Session as AuthSession

# Expired rows stay this long, for investigations, before they go.
KEEP_EXPIRED = timedelta(days=7)


@dataclass(frozen=True)
class Report:
    rotated_key: str | None
    purged: dict[str, int]


def signing_key_max_age() -> timedelta:
    return timedelta(days=int(os.environ.get("SIGNING_KEY_MAX_AGE_DAYS", "30")))


def rotate_signing_key_if_due(now: datetime) -> str | None:
    """Rotates when the active key is older than its maximum age; returns the new kid."""
    from veriflow.identity.keys import load_keys, rotate_signing_key

    if now - load_keys(now=now).active.created_at < signing_key_max_age():
        return None
    return rotate_signing_key(now).active.kid


def purge_expired(session: Session, now: datetime) -> dict[str, int]:
    """Deletes credentials that can no longer be used (expired a week ago or more), and lockout
    counts untouched for a week."""
    cutoff = now - KEEP_EXPIRED
    dead_sessions = select(AuthSession.id).where(AuthSession.expires_at < cutoff)
    counts = {
        "one_time_tokens": session.execute(delete(OneTimeToken).where(OneTimeToken.expires_at < cutoff)),
        "oidc_logins": session.execute(delete(OidcLogin).where(OidcLogin.expires_at < cutoff)),
        "refresh_tokens": session.execute(delete(RefreshToken).where(RefreshToken.expires_at < cutoff)),
        "sessions": session.execute(delete(AuthSession).where(AuthSession.id.in_(dead_sessions))),
        # Failure counts of addresses (most without an account) nobody has tried for a week.
        "login_failures": session.execute(delete(LoginFailures).where(
            LoginFailures.updated_at < cutoff,
            or_(LoginFailures.locked_until.is_(None), LoginFailures.locked_until < cutoff))),
    }
    return {name: int(result.rowcount) for name, result in counts.items()}  # type: ignore[attr-defined]
