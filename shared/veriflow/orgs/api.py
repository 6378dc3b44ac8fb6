"""/v1/orgs: organizations, their domain, members, invitations and API keys."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from veriflow.access.deps import CurrentPrincipal, CurrentUser, require
from veriflow.access.limits import per_principal
from veriflow.access.permissions import ORGS_CREATE
from veriflow.access.principal import Principal
from veriflow.core.deps import PageCursor, PageLimit, SessionDep
from veriflow.core.routing import APIRouter
from veriflow.core.types import utcnow
from veriflow.identity.issuer import TxtResolver, current_resolver
from veriflow.identity.org_models import Organization
from veriflow.orgs import api_keys, domain, invitations, service
from veriflow.orgs.domain_schemas import DomainClaim, OrgDomainPublic
from veriflow.orgs.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPage,
    ApiKeyPublic,
    InvitationAccept,
    InvitationCreate,
    InvitationPage,
    InvitationPublic,
    MemberPage,
    MemberPublic,
    MemberUpdate,
    OrgCreate,
    OrgPage,
    OrgPublic,
    OrgUpdate,
)

router = APIRouter(prefix="/v1/orgs", tags=["orgs"], dependencies=[Depends(per_principal)])

Creator = Annotated[Principal, Depends(require(ORGS_CREATE))]
Resolver = Annotated[TxtResolver, Depends(current_resolver)]


@router.post("", status_code=201)
def create_org(body: OrgCreate, session: SessionDep, user: CurrentUser, _: Creator) -> OrgPublic:
    """Creates an organization; the caller becomes its owner."""
    website = str(body.website) if body.website else None
    org = service.create(session, user, name=body.name, description=body.description, website=website,
                         country=body.country)
    return OrgPublic.of(org, "owner")


@router.get("")
def list_orgs(
    session: SessionDep, principal: CurrentPrincipal, limit: PageLimit = 50, cursor: PageCursor = None
) -> OrgPage:
    """The caller's organizations (an API key: its own)."""
    page = service.list_mine(session, principal, limit=limit, cursor=cursor)
    return OrgPage(data=[OrgPublic.of(org, role) for org, role in page.items], next_cursor=page.next_cursor)


@router.post("/invitations/accept")
def accept_invitation(body: InvitationAccept, session: SessionDep, user: CurrentUser) -> OrgPublic:
    """Joins the organization that invited the signed-in user's verified email address."""
    org, membership = invitations.accept(session, user, body.token)
    return OrgPublic.of(org, membership.role)


@router.get("/{org_id}")
def get_org(org_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> OrgPublic:
    org = service.get(session, principal, org_id)
    return OrgPublic.of(org, service.role_of(session, principal, org_id))


@router.patch("/{org_id}")
def update_org(org_id: uuid.UUID, body: OrgUpdate, session: SessionDep, principal: CurrentPrincipal) -> OrgPublic:
    changes = body.model_dump(exclude_unset=True)
    if "website" in changes:
        changes["website"] = str(body.website) if body.website else None
    org = service.update(session, principal, org_id, changes)
    return OrgPublic.of(org, service.role_of(session, principal, org_id))


@router.put("/{org_id}/domain")
def claim_domain(
    org_id: uuid.UUID, body: DomainClaim, session: SessionDep, principal: CurrentPrincipal
) -> OrgDomainPublic:
    """Claims a domain as the organization's issuer identity: publish the TXT record returned, then
    check it. A different domain starts a new claim (new token, proof reset); the same one changes nothing."""
    return _domain(domain.claim(session, principal, org_id, body.domain))


@router.post("/{org_id}/domain/check")
def check_domain(
    org_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, resolver: Resolver
) -> OrgDomainPublic:
    """Looks the TXT record up now and records the outcome; 409 when another organization has proven the domain."""
    return _domain(domain.check(session, principal, org_id, resolver))


@router.delete("/{org_id}/domain", status_code=204)
def remove_domain(org_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> None:
    domain.remove(session, principal, org_id)


def _domain(org: Organization) -> OrgDomainPublic:
    public = OrgDomainPublic.of(org)
    assert public is not None  # these routes leave a claim in place
    return public


@router.get("/{org_id}/members")
def list_members(
    org_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> MemberPage:
    page = service.list_members(session, principal, org_id, limit=limit, cursor=cursor)
    return MemberPage(data=[MemberPublic.of(m, user) for m, user in page.items], next_cursor=page.next_cursor)


@router.patch("/{org_id}/members/{user_id}")
def update_member(
    org_id: uuid.UUID, user_id: uuid.UUID, body: MemberUpdate, session: SessionDep, principal: CurrentPrincipal
) -> MemberPublic:
    return MemberPublic.of(*service.change_member_role(session, principal, org_id, user_id, body.role))


@router.delete("/{org_id}/members/{user_id}", status_code=204)
def remove_member(org_id: uuid.UUID, user_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> None:
    """Removes a member, or lets the caller leave."""
    service.remove_member(session, principal, org_id, user_id)


@router.post("/{org_id}/invitations", status_code=201)
def invite(
    org_id: uuid.UUID, body: InvitationCreate, session: SessionDep, principal: CurrentPrincipal
) -> InvitationPublic:
    """Emails an invitation (valid 7 days) to join with the given role."""
    invitation = invitations.invite(session, principal, org_id, body.email, body.role)
    return InvitationPublic.of(invitation, utcnow())


@router.get("/{org_id}/invitations")
def list_invitations(
    org_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> InvitationPage:
    page = invitations.list_invitations(session, principal, org_id, limit=limit, cursor=cursor)
    now = utcnow()
    return InvitationPage(data=[InvitationPublic.of(i, now) for i in page.items], next_cursor=page.next_cursor)


@router.delete("/{org_id}/invitations/{invitation_id}", status_code=204)
def revoke_invitation(
    org_id: uuid.UUID, invitation_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> None:
    invitations.revoke(session, principal, org_id, invitation_id)


@router.post("/{org_id}/api-keys", status_code=201)
def create_api_key(
    org_id: uuid.UUID, body: ApiKeyCreate, session: SessionDep, principal: CurrentPrincipal
) -> ApiKeyCreated:
    """Creates a key; the full key is in this answer only."""
    key, full_key = api_keys.create(session, principal, org_id, name=body.name, scopes=body.scopes,
                                    expires_in_days=body.expires_in_days)
    return ApiKeyCreated(**ApiKeyPublic.of(key).model_dump(), key=full_key)


@router.get("/{org_id}/api-keys")
def list_api_keys(
    org_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> ApiKeyPage:
    page = api_keys.list_keys(session, principal, org_id, limit=limit, cursor=cursor)
    return ApiKeyPage(data=[ApiKeyPublic.of(key) for key in page.items], next_cursor=page.next_cursor)


@router.delete("/{org_id}/api-keys/{key_id}", status_code=204)
def revoke_api_key(org_id: uuid.UUID, key_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> None:
    api_keys.revoke(session, principal, org_id, key_id)
