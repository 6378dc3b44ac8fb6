"""Writing and reading the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from veriflow.access.principal import Principal
from veriflow.audit.models import AuditEvent
from veriflow.core.observability import current_request
from veriflow.core.pagination import Page, paginate


def record(
    session: Session,
    action: str,
    *,
    actor: Principal | None = None,
    actor_id: str | None = None,
    actor_type: str | None = None,
    target: tuple[str, object] | None = None,
    org_id: uuid.UUID | None = None,
    **details: Any,
) -> AuditEvent:
    """Adds one audit record in the caller's transaction, with the request's IP, agent and id.

    `actor` is the authenticated caller; without one, `actor_id` names who acted (e.g. the
    account a failed login was for) and the actor type is `anonymous`, unless `actor_type` says
    otherwise: `user` once the person proved who they are (a successful sign-in), `system` for what
    the platform does by itself (no `actor_id` then)."""
    request = current_request()
    actor_ref: str | None
    if actor is not None:
        actor_type, actor_ref = actor.audit_actor
    else:
        actor_type, actor_ref = actor_type or "anonymous", actor_id
    event = AuditEvent(
        action=action,
        actor_type=actor_type,
        actor_id=actor_ref,
        org_id=org_id if org_id is not None else (actor.org_id if actor else None),
        target_type=target[0] if target else None,
        target_id=str(target[1]) if target else None,
        ip=request.ip,
        user_agent=request.user_agent,
        request_id=request.request_id,
        details=details,
    )
    session.add(event)
    return event


def search(
    session: Session,
    *,
    action: str | None = None,
    actor_id: str | None = None,
    target_id: str | None = None,
    org_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[AuditEvent]:
    """Newest first; every filter optional; `action` matches a prefix (`auth.` finds all auth)."""
    query: Select[tuple[AuditEvent]] = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if target_id:
        query = query.where(AuditEvent.target_id == target_id)
    if org_id:
        query = query.where(AuditEvent.org_id == org_id)
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    return paginate(session, query, AuditEvent.at, AuditEvent.id, limit=limit, cursor=cursor)
