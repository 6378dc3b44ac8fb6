"""An organization's claim to a domain, proven by a DNS TXT record: claim, check, withdraw."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy.orm import Session

from veriflow.access.deps import check_org_permission
from veriflow.access.permissions import ORG_UPDATE
from veriflow.access.principal import Principal
from veriflow.audit import service as audit
from veriflow.core.db import CommitThenRaise
from veriflow.core.errors import Conflict, NotFound
from veriflow.core.types import utcnow
from veriflow.identity import issuer
from veriflow.identity.org_models import Organization

# Who may change what verifiers are told about the issuer: the holders of org:update (admins and
# owners). No API key scope grants it.
PERMISSION = ORG_UPDATE
PROVEN_ELSEWHERE = "Another organization has proven this domain, and its record is still published."


def claim(session: Session, principal: Principal, org_id: uuid.UUID, domain: str) -> Organization:
    """Claims `domain` with a new token; a claim of another domain resets the proof. The same
    domain again changes nothing (its token, already published, stays)."""
    org = _org(session, principal, org_id)
    if org.domain == domain:
        return org
    previous = org.domain
    org.domain, org.domain_token = domain, secrets.token_hex(16)
    org.domain_proven_at = org.domain_checked_at = org.domain_check_result = None
    audit.record(session, "org.domain.claimed", actor=principal, target=("org", org.id), org_id=org.id,
                 domain=domain, previous=previous)
    return org


def check(session: Session, principal: Principal, org_id: uuid.UUID, resolver: issuer.TxtResolver) -> Organization:
    """Resolves the record now and stores the outcome (an outage is `unavailable`, not `invalid`)."""
    org = _claimed(session, principal, org_id)
    result, taken = issuer.record_check(session, org, resolver, utcnow())
    audit.record(session, "org.domain.checked", actor=principal, target=("org", org.id), org_id=org.id,
                 domain=org.domain, result=result, proven_elsewhere=taken)
    if taken:
        # The outcome and its audit record are kept; the caller is told why the record did not count.
        raise CommitThenRaise(Conflict(PROVEN_ELSEWHERE))
    return org


def remove(session: Session, principal: Principal, org_id: uuid.UUID) -> None:
    org = _claimed(session, principal, org_id)
    audit.record(session, "org.domain.removed", actor=principal, target=("org", org.id), org_id=org.id,
                 domain=org.domain, was_proven=org.domain_proven_at is not None)
    org.domain = org.domain_token = org.domain_proven_at = org.domain_checked_at = org.domain_check_result = None


def _org(session: Session, principal: Principal, org_id: uuid.UUID) -> Organization:
    check_org_permission(session, principal, org_id, PERMISSION)
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound("No such organization.")
    return org


def _claimed(session: Session, principal: Principal, org_id: uuid.UUID) -> Organization:
    org = _org(session, principal, org_id)
    if org.domain is None:
        raise NotFound("This organization claims no domain.")
    return org
