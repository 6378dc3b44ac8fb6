"""The uploads group and the verification pipeline on the whole template in moto: the API
function, the uploads bucket and its trigger, the state machine really executing its layer
functions in-process, the notifications queue. Files are made by the tests (forensic_files)."""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import reset_identity_caches
from tests.functional.certificates.conftest import post_image
from tests.functional.conftest import Actor, whole_template
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


local_cloud, template_resources, identity_resources = whole_template(_reset, _uploads_env)


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
    assert post_image(created["post"], data) in (200, 204)
    upload = wait_done(api, actor, created["upload"]["id"])
    assert upload["status"] == "done", (upload["rejection_code"], upload["rejection"])
    report = api("GET", f"/v1/verifications/{upload['verification_id']}", actor)
    assert report["statusCode"] == 200, report["json"]
    return dict(report["json"])


def layer(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(item for item in report["layers"] if item["layer"] == name)
