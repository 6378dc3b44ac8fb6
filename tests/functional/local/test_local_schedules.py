"""Schedules fire on their rate or cron from the runner thread, and on demand."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from veriflow.local import LocalCloud, LocalCloudError, TemplateError
from veriflow.local.scheduler import Scheduler
from veriflow.local.schedules import parse_schedule

Recorded = Callable[[str], dict[str, dict[str, Any]]]
START = datetime(2026, 1, 30, 23, 58, 30, tzinfo=UTC)  # a Friday


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += timedelta(seconds=seconds)


def ticks(recorded: Recorded) -> list[dict[str, Any]]:
    return [json.loads(item["event"]) for item in recorded("tick#").values()]


def test_fire_on_demand_sends_the_scheduled_event(cloud: LocalCloud, recorded: Recorded) -> None:
    # WHEN the every-minute schedule is fired by its rule's logical id
    firing = cloud.fire_schedule("TickFunctionEveryMinute")

    # THEN the function got EventBridge's scheduled-event payload naming the rule
    assert firing.on_demand
    assert firing.results[0]["ok"]
    (event,) = ticks(recorded)
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["resources"] == [cloud.resources["TickFunctionEveryMinute"].arn]
    assert event["detail"] == {}


def test_fire_by_function_needs_a_single_schedule(cloud: LocalCloud) -> None:
    # GIVEN TickFunction has two schedules; WHEN fired by the function's id, THEN the ambiguity is named
    with pytest.raises(LocalCloudError, match="matches several schedules"):
        cloud.fire_schedule("TickFunction")
    with pytest.raises(LocalCloudError, match="is not a schedule"):
        cloud.fire_schedule("NoSuchRule")
    # AND a target Input replaces the event, as EventBridge does
    assert cloud.fire_schedule("TickFunctionNightly").results[0]["ok"]


def test_runner_thread_fires_on_the_rate(cloud: LocalCloud, recorded: Recorded) -> None:
    # GIVEN the scheduler on a clock the test moves, started (which arms every schedule)
    clock = FakeClock(START)
    scheduler = Scheduler(cloud.scheduler.rules, cloud.aws, cloud.stack.account_id, clock=clock)
    scheduler.start(poll_seconds=0.005)
    try:
        # WHEN less than a minute passes, THEN nothing fires
        clock.advance(59)
        assert not scheduler.wait_for(1, timeout=0.1)

        # WHEN the minute is up, THEN the every-minute rule fires once from the thread
        clock.advance(1)
        assert scheduler.wait_for(1, timeout=10)
        clock.advance(60)
        assert scheduler.wait_for(2, timeout=10)
    finally:
        scheduler.stop()

    # THEN the thread fired the rate rule twice (the nightly cron is not due) with events stamped by the clock
    assert [(f.rule, f.on_demand) for f in scheduler.history] == [("TickFunctionEveryMinute", False)] * 2
    times = sorted(event["time"] for event in ticks(recorded))
    assert times == ["2026-01-30T23:59:30Z", "2026-01-31T00:00:30Z"]


def test_cron_rule_fires_at_its_time(cloud: LocalCloud, recorded: Recorded) -> None:
    # GIVEN the scheduler armed just before the nightly cron(30 2 * * ? *)
    clock = FakeClock(datetime(2026, 1, 31, 2, 29, 30, tzinfo=UTC))
    rules = [rule for rule in cloud.scheduler.rules if rule.logical_id == "TickFunctionNightly"]
    scheduler = Scheduler(rules, cloud.aws, cloud.stack.account_id, clock=clock)
    assert scheduler.run_due() == []

    # WHEN 02:30 comes, THEN it fires once, with the target's Input as the event
    clock.advance(30)
    assert [f.rule for f in scheduler.run_due()] == ["TickFunctionNightly"]
    assert scheduler.run_due() == []
    assert ticks(recorded) == [{"job": "nightly"}]


@pytest.mark.parametrize(("expression", "after", "expected"), [
    ("rate(5 minutes)", "2026-01-31T23:59:00", "2026-02-01T00:04:00"),
    ("cron(30 2 * * ? *)", "2026-01-31T02:30:00", "2026-02-01T02:30:00"),
    ("cron(0/15 * * * ? *)", "2026-01-31T10:07:00", "2026-01-31T10:15:00"),
    ("cron(0 12 ? * MON-FRI *)", "2026-01-31T13:00:00", "2026-02-02T12:00:00"),
    ("cron(0 0 L * ? *)", "2028-02-01T00:00:00", "2028-02-29T00:00:00"),
    ("cron(0 9 ? * 2#1 *)", "2026-01-31T00:00:00", "2026-02-02T09:00:00"),
    ("cron(0 18 ? * 6L *)", "2026-02-01T00:00:00", "2026-02-27T18:00:00"),
    ("cron(0 0 1 JAN,JUL ? 2027)", "2026-01-31T00:00:00", "2027-01-01T00:00:00"),
])
def test_schedule_expressions(expression: str, after: str, expected: str) -> None:
    moment = datetime.fromisoformat(after).replace(tzinfo=UTC)
    assert parse_schedule(expression).next_after(moment) == datetime.fromisoformat(expected).replace(tzinfo=UTC)


@pytest.mark.parametrize("expression", [
    "rate(0 minutes)", "cron(* * * * *)", "cron(0 0 * * * *)", "cron(0 0 15W * ? *)", "cron(0 25 * * ? *)", "every day",
])
def test_bad_schedule_expressions_are_refused(expression: str) -> None:
    with pytest.raises(TemplateError):
        parse_schedule(expression)
