"""Server mode (`veriflow dev`): the same local cloud on a ThreadedMotoServer, reached over HTTP."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from veriflow.local import LocalCloud, LocalCloudError
from veriflow.local.dev import DevUrls, fire_remote, moto_server, run_dev


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(service, region_name="us-east-1", endpoint_url=endpoint,  # type: ignore[call-overload]
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_state_machine_and_triggers_on_a_moto_server(fixture_template: Path) -> None:
    # GIVEN the test template deployed on a moto server on a free port
    with moto_server() as endpoint:
        cloud = LocalCloud(fixture_template, endpoint_url=endpoint).deploy()
        try:
            # WHEN the pipeline runs, an upload lands and a queue is drained
            execution = cloud.run_state_machine("PipelineStateMachine", {"run_id": "server-1"})
            _client("s3", endpoint).put_object(
                Bucket=cloud.resources["UploadsBucket"].name, Key="incoming/a b.jpg", Body=b"x")
            _client("sqs", endpoint).send_message(
                QueueUrl=cloud.resources["WorkQueue"].url, MessageBody=json.dumps({"id": 7, "ok": True}))
            delivered = cloud.drain_queues()
            items = _client("dynamodb", endpoint).scan(TableName=cloud.resources["CallsTable"].name)["Items"]
        finally:
            cloud.close()

    # THEN Step Functions called the functions back through the server (MOTO_PORT), Retry and Catch held
    assert execution.status == "SUCCEEDED", execution.cause
    layers = execution.output["layers"]
    assert layers["flaky"]["attempts"] == 2
    assert layers["broken"]["error"] == "BrokenLayerError"
    assert layers["env"]["stage"] == "local"
    # AND the S3 notification and the SQS mapping reached their functions, which called the server back
    keys = {item["pk"]["S"] for item in items}
    assert {"s3#incoming/a b.jpg", "sqs#7", "flaky#server-1"} <= keys
    assert delivered == 1


def test_run_dev_serves_until_stopped(fixture_template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN `veriflow dev` running in a thread on free ports
    stop, ready = threading.Event(), threading.Event()
    urls: list[DevUrls] = []

    def announce(found: DevUrls) -> None:
        urls.append(found)
        ready.set()

    result: list[int] = []
    runner = threading.Thread(target=lambda: result.append(run_dev(
        fixture_template, port=0, stop=stop, on_ready=announce, env={"EXTRA": "1"})))
    runner.start()
    try:
        assert ready.wait(timeout=60), "run_dev never became ready"
        (dev,) = urls

        # WHEN a route is called, a schedule fired and a message queued for the background poller
        echoed = httpx.get(f"{dev.api}/items/9", timeout=30).json()
        fired = fire_remote(dev.api, "TickFunctionEveryMinute")
        with pytest.raises(LocalCloudError, match="is not a schedule"):
            fire_remote(dev.api, "NoSuchRule")
        sqs, dynamodb = _client("sqs", dev.moto), _client("dynamodb", dev.moto)
        queue_url = sqs.get_queue_url(QueueName="veriflow-local-WorkQueue")["QueueUrl"]
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"id": 99, "ok": True}))
        processed = _wait_for_item(dynamodb, "veriflow-local-CallsTable", "sqs#99")
        docs = httpx.get(dev.docs, timeout=30)
    finally:
        stop.set()
        runner.join(timeout=30)

    # THEN each was served, and run_dev stopped cleanly and printed where it listens
    assert echoed["event"]["pathParameters"] == {"id": "9"}
    assert echoed["env"]["STAGE"] == "local"
    assert fired.startswith("fired TickFunctionEveryMinute")
    assert processed
    assert docs.status_code == 200
    assert result == [0]
    assert not runner.is_alive()
    out = capsys.readouterr().out
    assert dev.api in out
    assert "GET /items/{id}" in out


def _wait_for_item(dynamodb: Any, table: str, key: str, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "Item" in dynamodb.get_item(TableName=table, Key={"pk": {"S": key}}):
            return True
        time.sleep(0.05)
    return False
