"""An organization's webhook endpoints: registered with a vetted URL, secret shown once, rotatable."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from veriflow.access.deps import check_org_permission
from veriflow.access.org_scoped import org_page, org_row
from veriflow.access.permissions import WEBHOOKS_MANAGE
from veriflow.access.principal import Principal
from veriflow.audit import service as audit
from veriflow.core.errors import ValidationFailed, field_error
from veriflow.core.pagination import Page
from veriflow.core.types import utcnow
from veriflow.messaging.webhook_events import EVENT_TYPES
from veriflow.messaging.webhook_models import WebhookEndpoint
from veriflow.webhooks import ssrf
from veriflow.webhooks.settings import get_webhook_settings
from veriflow.webhooks.signing import new_secret

ROTATION_GRACE = timedelta(hours=24)
DISABLED_BY_USER = "Disabled by a member of the organization."


def create(
    session: Session, principal: Principal, org_id: uuid.UUID, *, url: str, description: str, event_types: list[str]
) -> WebhookEndpoint:
    """A new endpoint; its secret is on the returned row, for the creation answer only."""
    check_org_permission(session, principal, org_id, WEBHOOKS_MANAGE)
    endpoint = WebhookEndpoint(org_id=org_id, url=_vetted(url), description=description,
                               event_types=_known(event_types), secret=new_secret(), created_by=principal.user_id)
    session.add(endpoint)
    session.flush()
    audit.record(session, "org.webhook.created", actor=principal, target=("webhook_endpoint", endpoint.id),
                 org_id=org_id, url=endpoint.url, event_types=endpoint.event_types)
    return endpoint


def list_endpoints(
    session: Session, principal: Principal, org_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[WebhookEndpoint]:
    return org_page(session, principal, org_id, WebhookEndpoint, WEBHOOKS_MANAGE, limit=limit, cursor=cursor)


def get(session: Session, principal: Principal, org_id: uuid.UUID, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """The endpoint, if the caller manages the organization's webhooks and it is that organization's."""
    return org_row(session, principal, org_id, WebhookEndpoint, endpoint_id, WEBHOOKS_MANAGE,
                   "No such webhook endpoint.")


def update(
    session: Session, principal: Principal, org_id: uuid.UUID, endpoint_id: uuid.UUID, changes: dict[str, Any]
) -> WebhookEndpoint:
    endpoint = get(session, principal, org_id, endpoint_id)
    if "url" in changes:
        changes["url"] = _vetted(changes["url"])
    if "event_types" in changes:
        changes["event_types"] = _known(changes["event_types"])
    changed = {name: value for name, value in changes.items() if getattr(endpoint, name) != value}
    for name, value in changed.items():
        setattr(endpoint, name, value)
    if "enabled" in changed:
        # Re-enabling starts a fresh health record; disabling by hand says who did it.
        endpoint.disabled_reason = None if endpoint.enabled else DISABLED_BY_USER
        endpoint.failing_since = None
    if changed:
        audit.record(session, "org.webhook.updated", actor=principal, target=("webhook_endpoint", endpoint.id),
                     org_id=org_id, fields=sorted(changed))
    return endpoint


def delete(session: Session, principal: Principal, org_id: uuid.UUID, endpoint_id: uuid.UUID) -> None:
    """Deletes the endpoint with its deliveries and their log; queued attempts find nothing to do."""
    endpoint = get(session, principal, org_id, endpoint_id)
    session.delete(endpoint)
    audit.record(session, "org.webhook.deleted", actor=principal, target=("webhook_endpoint", endpoint_id),
                 org_id=org_id, url=endpoint.url)


def rotate_secret(
    session: Session, principal: Principal, org_id: uuid.UUID, endpoint_id: uuid.UUID
) -> WebhookEndpoint:
    """A new secret; the one it replaces keeps signing (beside it) for 24 hours."""
    endpoint = get(session, principal, org_id, endpoint_id)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = utcnow() + ROTATION_GRACE
    endpoint.secret = new_secret()
    audit.record(session, "org.webhook.secret_rotated", actor=principal, target=("webhook_endpoint", endpoint.id),
                 org_id=org_id, previous_secret_expires_at=endpoint.previous_secret_expires_at.isoformat())
    return endpoint


_URL_RULES = {
    "url_invalid": "The URL is not valid.",
    "url_scheme": "The URL must use https.",
    "url_host_missing": "The URL has no host.",
    "url_credentials": "The URL may not carry credentials; authenticate requests by their signature.",
    "url_host_unresolved": "The URL's host does not resolve.",
    "url_host_not_public": "The URL's host resolves to an address that is not public.",
}


def _vetted(url: str) -> str:
    try:
        ssrf.vet(url, allow_localhost=get_webhook_settings().allow_localhost)
    except ssrf.UnsafeUrl as exc:
        # The registration's 422 names the rule, never the host it was given.
        message = _URL_RULES.get(exc.rule, "The URL may not be used.")
        raise ValidationFailed(message, errors=[field_error(("body", "url"), message, exc.rule)]) from exc
    return url


def _known(event_types: list[str]) -> list[str]:
    if unknown := set(event_types) - EVENT_TYPES.keys():
        allowed = ", ".join(sorted(EVENT_TYPES))
        raise ValidationFailed("Unknown event types.", errors=[
            field_error(("body", "event_types", index), f"The event types are: {allowed}.", "event_type_unknown")
            for index, name in enumerate(event_types) if name in unknown])
    return sorted(set(event_types))
