"""Organizations and their members: every read and write checked against the caller's membership."""

from __future__ import annotations

import re
import secrets
import unicodedata
import uuid

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from veriflow.access.deps import check_org_permission, org_role
from veriflow.access.permissions import (
    ASSIGNABLE_ORG_ROLES,
    MEMBERS_MANAGE,
    MEMBERS_READ,
    ORG_READ,
    ORG_UPDATE,
    OrgRole,
)
from veriflow.access.principal import Principal
from veriflow.audit import service as audit
from veriflow.core.errors import Conflict, Forbidden, NotFound
from veriflow.core.pagination import Page, paginate
from veriflow.identity.org_models import Membership, Organization
from veriflow.identity.user_models import User

SLUG_MAX = 56  # leaves room for a "-<n>" suffix within the column's 64


def create(session: Session, principal: Principal, *, name: str, description: str, website: str | None,
           country: str | None = None) -> Organization:
    """A new organization with the caller as its owner, under a slug made unique from its name."""
    assert principal.user_id is not None
    base = slugify(name)
    org = Organization(name=name, slug=_free_slug(session, base), description=description, website=website,
                       country=country, created_by=principal.user_id)
    try:
        with session.begin_nested():
            session.add(org)
            session.flush()
    except IntegrityError:
        # Another request took the same slug between our check and our insert.
        org.slug = f"{base}-{secrets.token_hex(3)}"
        session.add(org)
        session.flush()
    session.add(Membership(org_id=org.id, user_id=principal.user_id, role=OrgRole.OWNER.value))
    audit.record(session, "org.created", actor=principal, target=("org", org.id), org_id=org.id, slug=org.slug)
    return org


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:SLUG_MAX].strip("-")
    return slug or "org"


def _free_slug(session: Session, base: str) -> str:
    taken = set(session.scalars(
        select(Organization.slug).where(or_(Organization.slug == base, Organization.slug.like(f"{base}-%")))
    ))
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


def list_mine(
    session: Session, principal: Principal, *, limit: int, cursor: str | None
) -> Page[tuple[Organization, str | None]]:
    """The caller's organizations with the caller's role in each, in two queries whatever the page size.
    An API key sees the one organization it belongs to."""
    if principal.kind == "api_key":
        assert principal.org_id is not None
        return Page([(get(session, principal, principal.org_id), None)], None)
    query: Select[tuple[Organization]] = select(Organization)
    query = query.where(Organization.id.in_(select(Membership.org_id).where(Membership.user_id == principal.id)))
    page = paginate(session, query, Organization.created_at, Organization.id, limit=limit, cursor=cursor)
    roles: dict[uuid.UUID, str] = {}
    if page.items:
        rows = session.execute(select(Membership.org_id, Membership.role).where(
            Membership.user_id == principal.id, Membership.org_id.in_([org.id for org in page.items])
        ))
        roles = {row.org_id: row.role for row in rows}
    return Page([(org, roles.get(org.id)) for org in page.items], page.next_cursor)


def get(session: Session, principal: Principal, org_id: uuid.UUID) -> Organization:
    check_org_permission(session, principal, org_id, ORG_READ)
    return _org(session, org_id)


def role_of(session: Session, principal: Principal, org_id: uuid.UUID) -> str | None:
    return org_role(session, principal, org_id)


def update(session: Session, principal: Principal, org_id: uuid.UUID, changes: dict[str, object]) -> Organization:
    check_org_permission(session, principal, org_id, ORG_UPDATE)
    org = _org(session, org_id)
    changed = {name: value for name, value in changes.items() if getattr(org, name) != value}
    for name, value in changed.items():
        setattr(org, name, value)
    if changed:
        audit.record(session, "org.updated", actor=principal, target=("org", org.id), org_id=org.id,
                     fields=sorted(changed))
    return org


def list_members(
    session: Session, principal: Principal, org_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[tuple[Membership, User]]:
    """Members, newest first, with their accounts: two queries whatever the page size."""
    check_org_permission(session, principal, org_id, MEMBERS_READ)
    query: Select[tuple[Membership]] = select(Membership)
    query = query.where(Membership.org_id == org_id)
    page = paginate(session, query, Membership.created_at, Membership.user_id, limit=limit, cursor=cursor)
    ids = [membership.user_id for membership in page.items]
    users = {user.id: user for user in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return Page([(membership, users[membership.user_id]) for membership in page.items], page.next_cursor)


def change_member_role(
    session: Session, principal: Principal, org_id: uuid.UUID, user_id: uuid.UUID, role: OrgRole
) -> tuple[Membership, User]:
    """Owners assign any role, admins the roles below owner; the last owner keeps the role."""
    actor_role = _manager_role(session, principal, org_id)
    membership = _membership(session, org_id, user_id)
    _may_manage(actor_role, membership.role, role.value)
    if membership.role != role.value:
        if membership.role == OrgRole.OWNER:
            _keep_an_owner(session, org_id)
        audit.record(session, "org.member.role_changed", actor=principal, target=("user", user_id), org_id=org_id,
                     old_role=membership.role, new_role=role.value)
        membership.role = role.value
    return membership, _user(session, user_id)


def remove_member(session: Session, principal: Principal, org_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """A manager removes a member below their rank; anyone may leave. The last owner stays."""
    if principal.user_id == user_id:
        check_org_permission(session, principal, org_id, ORG_READ)
        membership = _membership(session, org_id, user_id)
    else:
        actor_role = _manager_role(session, principal, org_id)
        membership = _membership(session, org_id, user_id)
        _may_manage(actor_role, membership.role, None)
    if membership.role == OrgRole.OWNER:
        _keep_an_owner(session, org_id)
    session.delete(membership)
    audit.record(session, "org.member.removed", actor=principal, target=("user", user_id), org_id=org_id,
                 role=membership.role, left=principal.user_id == user_id)


def _manager_role(session: Session, principal: Principal, org_id: uuid.UUID) -> str:
    check_org_permission(session, principal, org_id, MEMBERS_MANAGE)
    role = org_role(session, principal, org_id)
    assert role is not None  # only members hold MEMBERS_MANAGE
    return role


def _may_manage(actor_role: str, target_role: str, new_role: str | None) -> None:
    assignable = {r.value for r in ASSIGNABLE_ORG_ROLES.get(OrgRole(actor_role), frozenset())}
    if target_role not in assignable or (new_role is not None and new_role not in assignable):
        raise Forbidden("Your role in this organization cannot manage that role.",
                        details={"assignable": sorted(assignable)})


def _keep_an_owner(session: Session, org_id: uuid.UUID) -> None:
    # Locks the owners' rows on PostgreSQL, so two owners cannot demote each other at once.
    owners = session.scalars(
        select(Membership.user_id).where(Membership.org_id == org_id, Membership.role == OrgRole.OWNER.value)
        .with_for_update()
    ).all()
    if len(owners) <= 1:
        raise Conflict("An organization keeps at least one owner; make another member owner first.")


def _org(session: Session, org_id: uuid.UUID) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound("No such organization.")
    return org


def _membership(session: Session, org_id: uuid.UUID, user_id: uuid.UUID) -> Membership:
    membership = session.get(Membership, (org_id, user_id))
    if membership is None:
        raise NotFound("No such member.")
    return membership


def _user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such member.")
    return user

