"""EventBridge schedule expressions: `rate(5 minutes)` and AWS's six-field `cron(...)`, in UTC."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from veriflow.local.errors import TemplateError

_RATE = re.compile(r"rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)")
_CRON = re.compile(r"cron\((.*)\)")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_LOOKAHEAD_DAYS = 366 * 5


class Schedule(Protocol):
    def next_after(self, moment: datetime) -> datetime:
        """The first firing time strictly after `moment`."""
        ...


@dataclass(frozen=True)
class Rate:
    seconds: int

    def next_after(self, moment: datetime) -> datetime:
        return moment + timedelta(seconds=self.seconds)


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    """Values of one cron field: `*`, numbers or names, ranges, lists and `/` steps."""
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1

        def number(token: str) -> int:
            token = token.upper()
            value = (names or {}).get(token) if not token.isdigit() else int(token)
            if value is None or not low <= value <= high:
                raise TemplateError(f"cron field value {token!r} is not within {low}-{high}")
            return value

        if base in ("*", "?"):
            start, end = low, high
        elif "-" in base:
            start, end = (number(token) for token in base.split("-", 1))
        else:
            start = number(base)
            end = high if step_text else start
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: str  # day-of-month field, kept as text for `?` and `L`
    months: frozenset[int]
    weekdays: str  # day-of-week field, kept as text for `?`, `nL` and `n#k`
    years: frozenset[int]

    @classmethod
    def parse(cls, fields: str) -> Cron:
        parts = fields.split()
        if len(parts) != 6:
            raise TemplateError(f"cron({fields}) needs six fields: minutes hours day month weekday year")
        minutes, hours, days, months, weekdays, years = parts
        if (days == "?") == (weekdays == "?"):
            raise TemplateError(f"cron({fields}): exactly one of day-of-month and day-of-week must be '?'")
        if "W" in days.upper():
            raise TemplateError(f"cron({fields}): 'W' (nearest weekday) is not supported locally")
        cron = cls(_field(minutes, 0, 59), _field(hours, 0, 23), days.upper(), _field(months, 1, 12, _MONTHS),
                   weekdays.upper(), _field(years, 1970, 2199))
        cron._day_matches(date(2000, 1, 1))  # validates the day fields now, not at the first firing
        return cron

    def next_after(self, moment: datetime) -> datetime:
        start = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        times = sorted((h, m) for h in self.hours for m in self.minutes)
        for offset in range(_LOOKAHEAD_DAYS):
            day = start.date() + timedelta(days=offset)
            if day.year not in self.years or day.month not in self.months or not self._day_matches(day):
                continue
            earliest = (start.hour, start.minute) if offset == 0 else (0, 0)
            for hour, minute in times:
                if (hour, minute) >= earliest:
                    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
        raise TemplateError("this cron expression never fires within five years")

    def _day_matches(self, day: date) -> bool:
        last = calendar.monthrange(day.year, day.month)[1]
        if self.weekdays == "?":
            return day.day == last if self.days == "L" else day.day in _field(self.days, 1, 31)
        weekday = (day.weekday() + 1) % 7 + 1  # AWS counts 1=SUN … 7=SAT
        if self.weekdays.endswith("L"):
            wanted = _field(self.weekdays[:-1], 1, 7, _DAYS)
            return weekday in wanted and day.day + 7 > last
        if "#" in self.weekdays:
            name, nth = self.weekdays.split("#", 1)
            return weekday in _field(name, 1, 7, _DAYS) and (day.day - 1) // 7 + 1 == int(nth)
        return weekday in _field(self.weekdays, 1, 7, _DAYS)


def parse_schedule(expression: str) -> Schedule:
    """A rate(...) or cron(...) expression as EventBridge accepts it."""
    text = expression.strip()
    rate = _RATE.fullmatch(text)
    if rate and int(rate.group(1)) > 0:
        unit = rate.group(2).rstrip("s")
        return Rate(int(rate.group(1)) * _UNIT_SECONDS[unit])
    cron = _CRON.fullmatch(text)
    if cron:
        return Cron.parse(cron.group(1))
    raise TemplateError(f"not a schedule expression: {expression!r}")
