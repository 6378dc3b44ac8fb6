"""A platform admin vouches for an organization's identity as an issuer, or withdraws it."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from veriflow.access.deps import org_role
from veriflow.access.principal import Principal
from veriflow.audit import service as audit
from veriflow.core.errors import Forbidden, NotFound
from veriflow.core.types import utcnow
from veriflow.identity.org_models import Organization


def verify(session: Session, principal: Principal, org_id: uuid.UUID, reason: str) -> Organization:
    """Marks the organization verified (once: a second call changes nothing). An admin who belongs
    to the organization may not: nobody vouches for themselves."""
    org = _org(session, org_id)
    if org_role(session, principal, org_id) is not None:
        raise Forbidden("You cannot verify an organization you belong to.")
    if org.verified_at is None:
        org.verified_at, org.verified_by = utcnow(), principal.user_id
        audit.record(session, "org.verified", actor=principal, target=("org", org.id), org_id=org.id, reason=reason)
    return org


def unverify(session: Session, principal: Principal, org_id: uuid.UUID, reason: str) -> Organization:
    """Withdraws the verification; the organization's domain, if proven, still speaks for it."""
    org = _org(session, org_id)
    if org.verified_at is not None:
        audit.record(session, "org.unverified", actor=principal, target=("org", org.id), org_id=org.id,
                     reason=reason, verified_by=str(org.verified_by) if org.verified_by else None)
        org.verified_at = org.verified_by = None
    return org


def _org(session: Session, org_id: uuid.UUID) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound("No such organization.")
    return org
