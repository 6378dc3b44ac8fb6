"""What quiet hours held goes out as one digest per user and channel when the window ends.

A schedule finds held deliveries whose window has ended and queues one digest message per
(user, channel, window end); the key names the window, so a schedule that runs twice queues the
same digest twice and the delivery log lets one through.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from veriflow.core.db import session_scope
from veriflow.core.observability import logger
from veriflow.messaging.notification import Category, Channel, NotificationMessage, Recipients
from veriflow.messaging.notify import enqueue_many
from veriflow.notifications import delivery
from veriflow.notifications.models import Delivery
from veriflow.notifications.recipients import users
from veriflow.notifications.render import Rendered, render

DIGEST_TEMPLATE = "notifications.digest"


def release_due(now: datetime | None = None) -> int:
    """Queues a digest for every (user, channel) whose quiet hours have ended; returns how many."""
    now = now or delivery.now()
    with session_scope() as session:
        due = session.execute(
            select(Delivery.user_id, Delivery.channel, func.max(Delivery.release_at))
            .where(Delivery.status == "held", Delivery.release_at <= now, Delivery.user_id.is_not(None))
            .group_by(Delivery.user_id, Delivery.channel)
        ).all()
        messages = [
            NotificationMessage(
                idempotency_key=f"digest:{user_id}:{channel}:{release_at:%Y%m%dT%H%M%SZ}",
                recipients=Recipients(user_ids=[user_id]), category=Category.SYSTEM, template=DIGEST_TEMPLATE,
                data={"until": release_at.isoformat()}, channels=[Channel(channel)], priority="critical",
            )
            for user_id, channel, release_at in due
            if user_id is not None and release_at is not None
        ]
        enqueue_many(session, messages)
    return len(messages)


def deliver_digest(message: NotificationMessage) -> None:
    """Sends what was held for one user on one channel up to the message's window end, then marks it."""
    user_id, channel = message.recipients.user_ids[0], message.channels[0]
    until = datetime.fromisoformat(str(message.data["until"]))
    held_query = (
        select(Delivery.id, Delivery.payload)
        .where(Delivery.user_id == user_id, Delivery.channel == channel, Delivery.status == "held",
               Delivery.release_at <= until)
        .order_by(Delivery.created_at)
    )
    with session_scope() as session:
        targets = users(session, [user_id], Category.SECURITY)
        claim = delivery.claim(session, key=message.idempotency_key, recipient=str(user_id), channel=channel,
                               category=message.category, template=message.template, user_id=user_id)
        held = list(session.execute(held_query).all())
        if claim is None or not held or not targets:
            # Decided before (or nothing left): whatever is still held for this window is settled.
            _settle(session, [row_id for row_id, _ in held])
            if claim is not None:
                delivery.finish(session, claim.id, "skipped", error="nothing held, or the account is gone")
            return
    from veriflow.notifications.worker import send

    ids = [row_id for row_id, _ in held]
    send(claim.id, targets[0], channel, _digest([payload or {} for _, payload in held]),
         also=lambda db: _settle(db, ids))
    logger.info("digest sent", extra={"user_id": str(user_id), "channel": channel, "items": len(held)})


def _digest(payloads: list[dict[str, Any]]) -> Rendered:
    rendered = [render(str(p["template"]), dict(p.get("data") or {})) for p in payloads]
    if len(rendered) == 1:
        return rendered[0]  # one held message goes out as itself
    items = [{"subject": r.subject, "text": r.text} for r in rendered]
    return render(DIGEST_TEMPLATE, {"items": items})


def _settle(session: Session, ids: list[uuid.UUID]) -> None:
    if ids:
        at = delivery.now()
        session.execute(update(Delivery).where(Delivery.id.in_(ids), Delivery.status == "held")
                        .values(status="digested", sent_at=at, updated_at=at))
