"""/v1/orgs/{org_id}/webhooks: endpoints, their secrets, delivery log, redelivery and test events."""

from __future__ import annotations

import uuid

from fastapi import Depends

from veriflow.access.deps import CurrentPrincipal
from veriflow.access.limits import per_principal
from veriflow.core.deps import PageCursor, PageLimit, SessionDep
from veriflow.core.routing import APIRouter
from veriflow.webhooks import deliveries, service
from veriflow.webhooks.deliveries import Logged
from veriflow.webhooks.schemas import (
    DeliveryPage,
    DeliveryPublic,
    EndpointCreate,
    EndpointCreated,
    EndpointPage,
    EndpointPublic,
    EndpointUpdate,
    SecretRotated,
)

router = APIRouter(prefix="/v1/orgs/{org_id}/webhooks", tags=["webhooks"], dependencies=[Depends(per_principal)])



def _public(logged: Logged) -> DeliveryPublic:
    return DeliveryPublic.of(logged.delivery, logged.message, logged.attempts)


@router.post("", status_code=201)
def create_endpoint(
    org_id: uuid.UUID, body: EndpointCreate, session: SessionDep, principal: CurrentPrincipal
) -> EndpointCreated:
    """Registers an endpoint; its signing secret is in this answer only."""
    endpoint = service.create(session, principal, org_id, url=body.url, description=body.description,
                              event_types=body.event_types)
    return EndpointCreated(**EndpointPublic.of(endpoint).model_dump(), secret=endpoint.secret)


@router.get("")
def list_endpoints(
    org_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> EndpointPage:
    page = service.list_endpoints(session, principal, org_id, limit=limit, cursor=cursor)
    return EndpointPage(data=[EndpointPublic.of(e) for e in page.items], next_cursor=page.next_cursor)


@router.get("/{endpoint_id}")
def get_endpoint(
    org_id: uuid.UUID, endpoint_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> EndpointPublic:
    return EndpointPublic.of(service.get(session, principal, org_id, endpoint_id))


@router.patch("/{endpoint_id}")
def update_endpoint(
    org_id: uuid.UUID, endpoint_id: uuid.UUID, body: EndpointUpdate, session: SessionDep, principal: CurrentPrincipal
) -> EndpointPublic:
    """Changes the URL, description or event types; `enabled` turns deliveries off or back on."""
    changes = body.model_dump(exclude_unset=True)
    return EndpointPublic.of(service.update(session, principal, org_id, endpoint_id, changes))


@router.delete("/{endpoint_id}", status_code=204)
def delete_endpoint(
    org_id: uuid.UUID, endpoint_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> None:
    service.delete(session, principal, org_id, endpoint_id)


@router.post("/{endpoint_id}/rotate-secret")
def rotate_secret(
    org_id: uuid.UUID, endpoint_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> SecretRotated:
    """A new secret, shown once; for 24 hours deliveries are signed with the old one as well."""
    endpoint = service.rotate_secret(session, principal, org_id, endpoint_id)
    assert endpoint.previous_secret_expires_at is not None
    return SecretRotated(secret=endpoint.secret, previous_secret_expires_at=endpoint.previous_secret_expires_at)


@router.get("/{endpoint_id}/deliveries")
def list_deliveries(
    org_id: uuid.UUID, endpoint_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> DeliveryPage:
    page = deliveries.list_deliveries(session, principal, org_id, endpoint_id, limit=limit, cursor=cursor)
    return DeliveryPage(data=[_public(logged) for logged in page.items], next_cursor=page.next_cursor)


@router.post("/{endpoint_id}/deliveries/{delivery_id}/redeliver", status_code=202)
def redeliver(
    org_id: uuid.UUID, endpoint_id: uuid.UUID, delivery_id: uuid.UUID, session: SessionDep,
    principal: CurrentPrincipal,
) -> DeliveryPublic:
    """Queues one more attempt of the delivery, now (outside its retry schedule)."""
    return _public(deliveries.redeliver(session, principal, org_id, endpoint_id, delivery_id))


@router.post("/{endpoint_id}/test", status_code=202)
def send_test(
    org_id: uuid.UUID, endpoint_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> DeliveryPublic:
    """Sends a `webhook.test` event to this endpoint."""
    return _public(deliveries.send_test(session, principal, org_id, endpoint_id))
