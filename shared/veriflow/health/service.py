"""Readiness checks: the database and every AWS resource named in the function's environment."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from functools import partial

from sqlalchemy import text

from veriflow.core.aws import client
from veriflow.core.db import get_engine
from veriflow.core.migrations import head_revision
from veriflow.core.observability import logger
from veriflow.core.settings import get_settings
from veriflow.health.schemas import CheckPublic, ReadyPublic

# The template hands every function its resources as environment variables; the suffix says
# what kind of resource it is, and so how to ask whether it answers.
RESOURCE_SUFFIXES: dict[str, tuple[str, Callable[[str], object]]] = {
    "_BUCKET": ("s3", lambda name: client("s3").head_bucket(Bucket=name)),
    "_QUEUE_URL": ("sqs", lambda url: client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])),
    "_TABLE": ("dynamodb", lambda name: client("dynamodb").describe_table(TableName=name)),
    "_SECRET_ARN": ("secretsmanager", lambda arn: client("secretsmanager").describe_secret(SecretId=arn)),
    "_TOPIC_ARN": ("sns", lambda arn: client("sns").get_topic_attributes(TopicArn=arn)),
    "_STATE_MACHINE_ARN": (
        "stepfunctions",
        lambda arn: client("stepfunctions").describe_state_machine(stateMachineArn=arn),
    ),
}


class SchemaBehind(RuntimeError):
    """The database answers but its schema is not at the newest migration."""


def check_database() -> str:
    with get_engine().connect() as connection:
        current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    head = head_revision()
    if current != head:
        raise SchemaBehind(f"schema at {current}, expected {head}: run `veriflow migrate`")
    return get_engine().url.get_backend_name()


def resource_checks(environ: dict[str, str]) -> dict[str, tuple[str, Callable[[], object]]]:
    """One check per resource variable that is set: name → (target, probe)."""
    checks: dict[str, tuple[str, Callable[[], object]]] = {}
    for variable, value in sorted(environ.items()):
        for suffix, (service, probe) in RESOURCE_SUFFIXES.items():
            if variable.endswith(suffix) and value:
                checks[f"{service}:{variable}"] = (value, partial(probe, value))
    return checks


def _timed(target: str, probe: Callable[[], object]) -> CheckPublic:
    started = time.perf_counter()
    try:
        probe()
    except Exception as exc:
        logger.warning("readiness check failed", extra={"target": target, "error": repr(exc)})
        return CheckPublic(status="fail", latency_ms=_ms_since(started), target=target, error=type(exc).__name__)
    return CheckPublic(status="ok", latency_ms=_ms_since(started), target=target)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def readiness() -> ReadyPublic:
    """Runs every check at once, each bounded by the health timeout."""
    checks: dict[str, tuple[str, Callable[[], object]]] = {"database": ("database", check_database)}
    checks.update(resource_checks(dict(os.environ)))
    timeout = get_settings().health_check_timeout_s
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="health")
    futures = {name: pool.submit(_timed, target, probe) for name, (target, probe) in checks.items()}
    wait(futures.values(), timeout=timeout)
    pool.shutdown(wait=False, cancel_futures=True)
    results = {
        name: future.result()
        if future.done()
        else CheckPublic(status="fail", latency_ms=timeout * 1000, target=checks[name][0], error="Timeout")
        for name, future in futures.items()
    }
    status = "ok" if all(result.status == "ok" for result in results.values()) else "fail"
    return ReadyPublic(status=status, checks=results)
