"""/v1/admin: the audit log (audit:read) and organizations' verification (orgs:verify)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from veriflow.access.deps import require
from veriflow.access.limits import per_principal
from veriflow.access.permissions import AUDIT_READ, ORGS_VERIFY
from veriflow.access.principal import Principal
from veriflow.admin import org_verification
from veriflow.admin.schemas import AuditEventPublic, AuditPage, OrgVerificationPublic, VerificationChange
from veriflow.audit import service as audit
from veriflow.core.deps import PageCursor, PageLimit, SessionDep
from veriflow.core.errors import ValidationFailed, field_error
from veriflow.core.fields import DateTimeText
from veriflow.core.routing import APIRouter

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(per_principal)])

Auditor = Annotated[Principal, Depends(require(AUDIT_READ))]
Verifier = Annotated[Principal, Depends(require(ORGS_VERIFY))]


@router.get("/audit-log")
def list_audit_log(
    session: SessionDep,
    _: Auditor,
    action: Annotated[str | None, Query(max_length=64, description="action prefix, e.g. `org.`")] = None,
    actor_id: Annotated[str | None, Query(max_length=64)] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    org_id: uuid.UUID | None = None,
    since: DateTimeText | None = None,
    until: DateTimeText | None = None,
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


@router.post("/orgs/{org_id}/verify")
def verify_org(
    org_id: uuid.UUID, body: VerificationChange, session: SessionDep, admin: Verifier
) -> OrgVerificationPublic:
    """Vouches for the organization's identity: its certificates show a verified issuer, with or
    without a proven domain. Refused to admins who belong to the organization."""
    return OrgVerificationPublic.of(org_verification.verify(session, admin, org_id, body.reason))


@router.delete("/orgs/{org_id}/verify")
def unverify_org(
    org_id: uuid.UUID, body: VerificationChange, session: SessionDep, admin: Verifier
) -> OrgVerificationPublic:
    """Withdraws the verification (a proven domain still speaks for the organization)."""
    return OrgVerificationPublic.of(org_verification.unverify(session, admin, org_id, body.reason))
