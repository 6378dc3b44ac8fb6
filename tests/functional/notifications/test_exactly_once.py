"""Exactly one delivery per (idempotency key, recipient, channel) while SQS delivers messages up to
three times, the provider fails now and then, and the worker dies at random points of a batch."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.functional.notifications.conftest import Notify
from veriflow.messaging.notification import Category, Channel, NotificationMessage, Recipients
from veriflow.notifications import channels, delivery, worker


class WorkerDied(BaseException):
    """The process ends mid-invocation: no handler of ours runs, the whole batch comes back."""


class Chaos:
    """Deterministic trouble: a budget of crashes and at most one provider failure per message, so
    no message exceeds the queue's five receives (the dead-letter path is tested elsewhere)."""

    def __init__(self, seed: int, crashes: int) -> None:
        self.random = random.Random(seed)
        self.crashes_left = crashes
        self.provider_failed: set[str] = set()
        self.crashed = Counter[str]()

    def maybe_die(self, point: str, chance: float = 0.08) -> None:
        if self.crashes_left and self.random.random() < chance:
            self.crashes_left -= 1
            self.crashed[point] += 1
            raise WorkerDied(point)


@pytest.fixture
def jumping_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # A redelivery after a crash comes a visibility timeout later, when the dead attempt's lease has
    # ended; the queue here skips that wait, so the worker's clock jumps past a lease at every reading.
    state = {"at": datetime(2026, 11, 22, 12, 0, tzinfo=UTC)}

    def now() -> datetime:
        state["at"] += delivery.LEASE + timedelta(seconds=1)
        return state["at"]

    monkeypatch.setattr(delivery, "now", now)


@pytest.mark.parametrize("seed", [7, 2026])
def test_every_delivery_happens_once_under_redelivery_and_crashes(
    notify: Notify, monkeypatch: pytest.MonkeyPatch, jumping_clock: None, seed: int
) -> None:
    chaos = Chaos(seed, crashes=3)
    # GIVEN five accounts and 24 messages to one to three of them, in the app and by email
    people = [notify.user(f"user{i}@example.com") for i in range(5)]
    messages = [
        NotificationMessage(
            idempotency_key=f"challenge-update:{n:04d}", category=Category.CHALLENGE, template="system.broadcast",
            recipients=Recipients(user_ids=chaos.random.sample(people, chaos.random.randint(1, 3))),
            data={"title": f"Update {n}", "body": "Details inside."}, channels=[Channel.IN_APP, Channel.EMAIL],
        )
        for n in range(24)
    ]
    # AND a provider that fails once for some messages, and a worker that dies before a claim,
    # before the provider call, or after a delivery was recorded
    real_claim, real_send, real_deliver = delivery.claim, channels.send_email, worker.deliver

    def claim(*args: Any, **kwargs: Any) -> Any:
        chaos.maybe_die("before claim")
        return real_claim(*args, **kwargs)

    def send_email(to: str, rendered: Any) -> str:
        chaos.maybe_die("before provider call")
        key = f"{rendered.subject}:{to}"
        if key not in chaos.provider_failed and chaos.random.random() < 0.15:
            chaos.provider_failed.add(key)
            error = {"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}}
            raise ClientError(error, "SendEmail")  # type: ignore[arg-type]
        return real_send(to, rendered)

    def deliver(*args: Any, **kwargs: Any) -> None:
        real_deliver(*args, **kwargs)
        chaos.maybe_die("after delivery recorded")

    monkeypatch.setattr(delivery, "claim", claim)
    monkeypatch.setattr(channels, "send_email", send_email)
    monkeypatch.setattr(worker, "deliver", deliver)
    # WHEN each message is queued one to three times and the worker drains the queue
    for message in messages:
        notify.send(message, copies=chaos.random.randint(1, 3))
    notify.drain()
    # THEN the trouble happened...
    assert sum(chaos.crashed.values()) >= 1
    assert chaos.provider_failed
    # ...and every (message, recipient, channel) was delivered exactly once, none lost
    expected = Counter((m.data["title"], f"user{people.index(u)}@example.com") for m in messages
                       for u in m.recipients.user_ids)
    mailed = Counter((m["subject"], m["to"][0]) for m in notify.mail())
    assert mailed == expected
    inbox = Counter((n.title, f"user{people.index(u)}@example.com") for u in people for n in notify.inbox(u))
    assert inbox == expected
    log = notify.deliveries()
    assert len(log) == 2 * sum(expected.values())
    assert {d.status for d in log} == {"sent"}
    assert notify.dead_letters() == 0
