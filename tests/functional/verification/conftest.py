"""The uploads group and the verification pipeline on the whole template in moto: the API
function, the uploads bucket and its trigger, the state machine really executing its layer
functions in-process, the notifications queue. Files are made by the tests (forensic_files)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.conftest import TemplateResources, reset_identity_caches
from tests.functional.conftest import Actor, deployed_template
from veriflow.core.aws import client
from veriflow.local import LocalCloud
from veriflow.notifications.render import reset_render_cache
from veriflow.verification.settings import get_verification_settings

EXECUTION_TIMEOUT_S = 60


def _reset() -> None:
    reset_identity_caches()
    get_verification_settings.cache_clear()
    reset_render_cache()


def _uploads_env(cloud: LocalCloud) -> dict[str, str]:
    environment = cloud.functions["UploadReceivedFunction"].environment()
    return {name: environment[name] for name in ("UPLOADS_BUCKET", "VERIFICATION_STATE_MACHINE_ARN")}


@pytest.fixture
def local_cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalCloud]:
    """Every resource of template.yaml in moto; this process talks to the same ones."""
    with deployed_template(monkeypatch, _reset, _uploads_env) as cloud:
        yield cloud


@pytest.fixture
def template_resources(local_cloud: LocalCloud) -> TemplateResources:
    return TemplateResources(local_cloud.stack, local_cloud.principals)


@pytest.fixture
def identity_resources(local_cloud: LocalCloud) -> str:
    return str(local_cloud.resources["NotificationsQueue"].url)


def post_file(post: dict[str, Any], data: bytes, filename: str = "upload") -> int:
    """What a browser does with the presigned POST: the policy's fields, then the file."""
    response = requests.post(post["url"], data=dict(post["fields"]), files={"file": (filename, data)}, timeout=10)
    return response.status_code


def new_upload(api: Any, actor: Actor, content_type: str = "image/jpeg", **body: Any) -> dict[str, Any]:
    created = api("POST", "/v1/uploads", actor, json_body={"content_type": content_type, **body})
    assert created["statusCode"] == 201, created["json"]
    return dict(created["json"])


def executions(cloud: LocalCloud) -> list[dict[str, Any]]:
    arn = cloud.resources["VerificationStateMachine"].arn
    return list(client("stepfunctions").list_executions(stateMachineArn=arn)["executions"])


def wait_done(api: Any, actor: Actor, upload_id: str) -> dict[str, Any]:
    """The upload once its execution finished (the state machine runs in moto's threads)."""
    deadline = time.monotonic() + EXECUTION_TIMEOUT_S
    while True:
        got = api("GET", f"/v1/uploads/{upload_id}", actor)["json"]
        if got["status"] in ("done", "rejected"):
            return dict(got)
        assert time.monotonic() < deadline, f"upload {upload_id} still {got['status']}"
        time.sleep(0.05)


def verified(api: Any, actor: Actor, data: bytes, content_type: str = "image/jpeg", **body: Any) -> dict[str, Any]:
    """A file through the whole flow: presigned POST, intake, pipeline, report."""
    created = new_upload(api, actor, content_type, **body)
    assert post_file(created["post"], data) in (200, 204)
    upload = wait_done(api, actor, created["upload"]["id"])
    assert upload["status"] == "done", (upload["rejection_code"], upload["rejection"])
    report = api("GET", f"/v1/verifications/{upload['verification_id']}", actor)
    assert report["statusCode"] == 200, report["json"]
    return dict(report["json"])


def layer(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(item for item in report["layers"] if item["layer"] == name)


def queued(cloud: LocalCloud) -> list[dict[str, Any]]:
    """Every message on the notifications queue, removed from it."""
    sqs = client("sqs")
    url = str(cloud.resources["NotificationsQueue"].url)
    found: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found
