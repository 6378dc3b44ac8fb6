"""The sign-in flows. Each manages its own transactions: a failed login must still count and be
audited although the request answers 401."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession

from veriflow.audit import service as audit
from veriflow.auth import sessions
from veriflow.auth.welcome import welcome_after_commit
from veriflow.core.db import CommitThenRaise, session_scope
from veriflow.core.errors import Forbidden, Unauthorized, ValidationFailed
from veriflow.core.types import utcnow
from veriflow.credentials import lockout
from veriflow.identity.auth_models import OneTimeToken
from veriflow.identity.flow_settings import get_flow_settings
from veriflow.identity.opaque import hash_token, new_token
from veriflow.identity.passwords import (
    check_password,
    hash_password,
    needs_rehash,
    password_errors,
    verify_password,
    verify_unknown_user,
)
from veriflow.identity.user_models import User
from veriflow.messaging.notification import Category
from veriflow.messaging.notify import email_after_commit

BAD_CREDENTIALS = "The email or password is wrong."


def _policy(password: str, email: str) -> None:
    problems = check_password(password, email=email)
    if problems:
        raise ValidationFailed("The password does not meet the policy.", errors=password_errors("password", problems))


def _one_time_token(db: DbSession, user: User, purpose: str, ttl: timedelta, data: dict[str, str] | None = None
                    ) -> str:
    plaintext, digest = new_token()
    db.add(OneTimeToken(user_id=user.id, purpose=purpose, token_hash=digest, expires_at=utcnow() + ttl, data=data))
    return plaintext


def _send(db: DbSession, template: str, to: str, key: str, **data: str) -> None:
    email_after_commit(db, to, template=template, idempotency_key=key, category=Category.SECURITY, data=data,
                       priority="critical")


def register(email: str, password: str, display_name: str) -> None:
    """Creates the account and sends the verification link; an existing address is told instead,
    and the caller sees the same answer either way."""
    _policy(password, email)
    password_hash = hash_password(password)  # before the lookup: both branches pay for it
    with session_scope() as db:
        existing = db.scalars(select(User).where(User.email == email)).one_or_none()
        if existing is not None:
            _send(db, "auth.register_existing", email, f"register-existing:{existing.id}:{utcnow():%Y%m%d%H}")
            return
        user = User(email=email, password_hash=password_hash, password_changed_at=utcnow(), display_name=display_name)
        db.add(user)
        db.flush()
        token = _one_time_token(db, user, "verify_email", timedelta(hours=get_flow_settings().verify_email_ttl_h))
        _send(db, "auth.verify_email", email, f"verify-email:{user.id}:{hash_token(token)[:16]}", token=token)
        audit.record(db, "auth.register", actor_id=str(user.id), target=("user", user.id))


def login(email: str, password: str, now: datetime | None = None) -> sessions.TokenPair:
    """Checks the password and counts failures per address, registered or not (5 in 15 minutes
    lock it for 15 minutes). Every path that checks a password pays for one argon2 verification."""
    now = now or utcnow()
    with session_scope() as db:
        failure: Exception | None = lockout.locked(db, email, now)
        if failure is not None:
            audit.record(db, "auth.login.failed", email=email, reason="locked")
            raise CommitThenRaise(failure)
        user = db.scalars(select(User).where(User.email == email)).one_or_none()
        if user is None or user.password_hash is None:
            verify_unknown_user(password)  # the same work as a wrong password of a real account
            reason = "unknown_account" if user is None else "no_password"
        elif not verify_password(user.password_hash, password):
            reason = "bad_password"
        elif user.status != "active":
            audit.record(db, "auth.login.refused", actor_id=str(user.id), target=("user", user.id), reason=user.status)
            raise CommitThenRaise(Forbidden("The account is suspended."))
        else:
            lockout.clear(db, email, user.id)
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            pair = sessions.start_session(db, user, now)
            audit.record(db, "auth.login.succeeded", actor_type="user", actor_id=str(user.id),
                         target=("session", pair.session_id))
            return pair
        lockout.count_failure(db, email, now, user_id=user.id if user else None, action="auth.login.failed",
                              reason=reason)
        # Counted and audited although the answer is a 401.
        raise CommitThenRaise(Unauthorized(BAD_CREDENTIALS))


def refresh(presented: str) -> sessions.TokenPair:
    try:
        with session_scope() as db:
            return sessions.refresh(db, presented)
    except sessions.ReuseDetected as reuse:
        with session_scope() as db:
            sessions.revoke_family(db, reuse.session_id)
        raise


def _consume(db: DbSession, token: str, purposes: tuple[str, ...]) -> OneTimeToken:
    """Marks a single-use token used; the conditional update lets only one request win."""
    row = db.scalars(select(OneTimeToken).where(OneTimeToken.token_hash == hash_token(token))).one_or_none()
    now = utcnow()
    if row is None or row.purpose not in purposes or row.used_at is not None or row.expires_at <= now:
        raise Unauthorized("The link is invalid, used or expired.")
    used = db.execute(update(OneTimeToken).where(OneTimeToken.id == row.id, OneTimeToken.used_at.is_(None))
                      .values(used_at=now).execution_options(synchronize_session=False))
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise Unauthorized("The link is invalid, used or expired.")
    return row


def verify_email(token: str) -> None:
    """Confirms an address: the one registered, or a new one asked for with `change_email`."""
    with session_scope() as db:
        row = _consume(db, token, ("verify_email", "change_email"))
        user = db.get_one(User, row.user_id, with_for_update=True)
        if row.purpose == "change_email":
            new_email = str((row.data or {})["email"])
            if db.scalars(select(User.id).where(User.email == new_email, User.id != user.id)).first():
                raise Unauthorized("The link is invalid, used or expired.")
            audit.record(db, "user.email.changed", actor_type="user", actor_id=str(user.id), target=("user", user.id))
            user.email = new_email
        first = user.email_verified_at is None
        user.email_verified_at = utcnow()
        if first:
            welcome_after_commit(db, user)
        audit.record(db, "auth.email.verified", actor_type="user", actor_id=str(user.id), target=("user", user.id))


def resend_verification(email: str) -> None:
    with session_scope() as db:
        user = db.scalars(select(User).where(User.email == email)).one_or_none()
        if user is None or user.email_verified_at is not None:
            return
        token = _one_time_token(db, user, "verify_email", timedelta(hours=get_flow_settings().verify_email_ttl_h))
        _send(db, "auth.verify_email", email, f"verify-email:{user.id}:{hash_token(token)[:16]}", token=token)


def forgot_password(email: str) -> None:
    with session_scope() as db:
        user = db.scalars(select(User).where(User.email == email)).one_or_none()
        if user is None or user.status != "active":
            return
        token = _one_time_token(db, user, "reset_password",
                                timedelta(minutes=get_flow_settings().reset_password_ttl_min))
        _send(db, "auth.reset_password", email, f"reset-password:{user.id}:{hash_token(token)[:16]}", token=token)
        audit.record(db, "auth.password.reset_requested", actor_id=str(user.id), target=("user", user.id))


def reset_password(token: str, password: str) -> None:
    """Sets the new password, ends every session and lifts a lockout."""
    with session_scope() as db:
        row = _consume(db, token, ("reset_password",))
        user = db.get_one(User, row.user_id, with_for_update=True)
        _policy(password, user.email)
        user.password_hash, user.password_changed_at = hash_password(password), utcnow()
        lockout.clear(db, user.email, user.id)
        # The address received the link, so it is proven.
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()
            welcome_after_commit(db, user)
        revoked = sessions.revoke_all(db, user.id, "password_reset")
        audit.record(db, "auth.password.reset", actor_type="user", actor_id=str(user.id), target=("user", user.id),
                     sessions_revoked=revoked)
