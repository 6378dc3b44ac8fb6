"""What the notification routes accept and return."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from veriflow.messaging.notification import Category, Channel

if TYPE_CHECKING:
    from veriflow.notifications.models import Broadcast, Notification


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NotificationPublic(BaseModel):
    id: uuid.UUID
    category: Category
    template: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, row: Notification) -> NotificationPublic:
        return cls(id=row.id, category=Category(row.category), template=row.template, title=row.title, body=row.body,
                   data=row.data, created_at=row.created_at, read_at=row.read_at)


class NotificationPage(BaseModel):
    data: list[NotificationPublic]
    next_cursor: str | None


class UnreadCount(BaseModel):
    unread: int


class MarkedRead(BaseModel):
    marked: int


IANA_ZONE_PATTERN = r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$"


class QuietHoursIn(_In):
    start: time = Field(description="local time the quiet window begins, e.g. 22:00")
    end: time = Field(description="local time it ends, e.g. 07:00 (the next morning when earlier than start)")
    # The shape of an IANA name; the service accepts the zones it knows (an unknown one is a 422,
    # timezone_unknown). Listing all ~600 in the schema would bloat it and every generated test.
    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=IANA_ZONE_PATTERN)] = Field(
        description="IANA time zone, e.g. Europe/Paris"
    )


class QuietHoursPublic(BaseModel):
    start: time
    end: time
    timezone: str


class PreferencesPublic(BaseModel):
    channels: dict[Category, dict[Channel, bool]]
    # Cells the user cannot change (security in-app and email; SMS outside security).
    locked: dict[Category, list[Channel]]
    quiet_hours: QuietHoursPublic | None
    sms_available: bool = Field(description="the account has a verified phone number")


class PreferencesUpdate(_In):
    channels: dict[Category, dict[Literal["in_app", "email", "sms"], bool]] | None = None
    # null turns quiet hours off; absent leaves them as they are.
    quiet_hours: QuietHoursIn | None = None


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


BroadcastChannel = Literal["in_app", "email"]


class BroadcastCreate(_In):
    segment: Literal["all", "reviewer", "admin", "superadmin"] = Field(
        description="every active account, or those holding a platform role"
    )
    category: Literal["system", "marketing"] = "system"
    title: Title
    body: Body
    channels: list[BroadcastChannel] = Field(default=["in_app"], min_length=1)
    priority: Literal["normal", "critical"] = "normal"


class BroadcastPublic(BaseModel):
    id: uuid.UUID
    segment: str
    category: str
    title: str
    body: str
    channels: list[str]
    priority: str
    created_by: uuid.UUID | None
    created_at: datetime
    delivered: dict[str, int] = Field(default_factory=dict, description="deliveries so far, by status")

    @classmethod
    def of(cls, row: Broadcast, delivered: dict[str, int] | None = None) -> BroadcastPublic:
        return cls(id=row.id, segment=row.segment, category=row.category, title=row.title, body=row.body,
                   channels=list(row.channels), priority=row.priority, created_by=row.created_by,
                   created_at=row.created_at, delivered=delivered or {})


class BroadcastPage(BaseModel):
    data: list[BroadcastPublic]
    next_cursor: str | None
