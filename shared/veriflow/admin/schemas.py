"""What the admin routes return."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from veriflow.audit.models import AuditEvent


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
