"""What the webhook routes accept and return. The secret appears in creation and rotation answers only."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema, field_validator
from pydantic.json_schema import SkipJsonSchema

from veriflow.core.fields import omittable
from veriflow.messaging.webhook_events import EVENT_TYPES

if TYPE_CHECKING:
    from veriflow.messaging.webhook_models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage

# https (and http under STAGE=local) with a host resolving to public addresses: the service checks
# the rest and answers 422 in the same shape.
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048),
                WithJsonSchema({"type": "string", "format": "uri", "pattern": "^https?://", "maxLength": 2048})]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
EventTypes = Annotated[list[Annotated[str, WithJsonSchema({"type": "string", "enum": sorted(EVENT_TYPES)})]],
                       Field(min_length=1, max_length=len(EVENT_TYPES), description="event types to receive")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EndpointCreate(_In):
    url: Url = Field(description="https URL whose host resolves to public addresses only")
    description: Description = ""
    event_types: EventTypes


class EndpointUpdate(_In):
    # Optional, but never null: SkipJsonSchema keeps `null` out of the published schema too.
    url: Url | SkipJsonSchema[None] = omittable()
    description: Description | SkipJsonSchema[None] = omittable()
    event_types: EventTypes | SkipJsonSchema[None] = omittable()
    enabled: bool | SkipJsonSchema[None] = omittable()

    @field_validator("url", "description", "event_types", "enabled")
    @classmethod
    def _not_cleared[T](cls, value: T | None) -> T:
        if value is None:
            raise ValueError("This field cannot be null.")
        return value


class EndpointPublic(BaseModel):
    id: uuid.UUID
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    failing_since: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="until then deliveries carry a signature with the previous secret too")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> EndpointPublic:
        return cls(id=endpoint.id, url=endpoint.url, description=endpoint.description,
                   event_types=list(endpoint.event_types), enabled=endpoint.enabled,
                   disabled_reason=endpoint.disabled_reason, failing_since=endpoint.failing_since,
                   previous_secret_expires_at=endpoint.previous_secret_expires_at if endpoint.previous_secret else None,
                   created_at=endpoint.created_at, updated_at=endpoint.updated_at)


class EndpointCreated(EndpointPublic):
    secret: str = Field(description="the signing secret (whsec_...): shown this once, never again")


class SecretRotated(BaseModel):
    secret: str = Field(description="the new signing secret: shown this once, never again")
    previous_secret_expires_at: datetime = Field(description="the old secret signs too until then")


class EndpointPage(BaseModel):
    data: list[EndpointPublic]
    next_cursor: str | None


class AttemptPublic(BaseModel):
    id: uuid.UUID
    at: datetime
    response_status: int | None
    response_excerpt: str | None
    duration_ms: int
    error: str | None
    manual: bool

    @classmethod
    def of(cls, attempt: WebhookAttempt) -> AttemptPublic:
        return cls(id=attempt.id, at=attempt.at, response_status=attempt.response_status,
                   response_excerpt=attempt.response_excerpt, duration_ms=attempt.duration_ms, error=attempt.error,
                   manual=attempt.manual)


class DeliveryPublic(BaseModel):
    id: uuid.UUID
    message_id: str = Field(description="the webhook-id header: the same on every attempt")
    event_type: str
    status: str = Field(description="pending, succeeded or failed")
    attempt_count: int = Field(description="scheduled attempts made (manual ones are listed, not counted)")
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    attempts: list[AttemptPublic] = Field(description="newest first")

    @classmethod
    def of(cls, delivery: WebhookDelivery, message: WebhookMessage, attempts: list[WebhookAttempt]) -> DeliveryPublic:
        return cls(id=delivery.id, message_id=message.webhook_id, event_type=message.event_type,
                   status=delivery.status, attempt_count=delivery.attempts,
                   next_attempt_at=delivery.next_attempt_at if delivery.status == "pending" else None,
                   last_error=delivery.last_error, created_at=delivery.created_at,
                   attempts=[AttemptPublic.of(attempt) for attempt in attempts])


class DeliveryPage(BaseModel):
    data: list[DeliveryPublic]
    next_cursor: str | None
