"""Fire the template's EventBridge schedules: on their rate or cron from a thread, or on demand.

moto stores schedule rules but never fires them.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from veriflow.local.clients import Clients
from veriflow.local.errors import LocalCloudError
from veriflow.local.schedules import Schedule, parse_schedule
from veriflow.local.stack import Stack

log = logging.getLogger("veriflow-local")
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class ScheduledRule:
    logical_id: str
    name: str
    arn: str
    expression: str
    schedule: Schedule
    targets: tuple[dict[str, Any], ...]
    enabled: bool
    target_ids: tuple[str, ...]  # logical ids of the resources it targets


@dataclass(frozen=True)
class Firing:
    rule: str
    at: datetime
    on_demand: bool
    results: tuple[dict[str, Any], ...]


def scheduled_rules(stack: Stack) -> list[ScheduledRule]:
    by_arn = {stack.physical(lid).arn: lid for lid in stack.resources()}
    rules = []
    for lid in stack.resources("AWS::Events::Rule"):
        props = stack.properties(lid)
        if "ScheduleExpression" not in props:
            continue
        physical, targets = stack.physical(lid), tuple(props.get("Targets", []))
        rules.append(ScheduledRule(
            logical_id=lid, name=physical.name, arn=physical.arn, expression=props["ScheduleExpression"],
            schedule=parse_schedule(props["ScheduleExpression"]), targets=targets,
            enabled=props.get("State", "ENABLED") == "ENABLED",
            target_ids=tuple(by_arn[t["Arn"]] for t in targets if t["Arn"] in by_arn),
        ))
    return rules


class Scheduler:
    """Knows every schedule rule; fires due ones from `run_due` (called by its thread) or by name."""

    def __init__(self, rules: list[ScheduledRule], aws: Clients, account_id: str, clock: Clock | None = None):
        self.rules = rules
        self.history: list[Firing] = []
        self._aws = aws
        self._account_id = account_id
        self._clock = clock or (lambda: datetime.now(UTC))
        self._due: dict[str, datetime] = {}
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def find(self, name: str) -> ScheduledRule:
        """A rule by logical id, physical name, or the logical id of the one thing it targets."""
        matches = [rule for rule in self.rules if name in (rule.logical_id, rule.name)]
        matches = matches or [rule for rule in self.rules if name in rule.target_ids]
        if len(matches) != 1:
            known = ", ".join(rule.logical_id for rule in self.rules) or "none"
            problem = "matches several schedules" if matches else "is not a schedule"
            raise LocalCloudError(f"{name!r} {problem} (schedules: {known})")
        return matches[0]

    def fire(self, name: str, on_demand: bool = True) -> Firing:
        """Deliver the rule's scheduled event to each of its targets now."""
        rule, at = self.find(name), self._clock()
        event = {
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": self._account_id, "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self._aws.region, "resources": [rule.arn], "detail": {},
        }
        results = tuple(self._deliver(target, target.get("Input") or json.dumps(event)) for target in rule.targets)
        firing = Firing(rule.logical_id, at, on_demand, results)
        for result in results:
            if not result["ok"]:
                log.warning("schedule %s: %s failed: %s", rule.logical_id, result["target"], result["result"])
        with self._changed:
            self.history.append(firing)
            self._changed.notify_all()
        return firing

    def run_due(self) -> list[Firing]:
        """Fire every enabled rule whose time has come; the first call only arms them."""
        now, fired = self._clock(), []
        for rule in self.rules:
            if not rule.enabled:
                continue
            due = self._due.setdefault(rule.logical_id, rule.schedule.next_after(now))
            if due <= now:
                fired.append(self.fire(rule.logical_id, on_demand=False))
                self._due[rule.logical_id] = rule.schedule.next_after(now)
        return fired

    def wait_for(self, count: int, timeout: float) -> bool:
        """Block until `count` firings happened in all (for tests and tools)."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.history) >= count, timeout)

    def start(self, poll_seconds: float = 1.0) -> None:
        self.run_due()
        self._thread = threading.Thread(target=self._run, args=(poll_seconds,), name="local-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self, poll_seconds: float) -> None:
        while not self._stop.wait(poll_seconds):
            try:
                self.run_due()
            except Exception:
                log.exception("firing schedules failed")

    def _deliver(self, target: dict[str, Any], payload: str) -> dict[str, Any]:
        arn = str(target["Arn"])
        service = arn.split(":")[2]
        if service == "lambda":
            response = self._aws("lambda").invoke(FunctionName=arn, Payload=payload)
            body = json.loads(response["Payload"].read() or b"null")
            return {"target": arn, "ok": "FunctionError" not in response, "result": body}
        if service == "states":
            started = self._aws("stepfunctions").start_execution(stateMachineArn=arn, input=payload)
            return {"target": arn, "ok": True, "result": started["executionArn"]}
        if service == "sqs":
            sqs = self._aws("sqs")
            url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[1])["QueueUrl"]
            sent = sqs.send_message(QueueUrl=url, MessageBody=payload)
            return {"target": arn, "ok": True, "result": sent["MessageId"]}
        if service == "sns":
            published = self._aws("sns").publish(TopicArn=arn, Message=payload)
            return {"target": arn, "ok": True, "result": published["MessageId"]}
        log.warning("schedule target %s is not run locally", arn)
        return {"target": arn, "ok": False, "result": "target type not supported locally"}
