"""A phone number for SMS: set, proven by a six-digit code sent to it, removed.

The code is stored as an HMAC under a per-code salt (six digits would fall to a lookup table),
expires after ten minutes and dies after five wrong tries; three codes an hour at most, since every
one costs money and SMS pumping is a known abuse."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from veriflow.access.principal import Principal
from veriflow.audit import service as audit
from veriflow.core.errors import TooManyRequests, ValidationFailed, field_error
from veriflow.core.types import utcnow
from veriflow.identity.auth_models import OneTimeToken
from veriflow.identity.user_models import User
from veriflow.messaging.notification import Category, Channel, NotificationMessage, Recipients
from veriflow.messaging.notify import enqueue_after_commit

PURPOSE = "verify_phone"
CODE_TTL = timedelta(minutes=10)
MAX_TRIES = 5
CODES_PER_HOUR = 3


def _digest(salt: str, code: str) -> str:
    return hmac.new(bytes.fromhex(salt), code.encode(), hashlib.sha256).hexdigest()


def _user(session: Session, principal: Principal) -> User:
    user = session.get(User, principal.user_id)
    assert user is not None
    return user


def request_code(session: Session, principal: Principal, phone_number: str) -> None:
    """Sets the (unproven) number and texts it a code; earlier codes stop working."""
    user, now = _user(session, principal), utcnow()
    recent = session.scalar(select(func.count()).select_from(OneTimeToken).where(
        OneTimeToken.user_id == user.id, OneTimeToken.purpose == PURPOSE,
        OneTimeToken.created_at > now - timedelta(hours=1)))
    if (recent or 0) >= CODES_PER_HOUR:
        raise TooManyRequests("Too many codes sent in the last hour; try again later.")
    session.execute(update(OneTimeToken).where(
        OneTimeToken.user_id == user.id, OneTimeToken.purpose == PURPOSE, OneTimeToken.used_at.is_(None)
    ).values(used_at=now))
    code, salt = f"{secrets.randbelow(10**6):06d}", secrets.token_hex(16)
    token = OneTimeToken(user_id=user.id, purpose=PURPOSE, token_hash=_digest(salt, code), expires_at=now + CODE_TTL,
                         data={"phone": phone_number, "salt": salt, "tries": 0})
    session.add(token)
    user.phone_number, user.phone_verified_at = phone_number, None
    session.flush()
    audit.record(session, "user.phone.code_sent", actor=principal, target=("user", user.id), phone=phone_number)
    enqueue_after_commit(session, NotificationMessage(
        idempotency_key=f"phone-code:{token.id}", recipients=Recipients(phones=[phone_number]),
        category=Category.SECURITY, template="auth.phone_code", data={"code": code}, channels=[Channel.SMS],
        priority="critical",
    ))


def verify(session: Session, principal: Principal, code: str) -> User:
    """Marks the number proven when `code` is the live one sent to it."""
    user, now = _user(session, principal), utcnow()
    token = session.scalars(
        select(OneTimeToken).where(OneTimeToken.user_id == user.id, OneTimeToken.purpose == PURPOSE,
                                   OneTimeToken.used_at.is_(None), OneTimeToken.expires_at > now)
        .order_by(OneTimeToken.created_at.desc()).limit(1).with_for_update()
    ).first()
    if token is None or not token.data or token.data.get("phone") != user.phone_number:
        raise ValidationFailed("No code is waiting for this number; ask for a new one.", errors=[
            field_error(("body", "code"), "No code is waiting for this number.", "code_expired")])
    if hmac.compare_digest(token.token_hash, _digest(str(token.data["salt"]), code)):
        token.used_at = user.phone_verified_at = now
        audit.record(session, "user.phone.verified", actor=principal, target=("user", user.id),
                     phone=user.phone_number)
        return user
    tries = int(token.data.get("tries", 0)) + 1
    token.data = {**token.data, "tries": tries}
    if tries >= MAX_TRIES:
        token.used_at = now
    audit.record(session, "user.phone.code_wrong", actor=principal, target=("user", user.id), tries=tries)
    # The request fails, but the try must count: commit it before the error rolls the rest back.
    session.commit()
    left = MAX_TRIES - tries
    message = f"The code is wrong; {left} {'try' if left == 1 else 'tries'} left."
    raise ValidationFailed("That code is wrong.", errors=[field_error(("body", "code"), message, "code_wrong")])


def remove(session: Session, principal: Principal) -> User:
    user = _user(session, principal)
    if user.phone_number is not None:
        audit.record(session, "user.phone.removed", actor=principal, target=("user", user.id))
    user.phone_number = user.phone_verified_at = None
    return user
