"""Accounts and their platform roles."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from veriflow.core.db import Base
from veriflow.core.types import CreatedMixin, IdMixin, utcnow


class User(IdMixin, CreatedMixin, Base):
    __tablename__ = "users"

    # Stored normalised (trimmed, lower-cased); uniqueness is on this form.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    email_verified_at: Mapped[datetime | None]
    # Null for accounts that only ever signed in through an OIDC provider.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None]
    display_name: Mapped[str] = mapped_column(String(100), default="")
    # E.164; SMS goes only to a number proven by a code sent to it.
    phone_number: Mapped[str | None] = mapped_column(String(16))
    phone_verified_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | suspended
    suspended_reason: Mapped[str | None] = mapped_column(String(500))
    # Lockout is counted per address in auth_login_failures; `locked_until` mirrors a lock for
    # administrators. The two counters below are no longer written (dropped in a later release).
    failed_logins: Mapped[int] = mapped_column(default=0)
    failed_window_started_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def role_names(self) -> set[str]:
        return {role.role for role in self.roles}


class UserRole(Base):
    """A platform role beyond `member` (which every account has): reviewer, admin, superadmin."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    granted_by: Mapped[uuid.UUID | None]
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")


Index("ix_users_created_id", User.created_at, User.id)
