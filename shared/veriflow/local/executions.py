"""Run a Step Functions execution to its end: moto has no StartSyncExecution, so start and poll."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from veriflow.local.errors import LocalCloudError

_POLL_SECONDS = 0.02


@dataclass(frozen=True)
class Execution:
    arn: str
    status: str  # SUCCEEDED, FAILED, TIMED_OUT or ABORTED
    output: Any
    error: str | None
    cause: str | None


def run_execution(
    sfn: Any, state_machine_arn: str, payload: Any, timeout: float, name: str | None = None
) -> Execution:
    """Start an execution of `state_machine_arn` with `payload` and wait for it to finish."""
    arn = sfn.start_execution(
        stateMachineArn=state_machine_arn, name=name or uuid.uuid4().hex, input=json.dumps(payload)
    )["executionArn"]
    deadline = time.monotonic() + timeout
    while True:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            break
        if time.monotonic() > deadline:
            raise LocalCloudError(f"execution {arn} still running after {timeout}s")
        time.sleep(_POLL_SECONDS)
    output = described.get("output")
    return Execution(
        arn=arn,
        status=described["status"],
        output=json.loads(output) if output else None,
        error=described.get("error"),
        cause=described.get("cause"),
    )
