"""Accounts: the owner's profile, password and email; platform administration of users and roles."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from veriflow.access.permissions import SUPERADMIN_ASSIGN, PlatformRole
from veriflow.access.principal import Principal
from veriflow.audit import service as audit
from veriflow.core.db import CommitThenRaise
from veriflow.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, field_error
from veriflow.core.pagination import Page, paginate
from veriflow.core.types import utcnow
from veriflow.credentials import lockout
from veriflow.identity.auth_models import OneTimeToken
from veriflow.identity.auth_models import Session as AuthSession
from veriflow.identity.emails import normalise_email
from veriflow.identity.opaque import new_token
from veriflow.identity.passwords import check_password, hash_password, password_errors, verify_password
from veriflow.identity.user_models import User, UserRole
from veriflow.messaging.notification import Category
from veriflow.messaging.notify import email_after_commit

CHANGE_EMAIL = "change_email"
CHANGE_EMAIL_TTL = timedelta(hours=24)
# Roles an admin grants; `member` is every account's and is never stored.
GRANTABLE_ROLES = frozenset({PlatformRole.REVIEWER, PlatformRole.ADMIN, PlatformRole.SUPERADMIN})
_ADMIN_ROLES = frozenset({PlatformRole.ADMIN.value, PlatformRole.SUPERADMIN.value})


def get_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def update_profile(session: Session, principal: Principal, *, display_name: str | None) -> User:
    user = get_user(session, _user_id(principal))
    if display_name is not None:
        user.display_name = display_name
    return user


def change_password(session: Session, principal: Principal, current: str, new: str) -> User:
    """Needs the current password; the new one must pass the policy. Every other session ends."""
    user = get_user(session, _user_id(principal))
    _recheck_password(session, principal, user, current, field="current_password", route="change_password")
    if problems := check_password(new, email=user.email):
        raise ValidationFailed("The new password is not acceptable.",
                               errors=password_errors("new_password", problems))
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    revoked = _revoke_sessions(session, user.id, "password_changed", keep=principal.session_id)
    audit.record(session, "user.password.changed", actor=principal, target=("user", user.id),
                 sessions_revoked=revoked)
    return user


def request_email_change(session: Session, principal: Principal, new_email: str, password: str | None) -> None:
    """Sends a confirmation token to the new address; auth's confirmation route applies the change.

    The answer is the same whether or not the address is taken, so this route cannot be used to
    find out who has an account; a taken address just gets no message."""
    user = get_user(session, _user_id(principal))
    if user.password_hash is not None:
        if password is None:
            raise Forbidden("The password is wrong.", details={"password": "wrong"})
        _recheck_password(session, principal, user, password, field="password", route="change_email")
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise ValidationFailed("That is already the account's address.", errors=[
            field_error(("body", "new_email"), "The new address is the current one.", "email_unchanged")])
    now = utcnow()
    # A newer request replaces any earlier one still open.
    session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.user_id == user.id, OneTimeToken.purpose == CHANGE_EMAIL, OneTimeToken.used_at.is_(None))
        .values(used_at=now)
    )
    taken = session.scalar(select(User.id).where(User.email == new_email)) is not None
    audit.record(session, "user.email_change.requested", actor=principal, target=("user", user.id), taken=taken)
    if taken:
        return
    token, token_hash = new_token()
    row = OneTimeToken(user_id=user.id, purpose=CHANGE_EMAIL, token_hash=token_hash,
                       expires_at=now + CHANGE_EMAIL_TTL, data={"email": new_email})
    session.add(row)
    session.flush()
    email_after_commit(
        session, new_email, template="auth.change_email", idempotency_key=f"change-email:{row.id}",
        category=Category.SECURITY, priority="critical",
        data={"token": token, "user_id": str(user.id), "expires_at": row.expires_at.isoformat()},
    )


def search_users(
    session: Session,
    *,
    email_prefix: str | None = None,
    status: str | None = None,
    role: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[User]:
    """Newest first. Roles come with the page in one more query (selectin), whatever its size."""
    query: Select[tuple[User]] = select(User)
    if email_prefix:
        query = query.where(User.email.startswith(email_prefix.strip().lower(), autoescape=True))
    if status:
        query = query.where(User.status == status)
    if role and role != PlatformRole.MEMBER:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    return paginate(session, query, User.created_at, User.id, limit=limit, cursor=cursor)


def suspend(session: Session, principal: Principal, user_id: uuid.UUID, reason: str) -> User:
    """Suspends the account and ends every session: its access tokens stop working at once."""
    user = get_user(session, user_id)
    if user.id == principal.user_id:
        raise Forbidden("You cannot suspend your own account.")
    if PlatformRole.SUPERADMIN in user.role_names and SUPERADMIN_ASSIGN not in principal.permissions:
        raise Forbidden(f"This needs the {SUPERADMIN_ASSIGN} permission.", details={"permission": SUPERADMIN_ASSIGN})
    user.status, user.suspended_reason = "suspended", reason
    revoked = _revoke_sessions(session, user.id, "suspended")
    audit.record(session, "user.suspended", actor=principal, target=("user", user.id), reason=reason,
                 sessions_revoked=revoked)
    return user


def unsuspend(session: Session, principal: Principal, user_id: uuid.UUID) -> User:
    user = get_user(session, user_id)
    if user.status == "suspended":
        user.status, user.suspended_reason = "active", None
        audit.record(session, "user.unsuspended", actor=principal, target=("user", user.id))
    return user


def assign_role(session: Session, principal: Principal, user_id: uuid.UUID, role: str) -> User:
    """Grants a platform role (idempotent); superadmin only by holders of roles:assign_superadmin."""
    role = _grantable(principal, role)
    user = get_user(session, user_id)
    if role not in user.role_names:
        user.roles.append(UserRole(role=role, granted_by=principal.user_id))
        audit.record(session, "user.role.granted", actor=principal, target=("user", user.id), role=role)
    return user


def remove_role(session: Session, principal: Principal, user_id: uuid.UUID, role: str) -> User:
    """Takes a platform role away (idempotent); nobody removes their own admin role."""
    role = _grantable(principal, role)
    user = get_user(session, user_id)
    if user.id == principal.user_id and role in _ADMIN_ROLES:
        raise Forbidden("You cannot remove your own admin role.")
    held = [granted for granted in user.roles if granted.role == role]
    if held:
        for granted in held:
            user.roles.remove(granted)
        audit.record(session, "user.role.revoked", actor=principal, target=("user", user.id), role=role)
    return user


def seed_superadmin(session: Session, email: str, password: str) -> User:
    """The first superadmin, for the command line. Idempotent: an existing account keeps its
    password and gets the role (and a verified email) if it lacks them."""
    email = normalise_email(email)
    user = session.scalars(select(User).where(User.email == email)).one_or_none()
    now = utcnow()
    if user is None:
        if problems := check_password(password, email=email):
            raise ValidationFailed("The password is not acceptable.", errors=password_errors("password", problems))
        user = User(email=email, email_verified_at=now, password_hash=hash_password(password),
                    password_changed_at=now, display_name="")
        session.add(user)
        session.flush()
    elif PlatformRole.SUPERADMIN in user.role_names and user.email_verified_at is not None:
        return user
    if user.email_verified_at is None:
        user.email_verified_at = now
    if PlatformRole.SUPERADMIN not in user.role_names:
        user.roles.append(UserRole(role=PlatformRole.SUPERADMIN.value))
    audit.record(session, "user.superadmin.seeded", actor_type="system", target=("user", user.id))
    return user


def _recheck_password(session: Session, principal: Principal, user: User, password: str, *, field: str,
                      route: str) -> None:
    """A signed-in route asking for the password again: a wrong one counts toward the sign-in
    lockout of the account's address (and is audited, although the request fails), and while the
    address is locked even the right one is refused."""
    now = utcnow()
    if (refused := lockout.locked(session, user.email, now)) is not None:
        audit.record(session, "user.password.check_failed", actor=principal, target=("user", user.id), route=route,
                     reason="locked")
        raise CommitThenRaise(refused)
    if user.password_hash is not None and verify_password(user.password_hash, password):
        lockout.clear(session, user.email, user.id)
        return
    lockout.count_failure(session, user.email, now, user_id=user.id, action="user.password.check_failed",
                          reason="bad_password", actor_type=principal.kind, route=route)
    raise CommitThenRaise(Forbidden(f"The {field.replace('_', ' ')} is wrong.", details={field: "wrong"}))


def _grantable(principal: Principal, role: str) -> str:
    if role not in {r.value for r in GRANTABLE_ROLES}:
        raise NotFound("No such role.", details={"grantable": sorted(r.value for r in GRANTABLE_ROLES)})
    if role == PlatformRole.SUPERADMIN and SUPERADMIN_ASSIGN not in principal.permissions:
        raise Forbidden(f"This needs the {SUPERADMIN_ASSIGN} permission.", details={"permission": SUPERADMIN_ASSIGN})
    return role


def _revoke_sessions(session: Session, user_id: uuid.UUID, reason: str, *, keep: uuid.UUID | None = None) -> int:
    query = update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    result = session.execute(query.values(revoked_at=utcnow(), revoked_reason=reason))
    return int(getattr(result, "rowcount", 0) or 0)


def _user_id(principal: Principal) -> uuid.UUID:
    if principal.user_id is None:
        raise Conflict("This needs a signed-in user.")
    return principal.user_id
