"""The inbox and the preferences behind /v1/notifications: each user sees and changes only their own."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from veriflow.core.errors import FieldError, NotFound, ValidationFailed, field_error
from veriflow.core.pagination import Page, paginate
from veriflow.core.types import utcnow
from veriflow.identity.user_models import User
from veriflow.messaging.notification import Category, Channel
from veriflow.notifications.models import Notification, NotificationPreference
from veriflow.notifications.preferences import (
    SMS_CATEGORIES,
    USER_CHANNELS,
    PreferenceError,
    check_change,
    check_timezone,
    matrix,
)
from veriflow.notifications.schemas import PreferencesPublic, PreferencesUpdate, QuietHoursPublic


def inbox(session: Session, user_id: uuid.UUID, *, unread: bool, limit: int, cursor: str | None) -> Page[Notification]:
    query: Select[tuple[Notification]] = select(Notification)
    query = query.where(Notification.user_id == user_id)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    return paginate(session, query, Notification.created_at, Notification.id, limit=limit, cursor=cursor)


def unread_count(session: Session, user_id: uuid.UUID) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def _own(session: Session, user_id: uuid.UUID, notification_id: uuid.UUID) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None or row.user_id != user_id:
        raise NotFound("No such notification.")
    return row


def mark_read(session: Session, user_id: uuid.UUID, notification_id: uuid.UUID) -> Notification:
    """Idempotent: a notification read before keeps its first read time."""
    row = _own(session, user_id, notification_id)
    if row.read_at is None:
        row.read_at = utcnow()
    return row


def mark_all_read(session: Session, user_id: uuid.UUID) -> int:
    result = session.execute(update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


def remove(session: Session, user_id: uuid.UUID, notification_id: uuid.UUID) -> None:
    _own(session, user_id, notification_id)
    session.execute(delete(Notification).where(Notification.id == notification_id))


def _locked() -> dict[Category, list[Channel]]:
    locked: dict[Category, list[Channel]] = {}
    for category in Category:
        cells = [Channel.IN_APP, Channel.EMAIL] if category is Category.SECURITY else []
        if category not in SMS_CATEGORIES:
            cells.append(Channel.SMS)
        locked[category] = cells
    return locked


def preferences(session: Session, user_id: uuid.UUID) -> PreferencesPublic:
    row = session.get(NotificationPreference, user_id)
    user = session.get(User, user_id)
    quiet = None
    if row is not None and row.quiet_hours_start is not None and row.quiet_hours_end is not None:
        quiet = QuietHoursPublic(start=row.quiet_hours_start, end=row.quiet_hours_end, timezone=row.timezone)
    return PreferencesPublic(
        channels=matrix(row.channels if row else None), locked=_locked(), quiet_hours=quiet,
        sms_available=bool(user and user.phone_number and user.phone_verified_at),
    )


def update_preferences(session: Session, user_id: uuid.UUID, changes: PreferencesUpdate) -> PreferencesPublic:
    """Applies the cells and quiet hours given; refuses, whole, a change that cannot be made."""
    row = session.get(NotificationPreference, user_id)
    if row is None:
        row = NotificationPreference(user_id=user_id, channels={}, timezone="UTC")
        session.add(row)
    overrides = {category: dict(cells) for category, cells in (row.channels or {}).items()}
    problems: list[FieldError] = []
    for category, cells in (changes.channels or {}).items():
        for channel_name, enabled in cells.items():
            channel = Channel(channel_name)
            try:
                check_change(category, channel, enabled)
            except PreferenceError as exc:
                problems.append(field_error(("body", "channels", category, channel), str(exc), exc.rule))
                continue
            if channel in USER_CHANNELS:
                overrides.setdefault(category.value, {})[channel.value] = enabled
    if "quiet_hours" in changes.model_fields_set:
        quiet = changes.quiet_hours
        if quiet is None:
            row.quiet_hours_start = row.quiet_hours_end = None
        else:
            try:
                row.timezone = check_timezone(quiet.timezone)
            except PreferenceError as exc:
                problems.append(field_error(("body", "quiet_hours", "timezone"), str(exc), exc.rule))
            if quiet.start == quiet.end:
                problems.append(field_error(("body", "quiet_hours"), "The start and end must differ.",
                                            "quiet_hours_empty"))
            row.quiet_hours_start = quiet.start.replace(tzinfo=None)
            row.quiet_hours_end = quiet.end.replace(tzinfo=None)
    if problems:
        raise ValidationFailed("These preferences cannot be set.", errors=problems)
    row.channels = overrides
    session.flush()
    return preferences(session, user_id)
