"""The health group through its real Lambda handler."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from veriflow.core.settings import get_settings

Invoke = Callable[..., dict[str, Any]]


@pytest.fixture
def health(load_function: Callable[[str], ModuleType]) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    return load_function("health").handler  # type: ignore[no-any-return]


def test_live_answers_without_touching_dependencies(
    health: Any, sample_event: Callable[[str, str], dict[str, Any]], lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a database that cannot be reached
    monkeypatch.setenv("DATABASE_URL", "postgresql://veriflow:pw@127.0.0.1:1/none")
    # WHEN liveness is asked with the sample event
    response = health(sample_event("health", "live"), lambda_context)
    # THEN it is alive
    assert response["statusCode"] == 200
    assert response["body"] == '{"status":"ok"}'


def test_ready_reports_the_migrated_database(health: Any, invoke_http: Invoke, migrated_db: str) -> None:
    response = invoke_http(health, "GET", "/health/ready")
    assert response["statusCode"] == 200
    check = response["json"]["checks"]["database"]
    assert check["status"] == "ok"
    assert check["latency_ms"] >= 0


def test_ready_is_503_when_the_schema_is_behind(health: Any, invoke_http: Invoke) -> None:
    # GIVEN a database nobody migrated
    response = invoke_http(health, "GET", "/health/ready")
    # THEN readiness fails on the database, with the reason named
    assert response["statusCode"] == 503
    assert response["json"]["status"] == "fail"
    assert response["json"]["checks"]["database"]["status"] == "fail"


def test_ready_is_503_when_the_database_is_down(
    health: Any, invoke_http: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://veriflow:pw@127.0.0.1:1/none")
    response = invoke_http(health, "GET", "/health/ready")
    assert response["statusCode"] == 503
    assert response["json"]["checks"]["database"]["error"]


def test_ready_checks_every_aws_resource_in_the_environment(
    health: Any, invoke_http: Invoke, migrated_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with mock_aws():
        # GIVEN a function wired to a bucket, a queue, a table and a secret that exist
        boto3.client("s3").create_bucket(Bucket="uploads")
        queue_url = boto3.client("sqs").create_queue(QueueName="notifications")["QueueUrl"]
        boto3.client("dynamodb").create_table(
            TableName="rate-limits",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        secret = boto3.client("secretsmanager").create_secret(Name="signing-keys", SecretString="{}")["ARN"]
        monkeypatch.setenv("UPLOADS_BUCKET", "uploads")
        monkeypatch.setenv("NOTIFICATIONS_QUEUE_URL", queue_url)
        monkeypatch.setenv("RATE_LIMIT_TABLE", "rate-limits")
        monkeypatch.setenv("SIGNING_KEYS_SECRET_ARN", secret)
        # Each probe's first call builds its AWS client; on a loaded machine that alone can take
        # longer than the 2 s default, and this test is about coverage, not the time limit.
        monkeypatch.setenv("HEALTH_CHECK_TIMEOUT_S", "10")
        get_settings.cache_clear()
        # WHEN readiness is asked
        ok = invoke_http(health, "GET", "/health/ready")
        # THEN each resource is a check of its own, with its latency
        failing = {name: check for name, check in ok["json"]["checks"].items() if check["status"] != "ok"}
        assert ok["statusCode"] == 200, failing
        assert set(ok["json"]["checks"]) == {
            "database",
            "s3:UPLOADS_BUCKET",
            "sqs:NOTIFICATIONS_QUEUE_URL",
            "dynamodb:RATE_LIMIT_TABLE",
            "secretsmanager:SIGNING_KEYS_SECRET_ARN",
        }
        assert all(check["latency_ms"] >= 0 for check in ok["json"]["checks"].values())

        # GIVEN one of them disappears
        boto3.client("s3").delete_bucket(Bucket="uploads")
        failed = invoke_http(health, "GET", "/health/ready")
        # THEN readiness is 503 and names the failing one only
        assert failed["statusCode"] == 503
        statuses = {name: check["status"] for name, check in failed["json"]["checks"].items()}
        assert statuses["s3:UPLOADS_BUCKET"] == "fail"
        assert [name for name, status in statuses.items() if status == "fail"] == ["s3:UPLOADS_BUCKET"]
