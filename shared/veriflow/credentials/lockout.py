"""Lockout after repeated wrong passwords, counted per normalised email address.

Sign-ins and the password re-checks of signed-in routes (changing the password or the email) count
toward the same lockout. An address without an account counts and locks exactly like one with an
account, and answers the same, so neither the status nor the timing tells who is registered."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session as DbSession

from veriflow.audit import service as audit
from veriflow.core.db import insert_ignoring_duplicates
from veriflow.core.errors import Locked
from veriflow.identity.auth_models import LoginFailures
from veriflow.identity.flow_settings import get_flow_settings
from veriflow.identity.user_models import User

LOCKED_MESSAGE = "The account is locked after repeated failed sign-ins."


def email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def locked(db: DbSession, email: str, now: datetime) -> Locked | None:
    """The 423 to answer while the address is locked, else None."""
    until = db.scalar(select(LoginFailures.locked_until).where(LoginFailures.email_hash == email_hash(email)))
    if until is None or until <= now:
        return None
    retry = max(1, int((until - now).total_seconds()))
    return Locked(LOCKED_MESSAGE, details={"retry_after_s": retry}, headers={"Retry-After": str(retry)})


def count_failure(db: DbSession, email: str, now: datetime, *, user_id: uuid.UUID | None, action: str,
                  reason: str, actor_type: str | None = None, **details: Any) -> bool:
    """Counts one wrong password for `email` and audits it as `action` (by `actor_type`, anonymous
    unless given); True when it locked the address.

    The row is created if missing and then locked, so concurrent failures all count."""
    settings = get_flow_settings()
    key = email_hash(email)
    db.execute(insert_ignoring_duplicates(db, LoginFailures, {"email_hash": key, "failures": 0, "updated_at": now},
                                          ["email_hash"]))
    row = db.scalars(select(LoginFailures).where(LoginFailures.email_hash == key).with_for_update()
                     .execution_options(populate_existing=True)).one()
    if row.window_started_at is None or now - row.window_started_at > timedelta(minutes=settings.lockout_window_min):
        row.window_started_at, row.failures = now, 0
    row.failures += 1
    actor = str(user_id) if user_id is not None else None
    target = ("user", user_id) if user_id is not None else None
    # An unknown address is recorded as typed (normalised): who is being guessed at is worth knowing.
    named: dict[str, Any] = {} if user_id is not None else {"email": email}
    audit.record(db, action, actor_type=actor_type, actor_id=actor, target=target, reason=reason,
                 failures=row.failures, **named, **details)
    if row.failures < settings.lockout_threshold:
        return False
    row.locked_until = now + timedelta(minutes=settings.lockout_duration_min)
    row.failures, row.window_started_at = 0, None
    if user_id is not None:
        # Shown to administrators with the account.
        db.execute(update(User).where(User.id == user_id).values(locked_until=row.locked_until)
                   .execution_options(synchronize_session=False))
    audit.record(db, "auth.lockout", actor_type=actor_type, actor_id=actor, target=target,
                 until=row.locked_until.isoformat(), **named)
    return True


def clear(db: DbSession, email: str, user_id: uuid.UUID | None = None) -> None:
    """Forgets the failures of `email` (a successful sign-in, a password reset) and lifts its lock."""
    db.execute(delete(LoginFailures).where(LoginFailures.email_hash == email_hash(email)))
    if user_id is not None:
        db.execute(update(User).where(User.id == user_id, User.locked_until.is_not(None)).values(locked_until=None)
                   .execution_options(synchronize_session=False))
