"""/v1/notifications: the caller's inbox and preferences."""

from __future__ import annotations

import uuid

from fastapi import Depends, Response

from veriflow.access.deps import CurrentUser
from veriflow.access.limits import per_principal
from veriflow.access.principal import Principal
from veriflow.core.deps import PageCursor, PageLimit, SessionDep
from veriflow.core.routing import APIRouter
from veriflow.notifications import service
from veriflow.notifications.schemas import (
    MarkedRead,
    NotificationPage,
    NotificationPublic,
    PreferencesPublic,
    PreferencesUpdate,
    UnreadCount,
)

router = APIRouter(prefix="/v1/notifications", tags=["notifications"], dependencies=[Depends(per_principal)])



def _user_id(user: Principal) -> uuid.UUID:
    assert user.user_id is not None
    return user.user_id


@router.get("")
def list_notifications(session: SessionDep, user: CurrentUser, unread: bool = False, limit: PageLimit = 20,
                       cursor: PageCursor = None) -> NotificationPage:
    """Newest first; `unread=true` for unread ones only."""
    page = service.inbox(session, _user_id(user), unread=unread, limit=limit, cursor=cursor)
    return NotificationPage(data=[NotificationPublic.of(row) for row in page.items], next_cursor=page.next_cursor)


@router.get("/unread-count")
def unread_count(session: SessionDep, user: CurrentUser) -> UnreadCount:
    return UnreadCount(unread=service.unread_count(session, _user_id(user)))


@router.post("/read-all")
def mark_all_read(session: SessionDep, user: CurrentUser) -> MarkedRead:
    return MarkedRead(marked=service.mark_all_read(session, _user_id(user)))


@router.get("/preferences")
def get_preferences(session: SessionDep, user: CurrentUser) -> PreferencesPublic:
    return service.preferences(session, _user_id(user))


@router.patch("/preferences")
def update_preferences(body: PreferencesUpdate, session: SessionDep, user: CurrentUser) -> PreferencesPublic:
    """Changes the cells given (category → channel → on/off) and, when present, quiet hours (null: off)."""
    return service.update_preferences(session, _user_id(user), body)


@router.post("/{notification_id}/read")
def mark_read(notification_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> NotificationPublic:
    return NotificationPublic.of(service.mark_read(session, _user_id(user), notification_id))


@router.delete("/{notification_id}", status_code=204)
def delete_notification(notification_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    service.remove(session, _user_id(user), notification_id)
    return Response(status_code=204)
