"""/v1/admin/broadcasts: one message to every account or a platform role. The request stores the
broadcast and queues one message; the worker fans it out in batches, never the request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from veriflow.access.deps import require
from veriflow.access.limits import per_principal
from veriflow.access.permissions import BROADCASTS_SEND
from veriflow.access.principal import Principal
from veriflow.audit import service as audit
from veriflow.core.deps import PageCursor, PageLimit, SessionDep
from veriflow.core.pagination import paginate
from veriflow.core.routing import APIRouter
from veriflow.messaging.notification import Category, Channel, NotificationMessage, Recipients
from veriflow.messaging.notify import enqueue_after_commit
from veriflow.notifications.models import Broadcast, Delivery
from veriflow.notifications.schemas import BroadcastCreate, BroadcastPage, BroadcastPublic

router = APIRouter(prefix="/v1/admin/broadcasts", tags=["admin"], dependencies=[Depends(per_principal)])

Sender = Annotated[Principal, Depends(require(BROADCASTS_SEND))]


def _key(broadcast: Broadcast) -> str:
    return f"broadcast:{broadcast.id}"


@router.post("", status_code=202)
def create_broadcast(body: BroadcastCreate, session: SessionDep, principal: Sender) -> BroadcastPublic:
    """Queues the broadcast; deliveries follow in the background (see `delivered`)."""
    broadcast = Broadcast(created_by=principal.user_id, segment=body.segment, category=body.category,
                          title=body.title, body=body.body, channels=list(body.channels), priority=body.priority)
    session.add(broadcast)
    session.flush()
    audit.record(session, "notifications.broadcast.created", actor=principal, target=("broadcast", broadcast.id),
                 segment=body.segment, category=body.category, channels=list(body.channels), priority=body.priority)
    enqueue_after_commit(session, NotificationMessage(
        idempotency_key=_key(broadcast), recipients=Recipients(segment=body.segment),
        category=Category(body.category), template="system.broadcast",
        data={"title": body.title, "body": body.body, "broadcast_id": str(broadcast.id)},
        channels=[Channel(channel) for channel in body.channels], priority=body.priority,
    ))
    return BroadcastPublic.of(broadcast)


@router.get("")
def list_broadcasts(
    session: SessionDep,
    _: Sender,
    limit: PageLimit = 20,
    cursor: PageCursor = None,
) -> BroadcastPage:
    """Newest first, each with its deliveries so far by status."""
    query: Select[tuple[Broadcast]] = select(Broadcast)
    page = paginate(session, query, Broadcast.created_at, Broadcast.id, limit=limit, cursor=cursor)
    counts = _delivered(session, [_key(b) for b in page.items])
    return BroadcastPage(data=[BroadcastPublic.of(b, counts.get(_key(b))) for b in page.items],
                         next_cursor=page.next_cursor)


def _delivered(session: Session, keys: list[str]) -> dict[str, dict[str, int]]:
    """Counts for a whole page in one query."""
    if not keys:
        return {}
    rows = session.execute(
        select(Delivery.idempotency_key, Delivery.status, func.count())
        .where(Delivery.idempotency_key.in_(keys)).group_by(Delivery.idempotency_key, Delivery.status)
    ).all()
    counts: dict[str, dict[str, int]] = {}
    for key, status, count in rows:
        counts.setdefault(key, {})[status] = count
    return counts
