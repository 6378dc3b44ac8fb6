"""One row per privileged or security action: who, what, to what, from where, when."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from veriflow.core.db import Base
from veriflow.core.types import IdMixin, json_column, utcnow


class AuditEvent(IdMixin, Base):
    __tablename__ = "audit_log"

    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(64))  # e.g. auth.login.failed, org.api_key.created
    actor_type: Mapped[str] = mapped_column(String(16))  # user | api_key | system | anonymous
    actor_id: Mapped[str | None] = mapped_column(String(64))
    org_id: Mapped[uuid.UUID | None]
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    request_id: Mapped[str | None] = mapped_column(String(128))
    details: Mapped[dict[str, Any]] = json_column(default=dict)


Index("ix_audit_log_at_id", AuditEvent.at, AuditEvent.id)
Index("ix_audit_log_action_at", AuditEvent.action, AuditEvent.at)
Index("ix_audit_log_actor_at", AuditEvent.actor_id, AuditEvent.at)
Index("ix_audit_log_org_at", AuditEvent.org_id, AuditEvent.at)
