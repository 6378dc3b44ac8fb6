"""Invitations by email: a hashed, expiring token sent to the address; accepting needs that address."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from veriflow.access.deps import check_org_permission, org_role
from veriflow.access.org_scoped import org_page, org_row
from veriflow.access.permissions import ASSIGNABLE_ORG_ROLES, MEMBERS_INVITE, OrgRole
from veriflow.access.principal import Principal
from veriflow.audit import service as audit
from veriflow.core.errors import Conflict, Forbidden, NotFound
from veriflow.core.pagination import Page
from veriflow.core.types import utcnow
from veriflow.identity.opaque import hash_token, new_token
from veriflow.identity.org_models import Invitation, Membership, Organization
from veriflow.identity.user_models import User
from veriflow.messaging.notification import Category
from veriflow.messaging.notify import email_after_commit

INVITATION_TTL = timedelta(days=7)


def invite(session: Session, principal: Principal, org_id: uuid.UUID, email: str, role: OrgRole) -> Invitation:
    """Invites `email` with `role` (one the inviter may assign); an open invitation to the same
    address is replaced. The token goes only to that address."""
    check_org_permission(session, principal, org_id, MEMBERS_INVITE)
    inviter_role = org_role(session, principal, org_id)
    assignable = ASSIGNABLE_ORG_ROLES.get(OrgRole(inviter_role), frozenset()) if inviter_role else frozenset()
    if role not in assignable:
        raise Forbidden("Your role in this organization cannot give that role.",
                        details={"assignable": sorted(r.value for r in assignable)})
    already = session.scalar(
        select(Membership.user_id).join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org_id, User.email == email)
    )
    if already is not None:
        raise Conflict("That address belongs to a member already.")
    now = utcnow()
    session.execute(
        update(Invitation)
        .where(Invitation.org_id == org_id, Invitation.email == email, Invitation.accepted_at.is_(None),
               Invitation.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    token, token_hash = new_token()
    invitation = Invitation(org_id=org_id, email=email, role=role.value, token_hash=token_hash,
                            invited_by=principal.user_id, expires_at=now + INVITATION_TTL)
    session.add(invitation)
    session.flush()
    org = session.get(Organization, org_id)
    assert org is not None
    audit.record(session, "org.member.invited", actor=principal, target=("invitation", invitation.id),
                 org_id=org_id, email=email, role=role.value)
    email_after_commit(
        session, email, template="orgs.invitation", idempotency_key=f"org-invitation:{invitation.id}",
        category=Category.SYSTEM,
        data={"token": token, "org_id": str(org_id), "org_name": org.name, "role": role.value,
              "expires_at": invitation.expires_at.isoformat()},
    )
    return invitation


def list_invitations(
    session: Session, principal: Principal, org_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[Invitation]:
    return org_page(session, principal, org_id, Invitation, MEMBERS_INVITE, limit=limit, cursor=cursor)


def revoke(session: Session, principal: Principal, org_id: uuid.UUID, invitation_id: uuid.UUID) -> Invitation:
    invitation = org_row(session, principal, org_id, Invitation, invitation_id, MEMBERS_INVITE, "No such invitation.")
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit.record(session, "org.invitation.revoked", actor=principal, target=("invitation", invitation.id),
                     org_id=org_id, email=invitation.email)
    return invitation


def accept(session: Session, principal: Principal, token: str) -> tuple[Organization, Membership]:
    """Joins the organization; the signed-in account's verified email must be the invited one."""
    invitation = session.scalars(
        select(Invitation).where(Invitation.token_hash == hash_token(token)).with_for_update()
    ).one_or_none()
    now = utcnow()
    if invitation is None or not _open(invitation, now):
        raise NotFound("No such invitation, or it expired.")
    user = session.get(User, principal.id)
    if user is None or user.email_verified_at is None:
        raise Forbidden("Verify your email address before accepting an invitation.")
    if user.email != invitation.email:
        raise Forbidden("This invitation was sent to another email address.")
    if session.get(Membership, (invitation.org_id, user.id)) is not None:
        raise Conflict("You are a member of this organization already.")
    invitation.accepted_at = now
    membership = Membership(org_id=invitation.org_id, user_id=user.id, role=invitation.role)
    session.add(membership)
    audit.record(session, "org.member.joined", actor=principal, target=("invitation", invitation.id),
                 org_id=invitation.org_id, role=invitation.role)
    org = session.get(Organization, invitation.org_id)
    if org is None:
        raise NotFound("No such invitation, or it expired.")
    return org, membership


def _open(invitation: Invitation, now: datetime) -> bool:
    return invitation.accepted_at is None and invitation.revoked_at is None and invitation.expires_at > now
