"""What lands under incoming/ is checked by what it is: hostile files are refused with a reason and
start nothing; a repeated S3 event starts nothing new."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest

from tests.fixtures import forensic_files as files
from tests.functional.certificates.conftest import post_image
from tests.functional.verification.conftest import executions, new_upload, wait_done
from veriflow.local import LocalCloud

ROOT = Path(__file__).resolve().parents[3]
PHOTO = files.camera_photo(size=(640, 480), seed=11)

HOSTILE = {
    "decompression bomb": (files.bomb_png(), "image/png", "too_many_pixels"),
    "truncated JPEG": (files.truncated(PHOTO), "image/jpeg", "malformed"),
    "polyglot": (files.polyglot(PHOTO), "image/jpeg", "trailing_data"),
    "wrong extension": (files.png(files.scene((320, 240))), "image/jpeg", "type_mismatch"),
    "huge EXIF": (files.huge_exif(PHOTO), "image/jpeg", "metadata_too_large"),
    "animated PNG": (files.animated_png(), "image/png", "animated"),
    "PDF with thousands of pages": (files.pdf(3000), "application/pdf", "too_many_pages"),
    "not an image": (b"#!/bin/sh\necho hello\n", "image/png", "unsupported_type"),
    "PDF sent as an image": (files.pdf(1), "image/png", "type_mismatch"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_file_is_rejected_with_its_reason_and_no_execution(
    name: str, api: Any, identity: Any, local_cloud: LocalCloud,
) -> None:
    # GIVEN a user with an upload waiting for its file
    data, content_type, code = HOSTILE[name]
    user = identity.user()
    created = new_upload(api, user, content_type)
    # WHEN the hostile file lands
    assert post_image(created["post"], data) in (200, 204)
    # THEN the upload is rejected with a coded, readable reason, and no verification started
    upload = wait_done(api, user, created["upload"]["id"])
    assert (upload["status"], upload["rejection_code"]) == ("rejected", code), upload
    assert upload["rejection"].endswith(".")
    assert upload["verification_id"] is None
    assert executions(local_cloud) == []


def test_a_repeated_s3_event_starts_one_execution(api: Any, identity: Any, local_cloud: LocalCloud) -> None:
    # GIVEN a file that landed and started its verification
    user = identity.user()
    created = new_upload(api, user)
    assert post_image(created["post"], PHOTO) in (200, 204)
    wait_done(api, user, created["upload"]["id"])
    # WHEN S3 delivers the same event again (at-least-once), in its encoded form
    event = json.loads((ROOT / "events/upload_received/file-landed.json").read_text())
    record = event["Records"][0]["s3"]
    record["bucket"]["name"] = local_cloud.functions["UploadReceivedFunction"].environment()["UPLOADS_BUCKET"]
    key = created["post"]["fields"]["key"]
    record["object"]["key"] = quote_plus(key)
    result, failed = local_cloud.functions["UploadReceivedFunction"].invoke(event)
    # THEN nothing new starts: one execution, one report
    assert not failed, result
    assert result == {"outcomes": ["ignored"]}
    assert len(executions(local_cloud)) == 1


def test_an_object_no_upload_asked_for_is_ignored(identity: Any, local_cloud: LocalCloud) -> None:
    # GIVEN the sample event of a key no upload has
    event = json.loads((ROOT / "events/upload_received/file-landed.json").read_text())
    event["Records"][0]["s3"]["bucket"]["name"] = \
        local_cloud.functions["UploadReceivedFunction"].environment()["UPLOADS_BUCKET"]
    # WHEN the intake gets it
    result, failed = local_cloud.functions["UploadReceivedFunction"].invoke(event)
    # THEN it is ignored: no execution
    assert not failed, result
    assert result == {"outcomes": ["ignored"]}
    assert executions(local_cloud) == []


def test_the_upload_policy_fixes_key_type_and_size(api: Any, identity: Any, local_cloud: LocalCloud) -> None:
    # GIVEN a new upload  WHEN its presigned POST is read
    user = identity.user()
    created = new_upload(api, user, "application/pdf")
    post = created["post"]
    policy = json.loads(__import__("base64").b64decode(post["fields"]["policy"]))
    # THEN the key is incoming/{owner}/{upload id}, and the policy pins the type and the size range
    assert post["fields"]["key"] == f"incoming/{user.id}/{created['upload']['id']}"
    assert {"Content-Type": "application/pdf"} in policy["conditions"]
    assert ["content-length-range", 1, 15 * 1024 * 1024] in policy["conditions"]
    assert post["max_bytes"] == 15 * 1024 * 1024
