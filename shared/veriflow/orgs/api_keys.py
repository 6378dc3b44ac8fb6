"""API keys of an organization: shown once, stored as a prefix and a hash, scoped, expiring, revocable."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from veriflow.access.authenticate import API_KEY_PREFIX
from veriflow.access.deps import check_org_permission, org_role
from veriflow.access.org_scoped import org_page, org_row
from veriflow.access.permissions import API_KEY_SCOPES, API_KEYS_MANAGE, org_permissions
from veriflow.access.principal import Principal
from veriflow.audit import service as audit
from veriflow.core.errors import ValidationFailed, field_error
from veriflow.core.pagination import Page
from veriflow.core.types import utcnow
from veriflow.identity.opaque import new_token
from veriflow.identity.org_models import ApiKey

VISIBLE_CHARS = 12  # after "vf_": what access/authenticate.py looks a key up by


def create(
    session: Session, principal: Principal, org_id: uuid.UUID, *, name: str, scopes: list[str], expires_in_days: int
) -> tuple[ApiKey, str]:
    """A new key and its full text, which is returned this once and never stored."""
    check_org_permission(session, principal, org_id, API_KEYS_MANAGE)
    wanted = set(scopes)
    if unknown := wanted - API_KEY_SCOPES:
        allowed = ", ".join(sorted(API_KEY_SCOPES))
        raise ValidationFailed("These scopes cannot be given to an API key.", errors=[
            field_error(("body", "scopes", index), f"An API key's scopes are among: {allowed}.", "scope_unknown")
            for index, scope in enumerate(scopes) if scope in unknown])
    # Nobody hands a machine more than they hold themselves.
    if beyond := wanted - org_permissions(org_role(session, principal, org_id)):
        raise ValidationFailed("You do not hold these scopes yourself.", errors=[
            field_error(("body", "scopes", index), "You do not hold this scope yourself.", "scope_not_held")
            for index, scope in enumerate(scopes) if scope in beyond])
    visible = secrets.token_urlsafe(VISIBLE_CHARS)[:VISIBLE_CHARS]
    full_key, key_hash = new_token(API_KEY_PREFIX + visible)
    expires_at = utcnow() + timedelta(days=expires_in_days)
    key = ApiKey(org_id=org_id, name=name, prefix=full_key[: len(API_KEY_PREFIX) + VISIBLE_CHARS], key_hash=key_hash,
                 scopes=sorted(wanted), created_by=principal.user_id, expires_at=expires_at)
    session.add(key)
    session.flush()
    audit.record(session, "org.api_key.created", actor=principal, target=("api_key", key.id), org_id=org_id,
                 name=name, prefix=key.prefix, scopes=key.scopes, expires_at=expires_at.isoformat())
    return key, full_key


def list_keys(
    session: Session, principal: Principal, org_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[ApiKey]:
    return org_page(session, principal, org_id, ApiKey, API_KEYS_MANAGE, limit=limit, cursor=cursor)


def revoke(session: Session, principal: Principal, org_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey:
    """Revokes the key at once (idempotent); a key of another organization is not found."""
    key = org_row(session, principal, org_id, ApiKey, key_id, API_KEYS_MANAGE, "No such API key.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(session, "org.api_key.revoked", actor=principal, target=("api_key", key.id), org_id=org_id,
                     prefix=key.prefix)
    return key
