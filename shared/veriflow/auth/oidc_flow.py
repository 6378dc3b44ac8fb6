"""OIDC sign-in: remember state, nonce and PKCE verifier; on the callback, verify and link."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession

from veriflow.audit import service as audit
from veriflow.auth import oidc, sessions
from veriflow.auth.welcome import welcome_after_commit
from veriflow.core.db import session_scope
from veriflow.core.errors import Forbidden, Unauthorized
from veriflow.core.types import utcnow
from veriflow.identity.auth_models import OidcLogin, UserIdentity
from veriflow.identity.flow_settings import get_flow_settings
from veriflow.identity.opaque import hash_token
from veriflow.identity.user_models import User

LOGIN_TTL = timedelta(minutes=10)
_BAD_STATE = "The sign-in expired or was not started here; start again."


def redirect_uri(provider: str) -> str:
    return f"{get_flow_settings().public_api_url.rstrip('/')}/v1/auth/oidc/{provider}/callback"


def start(provider: str) -> str:
    """The provider's authorization URL; state, nonce and verifier stay on our side."""
    url, state, nonce, verifier = oidc.start(provider, redirect_uri(provider))
    with session_scope() as db:
        db.add(OidcLogin(provider=provider, state_hash=hash_token(state), nonce=nonce, code_verifier=verifier,
                         redirect_uri=redirect_uri(provider), expires_at=utcnow() + LOGIN_TTL))
    return url


def callback(provider: str, code: str, state: str) -> sessions.TokenPair:
    """Verifies the provider's answer and signs the person in, linking by verified email."""
    with session_scope() as db:
        login = db.scalars(select(OidcLogin).where(OidcLogin.state_hash == hash_token(state))).one_or_none()
        if login is None or login.provider != provider or login.used_at is not None or login.expires_at <= utcnow():
            raise Unauthorized(_BAD_STATE)
        used = db.execute(update(OidcLogin).where(OidcLogin.id == login.id, OidcLogin.used_at.is_(None))
                          .values(used_at=utcnow()).execution_options(synchronize_session=False))
        if used.rowcount != 1:  # type: ignore[attr-defined]
            raise Unauthorized(_BAD_STATE)
        nonce, verifier, uri = login.nonce, login.code_verifier, login.redirect_uri
    identity = oidc.finish(provider, code, verifier, uri, nonce)
    with session_scope() as db:
        user = _user_for(db, provider, identity)
        if user.status != "active":
            raise Forbidden("The account is suspended.")
        pair = sessions.start_session(db, user)
        audit.record(db, "auth.login.succeeded", actor_type="user", actor_id=str(user.id),
                     target=("session", pair.session_id), provider=provider)
        return pair


def _user_for(db: DbSession, provider: str, identity: oidc.OidcIdentity) -> User:
    linked = db.scalars(
        select(User).join(UserIdentity, UserIdentity.user_id == User.id)
        .where(UserIdentity.provider == provider, UserIdentity.subject == identity.sub)
    ).one_or_none()
    if linked is not None:
        return linked
    if not identity.email or not identity.email_verified:
        raise Unauthorized("The provider did not vouch for an email address.")
    email = identity.email.strip().lower()
    user = db.scalars(select(User).where(User.email == email).with_for_update()).one_or_none()
    if user is None:
        user = User(email=email, email_verified_at=utcnow(), display_name=str(identity.claims.get("name", ""))[:100])
        db.add(user)
        db.flush()
        audit.record(db, "auth.register", actor_id=str(user.id), target=("user", user.id), provider=provider)
        welcome_after_commit(db, user)
    elif user.email_verified_at is None:
        # Someone registered this address without proving it: the provider just did, for the
        # person signing in now. The unproven password and its sessions are dropped.
        user.password_hash, user.email_verified_at = None, utcnow()
        sessions.revoke_all(db, user.id, "account_linked")
        welcome_after_commit(db, user)
    db.add(UserIdentity(user_id=user.id, provider=provider, subject=identity.sub, email=email))
    audit.record(db, "auth.identity.linked", actor_id=str(user.id), target=("user", user.id), provider=provider)
    return user
