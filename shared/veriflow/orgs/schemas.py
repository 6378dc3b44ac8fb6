"""What the organization routes accept and return."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints, WithJsonSchema, field_validator
from pydantic.json_schema import SkipJsonSchema

from veriflow.access.permissions import API_KEY_SCOPES, OrgRole
from veriflow.core.fields import omittable
from veriflow.identity.emails import Email
from veriflow.orgs.domain_schemas import OrgDomainPublic

if TYPE_CHECKING:
    from veriflow.identity.org_models import ApiKey, Invitation, Membership, Organization
    from veriflow.identity.user_models import User

# pattern: at least one character that is not white space (what is left once stripped).
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120, pattern=r"\S")]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Country = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrgCreate(_In):
    name: Name
    description: Description = ""
    website: HttpUrl | None = None
    country: Country | None = Field(default=None, description="ISO 3166-1 alpha-2 code of where it issues from")


class OrgUpdate(_In):
    # Optional, but never null: SkipJsonSchema keeps `null` out of the published schema too.
    name: Name | SkipJsonSchema[None] = omittable()
    description: Description | SkipJsonSchema[None] = omittable()
    website: HttpUrl | None = None  # null clears it
    country: Country | None = None  # null clears it

    @field_validator("name", "description")
    @classmethod
    def _not_cleared(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("This field cannot be null.")
        return value


class OrgPublic(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    description: str
    website: str | None
    country: str | None = Field(description="ISO 3166-1 alpha-2 code of where it issues from")
    created_at: datetime
    role: str | None = Field(description="the caller's role in it (none for an API key)")
    domain: OrgDomainPublic | None = Field(description="the domain it claims as its issuer identity, if any")
    verified: bool = Field(description="a platform admin verified the organization's identity")
    verified_at: datetime | None

    @classmethod
    def of(cls, org: Organization, role: str | None) -> OrgPublic:
        return cls(id=org.id, name=org.name, slug=org.slug, description=org.description, website=org.website,
                   country=org.country, created_at=org.created_at, role=role, domain=OrgDomainPublic.of(org),
                   verified=org.verified_at is not None, verified_at=org.verified_at)


class OrgPage(BaseModel):
    data: list[OrgPublic]
    next_cursor: str | None


class MemberUpdate(_In):
    role: OrgRole


class MemberPublic(BaseModel):
    user_id: uuid.UUID
    email: str
    display_name: str
    role: str
    joined_at: datetime

    @classmethod
    def of(cls, membership: Membership, user: User) -> MemberPublic:
        return cls(user_id=user.id, email=user.email, display_name=user.display_name, role=membership.role,
                   joined_at=membership.created_at)


class MemberPage(BaseModel):
    data: list[MemberPublic]
    next_cursor: str | None


class InvitationCreate(_In):
    email: Email
    role: OrgRole = OrgRole.MEMBER


class InvitationAccept(_In):
    token: Annotated[str, StringConstraints(min_length=16, max_length=200)]


class InvitationPublic(BaseModel):
    id: uuid.UUID
    email: str
    role: str
    invited_by: uuid.UUID | None
    created_at: datetime
    expires_at: datetime
    status: str = Field(description="pending, accepted, revoked or expired")

    @classmethod
    def of(cls, invitation: Invitation, now: datetime) -> InvitationPublic:
        if invitation.accepted_at is not None:
            state = "accepted"
        elif invitation.revoked_at is not None:
            state = "revoked"
        elif invitation.expires_at <= now:
            state = "expired"
        else:
            state = "pending"
        return cls(id=invitation.id, email=invitation.email, role=invitation.role, invited_by=invitation.invited_by,
                   created_at=invitation.created_at, expires_at=invitation.expires_at, status=state)


class InvitationPage(BaseModel):
    data: list[InvitationPublic]
    next_cursor: str | None


class ApiKeyCreate(_In):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    # The service refuses scopes outside the list (422, the same detail shape).
    scopes: list[Annotated[str, WithJsonSchema({"type": "string", "enum": sorted(API_KEY_SCOPES)})]] = Field(
        min_length=1, description="a subset of the scopes the caller holds in the organization")
    expires_in_days: int = Field(default=90, ge=1, le=365)


class ApiKeyPublic(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyPublic:
        return cls(id=key.id, name=key.name, prefix=key.prefix, scopes=sorted(key.scopes), created_at=key.created_at,
                   expires_at=key.expires_at, last_used_at=key.last_used_at, revoked_at=key.revoked_at)


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="the full key: shown this once, never again")


class ApiKeyPage(BaseModel):
    data: list[ApiKeyPublic]
    next_cursor: str | None
