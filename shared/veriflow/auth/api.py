"""The auth group: /v1/auth/... and /.well-known/jwks.json."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Body, Cookie, Response, params, status
from sqlalchemy.orm import Session as DbSession

from veriflow.access.deps import CurrentUser
from veriflow.auth import service, sessions
from veriflow.auth.schemas import (
    AcceptedPublic,
    EmailIn,
    LoginIn,
    RefreshIn,
    RegisterIn,
    ResetPasswordIn,
    SessionPublic,
    SessionsPublic,
    TokenIn,
    TokenPairPublic,
)
from veriflow.core.deps import SessionDep
from veriflow.core.errors import NotFound, Unauthorized
from veriflow.core.ratelimit import per_ip
from veriflow.core.routing import APIRouter
from veriflow.identity.flow_settings import get_flow_settings

router = APIRouter(prefix="/v1/auth", tags=["auth"])
jwks_router = APIRouter(tags=["auth"])



def _limited(name: str) -> list[params.Depends]:
    return [per_ip(lambda: get_flow_settings().limit(name))]


def token_response(response: Response, pair: sessions.TokenPair, in_cookie: bool) -> TokenPairPublic:
    settings = get_flow_settings()
    if in_cookie:
        response.set_cookie(
            settings.refresh_cookie_name, pair.refresh_token, httponly=True, secure=True, samesite="strict",
            path="/v1/auth", expires=pair.refresh_expires_at,
        )
    response.headers["cache-control"] = "no-store"
    expires_in = int((pair.access_expires_at - datetime.now(UTC)).total_seconds())
    return TokenPairPublic(
        access_token=pair.access_token, expires_in=max(0, expires_in), expires_at=pair.access_expires_at,
        refresh_token=None if in_cookie else pair.refresh_token, refresh_expires_at=pair.refresh_expires_at,
        session_id=pair.session_id,
    )


@router.post("/register", status_code=status.HTTP_202_ACCEPTED, dependencies=_limited("register"))
def register(body: RegisterIn) -> AcceptedPublic:
    """Creates an account and emails a verification link. The answer is the same for an address
    that already has an account (its owner is told by email instead)."""
    service.register(body.email, body.password, body.display_name)
    return AcceptedPublic(message="Check your inbox to verify the address.")


@router.post("/login", dependencies=_limited("login"))
def login(body: LoginIn, response: Response) -> TokenPairPublic:
    """Access token (15 min) and refresh token (30 days, rotated on every use)."""
    return token_response(response, service.login(body.email, body.password), body.refresh_token_in_cookie)


@router.post("/refresh")
def refresh(
    response: Response,
    body: Annotated[RefreshIn | None, Body()] = None,
    vf_refresh: Annotated[str | None, Cookie()] = None,
) -> TokenPairPublic:
    """Rotates the refresh token (body, or the httpOnly cookie for browsers, with no body at all)."""
    body = body or RefreshIn()
    presented = body.refresh_token or vf_refresh
    if not presented:
        raise Unauthorized("A refresh token is needed, in the body or the refresh cookie.")
    in_cookie = body.refresh_token_in_cookie or (body.refresh_token is None and vf_refresh is not None)
    return token_response(response, service.refresh(presented), in_cookie)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(principal: CurrentUser, db: SessionDep, response: Response) -> None:
    """Ends this session: its refresh token stops working at once."""
    _revoke(db, principal.id, principal.session_id, "logout")
    response.delete_cookie(get_flow_settings().refresh_cookie_name, path="/v1/auth", secure=True, httponly=True,
                           samesite="strict")


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT)
def logout_all(principal: CurrentUser, db: SessionDep, response: Response) -> None:
    """Ends every session of the account, this one included."""
    sessions.revoke_all(db, principal.id, "logout_all")
    response.delete_cookie(get_flow_settings().refresh_cookie_name, path="/v1/auth", secure=True, httponly=True,
                           samesite="strict")


@router.get("/sessions")
def list_sessions(principal: CurrentUser, db: SessionDep) -> SessionsPublic:
    """The account's signed-in devices, most recently used first."""
    return SessionsPublic(data=[
        SessionPublic(id=s.id, ip=s.ip, user_agent=s.user_agent, created_at=s.created_at,
                      last_seen_at=s.last_seen_at, expires_at=s.expires_at, current=s.id == principal.session_id)
        for s in sessions.live_sessions(db, principal.id)
    ])


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_session(session_id: uuid.UUID, principal: CurrentUser, db: SessionDep) -> None:
    """Signs one device out; another account's session is 404."""
    _revoke(db, principal.id, session_id, "revoked_by_user")


def _revoke(db: DbSession, user_id: uuid.UUID, session_id: uuid.UUID | None, reason: str) -> None:
    from veriflow.identity.auth_models import Session

    session = db.get(Session, session_id) if session_id else None
    if session is None or session.user_id != user_id:
        raise NotFound("No such session.")
    sessions.revoke(db, session, reason)


@router.post("/verify-email", status_code=status.HTTP_204_NO_CONTENT)
def verify_email(body: TokenIn) -> None:
    """Confirms the address the link was sent to (registration or email change)."""
    service.verify_email(body.token)


@router.post("/verify-email/resend", status_code=status.HTTP_202_ACCEPTED, dependencies=_limited("forgot"))
def resend_verification(body: EmailIn) -> AcceptedPublic:
    service.resend_verification(body.email)
    return AcceptedPublic(message="If the address has an unverified account, a new link is on its way.")


@router.post("/password/forgot", status_code=status.HTTP_202_ACCEPTED, dependencies=_limited("forgot"))
def forgot_password(body: EmailIn) -> AcceptedPublic:
    """Emails a reset link (30 minutes, single use). Same answer for unknown addresses."""
    service.forgot_password(body.email)
    return AcceptedPublic(message="If the address has an account, a reset link is on its way.")


@router.post("/password/reset", status_code=status.HTTP_204_NO_CONTENT)
def reset_password(body: ResetPasswordIn) -> None:
    """Sets a new password with the emailed token; every session of the account ends."""
    service.reset_password(body.token, body.password)


@jwks_router.get("/.well-known/jwks.json")
def jwks(response: Response) -> dict[str, list[dict[str, str]]]:
    """The public keys that verify access tokens (every key whose tokens may still be live)."""
    from veriflow.identity.keys import jwks as live_keys

    response.headers["cache-control"] = "public, max-age=300"
    return live_keys()
