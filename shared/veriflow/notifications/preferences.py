"""What a user receives where: defaults, their overrides per category and channel, and quiet hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from veriflow.messaging.notification import Category, Channel

# Channels a person chooses between; webhooks belong to organizations, not to people.
USER_CHANNELS: tuple[Channel, ...] = (Channel.IN_APP, Channel.EMAIL, Channel.SMS)

# Marketing email is opt-in; SMS is for security only (it costs money and wakes people up).
DEFAULTS: dict[Category, dict[Channel, bool]] = {
    category: {
        Channel.IN_APP: True,
        Channel.EMAIL: category is not Category.MARKETING,
        Channel.SMS: category is Category.SECURITY,
    }
    for category in Category
}
# Channels SMS may ever carry, whatever the preferences say.
SMS_CATEGORIES = frozenset({Category.SECURITY})
# Quiet hours hold what would interrupt: in-app messages wait silently in the inbox anyway.
HELD_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS})


class PreferenceError(ValueError):
    """A preference that cannot be set: the message says why in a sentence that does not quote
    the value, `rule` is the rule's code."""

    def __init__(self, message: str, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    timezone: str

    def release_at(self, now: datetime) -> datetime | None:
        """When the quiet window containing `now` ends (UTC), or None when `now` is not inside one."""
        zone = ZoneInfo(self.timezone)
        local = now.astimezone(zone)
        clock = local.time().replace(tzinfo=None)
        if self.start == self.end:
            return None
        if self.start < self.end:  # same day, e.g. 13:00 to 15:00
            inside, end_day = self.start <= clock < self.end, local.date()
        else:  # across midnight, e.g. 22:00 to 07:00
            inside = clock >= self.start or clock < self.end
            end_day = local.date() + timedelta(days=1) if clock >= self.start else local.date()
        if not inside:
            return None
        # Wall-clock end in the user's zone; a DST gap moves it forward, as a clock on the wall would.
        end = datetime.combine(end_day, self.end, tzinfo=zone)
        return end.astimezone(UTC)


def check_timezone(name: str) -> str:
    """`name` when it is an IANA zone key (only those: no file paths, no "localtime")."""
    if name not in _zones():
        raise PreferenceError("Unknown time zone: use an IANA name such as Europe/Paris.", "timezone_unknown")
    return name


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def matrix(overrides: dict[str, dict[str, bool]] | None) -> dict[Category, dict[Channel, bool]]:
    """The full category and channel table: defaults with the user's overrides applied."""
    table = {category: dict(channels) for category, channels in DEFAULTS.items()}
    for category_name, channels in (overrides or {}).items():
        if category_name not in Category.__members__.values():
            continue  # a category that no longer exists
        for channel_name, enabled in channels.items():
            if channel_name in USER_CHANNELS:
                table[Category(category_name)][Channel(channel_name)] = bool(enabled)
    for channel in (Channel.IN_APP, Channel.EMAIL):
        table[Category.SECURITY][channel] = True
    for category in Category:
        if category not in SMS_CATEGORIES:
            table[category][Channel.SMS] = False
    return table


def check_change(category: Category, channel: Channel, enabled: bool) -> None:
    """Refuses what cannot be chosen: security in-app and email stay on; SMS only for security."""
    if channel not in USER_CHANNELS:
        raise PreferenceError("This channel is not a personal one.", "channel_not_personal")
    if category is Category.SECURITY and channel in (Channel.IN_APP, Channel.EMAIL) and not enabled:
        raise PreferenceError("Security messages cannot be turned off in the app or by email.",
                              "security_channel_required")
    if channel is Channel.SMS and enabled and category not in SMS_CATEGORIES:
        raise PreferenceError("SMS carries security messages only.", "sms_security_only")


def wants(overrides: dict[str, dict[str, bool]] | None, category: Category, channel: Channel) -> bool:
    if channel not in USER_CHANNELS:
        return False
    return matrix(overrides)[category][channel]
