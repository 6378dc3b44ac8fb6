"""Quiet windows in local time, across midnight, DST changes and date lines; the preference table."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from veriflow.messaging.notification import Category, Channel
from veriflow.notifications.preferences import PreferenceError, QuietHours, check_change, check_timezone, matrix

NIGHT = (time(22, 0), time(7, 0))


@pytest.mark.parametrize(("zone", "now", "release"), [
    # 21:59 in Paris (UTC+1 in winter): not yet quiet
    ("Europe/Paris", datetime(2026, 11, 22, 20, 59, tzinfo=UTC), None),
    # 22:00 in Paris: quiet until 07:00 the next morning, 06:00 UTC
    ("Europe/Paris", datetime(2026, 11, 22, 21, 0, tzinfo=UTC), datetime(2026, 11, 23, 6, 0, tzinfo=UTC)),
    # 06:59 in Paris: quiet for one more minute
    ("Europe/Paris", datetime(2026, 11, 23, 5, 59, tzinfo=UTC), datetime(2026, 11, 23, 6, 0, tzinfo=UTC)),
    # 07:00 in Paris: the window is over
    ("Europe/Paris", datetime(2026, 11, 23, 6, 0, tzinfo=UTC), None),
    # The same UTC instant is 23:30 in Tokyo (quiet) and 09:30 in New York (not)
    ("Asia/Tokyo", datetime(2026, 11, 22, 14, 30, tzinfo=UTC), datetime(2026, 11, 22, 22, 0, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 11, 22, 14, 30, tzinfo=UTC), None),
    # A different local date than UTC: 00:30 on the 23rd in Kiritimati (UTC+14) is 10:30 UTC on the 22nd
    ("Pacific/Kiritimati", datetime(2026, 11, 22, 10, 30, tzinfo=UTC), datetime(2026, 11, 22, 17, 0, tzinfo=UTC)),
    # The night clocks go back in Paris (25 October 2026): 07:00 is then UTC+1, 06:00 UTC
    ("Europe/Paris", datetime(2026, 10, 24, 21, 0, tzinfo=UTC), datetime(2026, 10, 25, 6, 0, tzinfo=UTC)),
    # The night clocks go forward (29 March 2026): 07:00 is then UTC+2, 05:00 UTC
    ("Europe/Paris", datetime(2026, 3, 28, 22, 0, tzinfo=UTC), datetime(2026, 3, 29, 5, 0, tzinfo=UTC)),
])
def test_a_night_window_ends_at_seven_local_time(zone: str, now: datetime, release: datetime | None) -> None:
    assert QuietHours(*NIGHT, zone).release_at(now) == release


def test_a_daytime_window_does_not_cross_midnight() -> None:
    lunch = QuietHours(time(12, 0), time(14, 0), "UTC")
    assert lunch.release_at(datetime(2026, 11, 22, 13, 0, tzinfo=UTC)) == datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
    assert lunch.release_at(datetime(2026, 11, 22, 23, 0, tzinfo=UTC)) is None


def test_the_table_keeps_security_on_and_sms_for_security_only() -> None:
    table = matrix({"security": {"email": False}, "reward": {"sms": True, "in_app": False}, "gone": {"email": True}})
    assert table[Category.SECURITY][Channel.EMAIL] is True
    assert table[Category.REWARD] == {Channel.IN_APP: False, Channel.EMAIL: True, Channel.SMS: False}
    assert table[Category.MARKETING][Channel.EMAIL] is False


@pytest.mark.parametrize(("category", "channel", "enabled"), [
    (Category.SECURITY, Channel.EMAIL, False),
    (Category.SECURITY, Channel.IN_APP, False),
    (Category.REWARD, Channel.SMS, True),
    (Category.SYSTEM, Channel.WEBHOOK, True),
])
def test_changes_that_cannot_be_made_are_refused(category: Category, channel: Channel, enabled: bool) -> None:
    with pytest.raises(PreferenceError):
        check_change(category, channel, enabled)


@pytest.mark.parametrize("name", ["Mars/Olympus", "../../etc/passwd", "", "utc "])
def test_only_iana_time_zones_are_accepted(name: str) -> None:
    with pytest.raises(PreferenceError):
        check_timezone(name)
    assert check_timezone("America/Sao_Paulo") == "America/Sao_Paulo"
