"""What the admin routes accept and return."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from veriflow.identity import issuer

if TYPE_CHECKING:
    from veriflow.audit.models import AuditEvent
    from veriflow.identity.org_models import Organization


class AuditEventPublic(BaseModel):
    id: uuid.UUID
    at: datetime
    action: str
    actor_type: str
    actor_id: str | None
    org_id: uuid.UUID | None
    target_type: str | None
    target_id: str | None
    ip: str | None
    user_agent: str | None
    request_id: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventPublic:
        return cls(id=event.id, at=event.at, action=event.action, actor_type=event.actor_type, actor_id=event.actor_id,
                   org_id=event.org_id, target_type=event.target_type, target_id=event.target_id, ip=event.ip,
                   user_agent=event.user_agent, request_id=event.request_id, details=event.details or {})


class AuditPage(BaseModel):
    data: list[AuditEventPublic]
    next_cursor: str | None


class VerificationChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] = Field(
        description="why (what was checked, or what changed): kept in the audit log")


class OrgVerificationPublic(BaseModel):
    org_id: uuid.UUID
    name: str
    slug: str
    verified: bool
    verified_at: datetime | None
    verified_by: uuid.UUID | None
    domain: str | None
    domain_status: issuer.DomainStatus = Field(description="the claim's status as last checked")

    @classmethod
    def of(cls, org: Organization) -> OrgVerificationPublic:
        return cls(org_id=org.id, name=org.name, slug=org.slug, verified=org.verified_at is not None,
                   verified_at=org.verified_at, verified_by=org.verified_by, domain=org.domain,
                   domain_status=issuer.domain_status(org))
