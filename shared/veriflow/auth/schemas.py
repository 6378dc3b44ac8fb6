"""Request and response bodies of the auth group."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from veriflow.identity.emails import Email
from veriflow.identity.passwords import NewPassword


class EmailIn(BaseModel):
    email: Email


class RegisterIn(EmailIn):
    # Length and commonness are checked by the password policy (with a clear reason), not here.
    password: NewPassword
    display_name: str = Field(default="", max_length=100)


class LoginIn(EmailIn):
    password: str = Field(max_length=1024)
    # Browsers: the refresh token goes in an httpOnly cookie instead of the body.
    refresh_token_in_cookie: bool = False


class RefreshIn(BaseModel):
    refresh_token: str | None = Field(default=None, max_length=512)
    refresh_token_in_cookie: bool = False


class TokenIn(BaseModel):
    token: str = Field(min_length=10, max_length=512)


class ResetPasswordIn(TokenIn):
    password: NewPassword


class TokenPairPublic(BaseModel):
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    access_token: str
    expires_in: int
    expires_at: datetime
    refresh_token: str | None = None
    refresh_expires_at: datetime
    session_id: uuid.UUID


class AcceptedPublic(BaseModel):
    """The same answer whether or not the address has an account."""

    status: str = "accepted"
    message: str


class SessionPublic(BaseModel):
    id: uuid.UUID
    ip: str | None
    user_agent: str | None
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    current: bool


class SessionsPublic(BaseModel):
    data: list[SessionPublic]
    next_cursor: str | None = None


class OidcStartPublic(BaseModel):
    authorization_url: str
