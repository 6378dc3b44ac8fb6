"""The one message any producer puts on the notifications queue."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator


class Category(StrEnum):
    SECURITY = "security"
    VERIFICATION = "verification"
    CHALLENGE = "challenge"
    REWARD = "reward"
    SYSTEM = "system"
    MARKETING = "marketing"


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"


class Recipients(BaseModel):
    """Exactly one way of naming who receives it."""

    user_ids: list[uuid.UUID] = Field(default_factory=list)
    # An address with no account yet (an invitation); email channel only.
    emails: list[str] = Field(default_factory=list)
    # A number being proven (its verification code); SMS channel only.
    phones: list[str] = Field(default_factory=list)
    # An organization: its owners and admins in the app and by email, its endpoints by webhook.
    org_id: uuid.UUID | None = None
    segment: str | None = None  # admin broadcasts: "all" or a platform role
    # Fan-out position of a segment: the worker continues after this user id, one batch at a time.
    after: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Recipients:
        kinds = [bool(self.user_ids), bool(self.emails), bool(self.phones), self.org_id is not None,
                 self.segment is not None]
        if sum(kinds) != 1:
            raise ValueError("name recipients one way: user_ids, emails, phones, org_id or segment")
        if self.after is not None and self.segment is None:
            raise ValueError("after continues a segment's fan-out only")
        return self


class NotificationMessage(BaseModel):
    """Typed and versioned; the worker delivers each (idempotency key, recipient, channel) once."""

    version: Literal[1] = 1
    idempotency_key: str = Field(min_length=8, max_length=200)
    recipients: Recipients
    category: Category
    template: str = Field(pattern=r"^[a-z0-9_.]+$", max_length=100)
    data: dict[str, Any] = Field(default_factory=dict)
    channels: list[Channel] = Field(default_factory=lambda: [Channel.IN_APP, Channel.EMAIL])
    priority: Literal["normal", "critical"] = "normal"
