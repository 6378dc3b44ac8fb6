"""What the users routes accept and return."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from veriflow.identity.emails import Email
from veriflow.identity.passwords import NewPassword, Password

if TYPE_CHECKING:
    from veriflow.identity.user_models import User

DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MeUpdate(_In):
    display_name: DisplayName | None = None


class PasswordChange(_In):
    current_password: Password
    new_password: NewPassword


class EmailChange(_In):
    new_email: Email
    password: Password | None = None  # required when the account has a password


class PhoneSet(_In):
    phone_number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+[1-9][0-9]{6,14}$")] = Field(
        description="E.164, e.g. +33612345678"
    )


class PhoneVerify(_In):
    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")]


class SuspendRequest(_In):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class UserPublic(BaseModel):
    """An account as its owner sees it."""

    id: uuid.UUID
    email: str
    email_verified: bool
    display_name: str
    status: str
    roles: list[str]
    created_at: datetime
    phone_number: str | None = None
    phone_verified: bool = False

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(id=user.id, email=user.email, email_verified=user.email_verified_at is not None,
                   display_name=user.display_name, status=user.status, roles=roles_of(user.role_names),
                   created_at=user.created_at, phone_number=user.phone_number,
                   phone_verified=user.phone_verified_at is not None)


class UserAdminPublic(UserPublic):
    """An account as platform admins see it."""

    suspended_reason: str | None
    locked_until: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, user: User) -> UserAdminPublic:
        return cls(id=user.id, email=user.email, email_verified=user.email_verified_at is not None,
                   display_name=user.display_name, status=user.status, roles=roles_of(user.role_names),
                   created_at=user.created_at, suspended_reason=user.suspended_reason,
                   locked_until=user.locked_until, updated_at=user.updated_at)


class UserPage(BaseModel):
    data: list[UserAdminPublic]
    next_cursor: str | None


class Accepted(BaseModel):
    status: str = "accepted"


def roles_of(role_names: set[str]) -> list[str]:
    """Every account is a member; the other platform roles are granted."""
    return sorted({"member", *role_names})
