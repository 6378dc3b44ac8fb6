"""Organizations, their members and invitations, and the API keys machines use."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from veriflow.core.db import Base
from veriflow.core.types import CreatedMixin, IdMixin, json_column, utcnow


class Organization(IdMixin, CreatedMixin, Base):
    __tablename__ = "organizations"

    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(2000), default="")
    website: Mapped[str | None] = mapped_column(String(2048))
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2, where it issues from
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Issuer identity (veriflow.identity.issuer): a claimed internet domain, proven while the TXT
    # record `_veriflow.<domain>` holds `veriflow-verify=<domain_token>`, and/or a platform admin's word.
    domain: Mapped[str | None] = mapped_column(String(253))  # lower-case A-labels, no trailing dot
    domain_token: Mapped[str | None] = mapped_column(String(64))  # new for every claim
    domain_proven_at: Mapped[datetime | None]  # since when this claim is proven; None while it is not
    domain_checked_at: Mapped[datetime | None]
    domain_check_result: Mapped[str | None] = mapped_column(String(16))  # valid | invalid | unavailable
    verified_at: Mapped[datetime | None]
    verified_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Membership(CreatedMixin, Base):
    """A user's role in an organization: owner, admin, issuer, reviewer or member."""

    __tablename__ = "org_memberships"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))


class Invitation(IdMixin, CreatedMixin, Base):
    """An invitation by email; accepting it needs the token sent to that address."""

    __tablename__ = "org_invitations"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ApiKey(IdMixin, CreatedMixin, Base):
    """A machine credential of an organization: shown once, stored hashed, scoped, expiring."""

    __tablename__ = "org_api_keys"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The visible start of the key (e.g. "vf_live_3kq9x2"), unique, used to find the row.
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = json_column(default=list)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


# One organization per proven domain, but any number of unproven claims: a claim alone must not
# let anyone squat a domain (every account may create organizations) and lock its owner out.
Index("uq_organizations_proven_domain", Organization.domain, unique=True,
      sqlite_where=Organization.domain_proven_at.is_not(None),
      postgresql_where=Organization.domain_proven_at.is_not(None))
Index("ix_org_memberships_user", Membership.user_id)
Index("ix_org_invitations_open", Invitation.org_id, Invitation.email, Invitation.accepted_at)
