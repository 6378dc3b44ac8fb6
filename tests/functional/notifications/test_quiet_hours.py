"""Quiet hours in the person's own time zone: held mail goes out as one digest when they end;
critical messages go out at once; the inbox is never held."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.functional.notifications.conftest import Notify
from veriflow.messaging.notification import Category, Channel, NotificationMessage, Recipients
from veriflow.notifications import delivery


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    # 23:30 in Tokyo (UTC+9) is 14:30 UTC: inside a 22:00 to 07:00 window there, not in UTC.
    fixed = Clock(datetime(2026, 11, 22, 14, 30, tzinfo=UTC))
    monkeypatch.setattr(delivery, "now", fixed)
    return fixed


def _challenge(key: str, user_id: object, title: str, priority: str = "normal") -> NotificationMessage:
    return NotificationMessage(
        idempotency_key=key, recipients=Recipients(user_ids=[user_id]), category=Category.CHALLENGE,  # type: ignore[list-item]
        template="system.broadcast", data={"title": title, "body": f"About {title.lower()}."},
        channels=[Channel.IN_APP, Channel.EMAIL], priority=priority,  # type: ignore[arg-type]
    )


def test_mail_in_quiet_hours_is_held_then_sent_as_one_digest(notify: Notify, clock: Clock) -> None:
    # GIVEN quiet hours 22:00 to 07:00 in Tokyo, and it is 23:30 there
    ada = notify.user("ada@example.com", quiet=("22:00", "07:00", "Asia/Tokyo"))
    # WHEN two messages arrive
    notify.send(_challenge("challenge:1", ada, "Round two"))
    notify.send(_challenge("challenge:2", ada, "Round three"))
    notify.drain()
    # THEN both are in the inbox at once, and no mail went out: it waits until 07:00 Tokyo (22:00 UTC)
    assert len(notify.inbox(ada)) == 2
    assert notify.mail() == []
    held = [d for d in notify.deliveries() if d.channel == "email"]
    assert {(d.status, d.release_at) for d in held} == {("held", datetime(2026, 11, 22, 22, 0, tzinfo=UTC))}
    # WHEN the digest schedule runs before the window ends, nothing moves
    notify.cloud.fire_schedule("NotificationsDigestFunction")
    notify.drain()
    assert notify.mail() == []
    # WHEN it runs after 07:00 Tokyo, twice
    clock.at = datetime(2026, 11, 22, 22, 5, tzinfo=UTC)
    notify.cloud.fire_schedule("NotificationsDigestFunction")
    notify.cloud.fire_schedule("NotificationsDigestFunction")
    notify.drain()
    # THEN exactly one digest mail lists both, and the held rows are settled
    (digest,) = notify.mail("ada@example.com")
    assert digest["subject"] == "2 notifications while you were away"
    assert "Round two" in digest["body"]
    assert "Round three" in digest["body"]
    assert {d.status for d in notify.deliveries() if d.channel == "email" and d.template != "notifications.digest"} == {
        "digested"
    }


def test_one_held_message_goes_out_as_itself(notify: Notify, clock: Clock) -> None:
    # GIVEN one message held by quiet hours
    ada = notify.user("ada@example.com", quiet=("22:00", "07:00", "Asia/Tokyo"))
    notify.send(_challenge("challenge:only", ada, "Round two"))
    notify.drain()
    # WHEN the window ends and the schedule runs
    clock.at += timedelta(hours=8)
    notify.cloud.fire_schedule("NotificationsDigestFunction")
    notify.drain()
    # THEN the mail is the message itself, not a digest of one
    assert [m["subject"] for m in notify.mail()] == ["Round two"]


def test_the_same_moment_is_not_quiet_for_someone_in_another_time_zone(notify: Notify, clock: Clock) -> None:
    # GIVEN the same 22:00 to 07:00 window, in Paris, where it is 15:30
    ada = notify.user("ada@example.com", quiet=("22:00", "07:00", "Europe/Paris"))
    # WHEN a message arrives
    notify.send(_challenge("challenge:paris", ada, "Round two"))
    notify.drain()
    # THEN it goes out now
    assert [m["subject"] for m in notify.mail()] == ["Round two"]


def test_a_critical_message_in_quiet_hours_goes_out_at_once(notify: Notify, clock: Clock) -> None:
    # GIVEN someone inside their quiet hours
    ada = notify.user("ada@example.com", quiet=("22:00", "07:00", "Asia/Tokyo"))
    # WHEN a critical message arrives
    notify.send(_challenge("challenge:critical", ada, "Account locked", priority="critical"))
    notify.drain()
    # THEN the mail goes out now
    assert [m["subject"] for m in notify.mail()] == ["Account locked"]
