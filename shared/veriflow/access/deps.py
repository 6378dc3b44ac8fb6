"""The one place permissions are checked: FastAPI dependencies every router uses."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from veriflow.access.authenticate import authenticate
from veriflow.access.permissions import org_permissions
from veriflow.access.principal import Principal
from veriflow.core.deps import SessionDep
from veriflow.core.errors import Forbidden, NotFound, Unauthorized

# Security schemes, not plain headers: the published spec lists both (any one suffices) and /docs
# gets its Authorize button. auto_error=False: a missing or malformed credential is our own 401.
_BEARER = HTTPBearer(scheme_name="bearerAuth", bearerFormat="JWT", auto_error=False,
                     description="An access token from /v1/auth/login (or an API key, `vf_...`).")
_API_KEY = APIKeyHeader(name="X-API-Key", scheme_name="apiKeyAuth", auto_error=False,
                        description="An organization's API key, `vf_...`.")


def current_principal(
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
    api_key: Annotated[str | None, Depends(_API_KEY)],
) -> Principal:
    authorization = f"{bearer.scheme} {bearer.credentials}" if bearer else None
    return authenticate(session, authorization, api_key)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def current_user(principal: CurrentPrincipal) -> Principal:
    """Routes for people only (profiles, sessions): an API key is refused."""
    if principal.kind != "user":
        raise Unauthorized("This route needs a signed-in user.")
    return principal


CurrentUser = Annotated[Principal, Depends(current_user)]


def require(permission: str) -> Callable[[Principal], Principal]:
    """A dependency granting the route to principals holding the platform `permission`."""

    def check(principal: CurrentPrincipal) -> Principal:
        if permission not in principal.permissions:
            raise Forbidden(f"This needs the {permission} permission.", details={"permission": permission})
        return principal

    check.__name__ = f"require_{permission.replace(':', '_')}"
    return check


def org_role(session: Session, principal: Principal, org_id: uuid.UUID) -> str | None:
    """The principal's role in the organization (None when not a member)."""
    if principal.kind != "user":
        return None
    from veriflow.identity.org_models import Membership  # see from_api_key

    return session.scalars(
        select(Membership.role).where(Membership.org_id == org_id, Membership.user_id == principal.id)
    ).one_or_none()


def check_org_permission(session: Session, principal: Principal, org_id: uuid.UUID, permission: str) -> None:
    """Grants `permission` in `org_id`, or refuses: 404 to outsiders (they may not know the
    organization exists), 403 to members or keys of that organization lacking the permission."""
    if principal.kind == "api_key":
        if principal.org_id != org_id:
            raise NotFound("No such organization.")
        granted = principal.scopes
    else:
        role = org_role(session, principal, org_id)
        if role is None:
            raise NotFound("No such organization.")
        granted = org_permissions(role)
    if permission not in granted:
        raise Forbidden(f"This needs the {permission} permission.", details={"permission": permission})
