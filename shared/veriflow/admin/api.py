"""/v1/admin: the audit log, for holders of audit:read."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query

from veriflow.access.deps import require
from veriflow.access.limits import per_principal
from veriflow.access.permissions import AUDIT_READ
from veriflow.access.principal import Principal
from veriflow.admin.schemas import AuditEventPublic, AuditPage
from veriflow.audit import service as audit
from veriflow.core.deps import PageCursor, PageLimit, SessionDep
from veriflow.core.errors import ValidationFailed, field_error
from veriflow.core.routing import APIRouter

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(per_principal)])

Auditor = Annotated[Principal, Depends(require(AUDIT_READ))]


@router.get("/audit-log")
def list_audit_log(
    session: SessionDep,
    _: Auditor,
    action: Annotated[str | None, Query(max_length=64, description="action prefix, e.g. `org.`")] = None,
    actor_id: Annotated[str | None, Query(max_length=64)] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    org_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> AuditPage:
    """Newest first; every filter optional; since is inclusive, until exclusive."""
    naive = [name for name, moment in (("since", since), ("until", until)) if moment and moment.tzinfo is None]
    if naive:
        raise ValidationFailed("The since and until filters need a UTC offset.", errors=[
            field_error(("query", name), "The time needs a UTC offset, e.g. 2026-01-01T00:00:00Z.", "timezone_required")
            for name in naive])
    page = audit.search(session, action=action, actor_id=actor_id, target_id=target_id, org_id=org_id,
                        since=since, until=until, limit=limit, cursor=cursor)
    return AuditPage(data=[AuditEventPublic.of(event) for event in page.items], next_cursor=page.next_cursor)
