"""The transactional outbox: every queue message is a row of the transaction that causes it.

`add` writes the messages in the caller's session; once that transaction commits they are relayed
to their queue and deleted, before `session_scope` returns (so before an HTTP response is sent).
A relay that fails leaves them in the table: the `OutboxRelayFunction` schedule sends what is older
than `RELAY_AFTER` every minute. Delivery is at least once (a crash between the send and the
delete sends again); every consumer is idempotent.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from veriflow.core.aws import queue_url, send_batch
from veriflow.core.db import after_commit
from veriflow.core.observability import logger
from veriflow.core.types import new_id, utcnow
from veriflow.outbox.models import OutboxMessage

# The schedule leaves younger rows to the relay that follows their own commit.
RELAY_AFTER: Final = timedelta(seconds=30)
BATCH: Final = 100
_PENDING = "veriflow_outbox_pending"


def add(session: Session, queue: str, entries: Sequence[Mapping[str, Any]]) -> None:
    """Queue `entries` (SendMessage fields: MessageBody and optional MessageAttributes, ...) to the
    queue whose URL the template hands functions in the variable `queue`, once `session` commits."""
    if not entries:
        return
    queue_url(queue, "queue messages")  # a missing queue is a configuration error now, not at relay
    now = utcnow()
    rows = [OutboxMessage(id=new_id(), queue=queue, body=str(entry["MessageBody"]), created_at=now,
                          attributes={k: v for k, v in entry.items() if k != "MessageBody"})
            for entry in entries]
    session.add_all(rows)
    pending: list[uuid.UUID] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        after_commit(session, _relay_committed)
    pending.extend(row.id for row in rows)


def _relay_committed(session: Session) -> None:
    ids = session.info.pop(_PENDING, [])
    try:
        with session.begin():
            relay(session, select(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    except Exception:
        # Committed and kept: the schedule relays them. The caller's work stands.
        logger.warning("outbox relay failed; the schedule will send these", exc_info=True,
                       extra={"outbox_messages": len(ids)})


def relay(session: Session, query: Any) -> int:
    """Sends the outbox rows `query` selects, grouped by queue, and deletes those sent; returns how many.
    A queue that refuses keeps its rows (attempts and last error recorded) and raises afterwards."""
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows: list[OutboxMessage] = list(session.scalars(query))
    by_queue: dict[str, list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        by_queue[row.queue].append(row)
    sent, failure = 0, None
    for queue, group in by_queue.items():
        try:
            send_batch(queue_url(queue, "relay the outbox"), [{"MessageBody": r.body, **r.attributes} for r in group])
        except Exception as exc:
            failure = exc
            for row in group:
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            continue
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in group])))
        sent += len(group)
    if failure is not None:
        session.flush()
        logger.warning("outbox relay: a queue refused", extra={"error": repr(failure)})
    return sent


def relay_due(limit: int = BATCH, rounds: int = 50) -> int:
    """The schedule: send every message older than RELAY_AFTER, a batch at a time; returns how many."""
    from veriflow.core.db import session_scope

    total = 0
    for _ in range(rounds):
        with session_scope() as session:
            query = (select(OutboxMessage).where(OutboxMessage.created_at <= utcnow() - RELAY_AFTER)
                     .order_by(OutboxMessage.created_at).limit(limit))
            found = relay(session, query)
        total += found
        if found < limit:
            break
    return total

