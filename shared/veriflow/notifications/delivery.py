"""The delivery log: one row per (idempotency key, recipient, channel), claimed before any work.

A claim is an INSERT that only one worker can win. A row that already reached a final state is
never touched again, so a redelivered message does nothing twice. An attempt that died while
`sending` is taken over once its lease has run out (the queue's visibility timeout is longer, so a
redelivery after a crash always finds it expired).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from veriflow.core.db import insert_ignoring_duplicates
from veriflow.core.types import new_id, utcnow
from veriflow.notifications.models import Delivery

# Longer than the worker's timeout, shorter than the queue's visibility timeout.
LEASE = timedelta(seconds=90)
FINAL = frozenset({"sent", "skipped", "held", "digested", "rejected"})


def now() -> datetime:
    """The worker's clock (tests move it to expire leases)."""
    return utcnow()


class Busy(Exception):
    """Another attempt holds this delivery; the message is retried after its visibility timeout."""


@dataclass(frozen=True)
class Claim:
    id: uuid.UUID
    attempts: int


def claim(session: Session, *, key: str, recipient: str, channel: str, category: str, template: str,
          user_id: uuid.UUID | None) -> Claim | None:
    """This attempt's hold on the delivery; None when it is already done. Raises Busy while another
    live attempt holds it."""
    at = now()
    values: dict[str, Any] = {
        "id": new_id(), "idempotency_key": key, "recipient": recipient, "channel": channel, "category": category,
        "template": template, "user_id": user_id, "status": "sending", "lease_until": at + LEASE, "attempts": 1,
        "created_at": at, "updated_at": at,
    }
    statement = insert_ignoring_duplicates(session, Delivery, values, ["idempotency_key", "recipient", "channel"])
    created = session.execute(statement.returning(Delivery.id)).scalar_one_or_none()
    if created is not None:
        return Claim(created, 1)
    taken = session.execute(
        update(Delivery)
        .where(Delivery.idempotency_key == key, Delivery.recipient == recipient, Delivery.channel == channel)
        .where(or_(Delivery.status == "failed", (Delivery.status == "sending") & (Delivery.lease_until <= at)))
        .values(status="sending", lease_until=at + LEASE, attempts=Delivery.attempts + 1, updated_at=at)
        .returning(Delivery.id, Delivery.attempts)
    ).one_or_none()
    if taken is not None:
        return Claim(taken[0], taken[1])
    status = session.scalar(select(Delivery.status).where(
        Delivery.idempotency_key == key, Delivery.recipient == recipient, Delivery.channel == channel))
    if status in FINAL:
        return None
    raise Busy(f"{channel} to {recipient} for {key} is being sent by another attempt")


def settled(session: Session, key: str) -> set[tuple[str, str]]:
    """(recipient, channel) pairs of `key` that reached a final state."""
    rows = session.execute(select(Delivery.recipient, Delivery.channel).where(
        Delivery.idempotency_key == key, Delivery.status.in_(FINAL)))
    return {(recipient, channel) for recipient, channel in rows}


def finish(session: Session, claim_id: uuid.UUID, status: str, *, provider_message_id: str | None = None,
           error: str | None = None, payload: dict[str, Any] | None = None,
           release_at: datetime | None = None) -> None:
    """Records the outcome of the attempt holding `claim_id`."""
    at = now()
    session.execute(
        update(Delivery).where(Delivery.id == claim_id).values(
            status=status, lease_until=None, provider_message_id=provider_message_id,
            error=error[:500] if error else None, payload=payload, release_at=release_at,
            sent_at=at if status == "sent" else None, updated_at=at,
        )
    )
