"""Who sees an upload and its report, what a failing layer does to the verdict, and that a re-run
of the verdict stores one report and tells the uploader once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures import forensic_files as files
from tests.functional.certificates.conftest import queued
from tests.functional.verification.conftest import layer, new_upload, verified
from veriflow.core.db import session_scope
from veriflow.local import LocalCloud
from veriflow.verification import tasks
from veriflow.verification.models import VerificationReport

PHOTO = files.camera_photo(size=(640, 480), seed=5)


def test_another_users_upload_and_report_are_not_found(api: Any, identity: Any, local_cloud: LocalCloud) -> None:
    # GIVEN a user's finished verification
    owner, stranger, reviewer = identity.user(), identity.user(), identity.user(roles=("reviewer",))
    report = verified(api, owner, PHOTO)
    # WHEN another user asks for the upload or the report
    # THEN both are 404, as if they did not exist
    assert api("GET", f"/v1/uploads/{report['upload_id']}", stranger)["statusCode"] == 404
    refused = api("GET", f"/v1/verifications/{report['id']}", stranger)
    assert refused["statusCode"] == 404
    assert refused["json"]["error"]["code"] == "not_found"
    # AND a platform reviewer may read it
    assert api("GET", f"/v1/verifications/{report['id']}", reviewer)["statusCode"] == 200


def test_an_organizations_key_uploads_for_it_and_its_members_read_the_report(
    api: Any, identity: Any, local_cloud: LocalCloud,
) -> None:
    # GIVEN an organization, a key with verifications:create, a member, and an outsider
    owner = identity.user()
    org_id = identity.org(owner)
    key = identity.api_key(org_id, scopes=("verifications:create", "verifications:read"))
    member = identity.member(org_id, identity.user(), "member")
    outsider_org = identity.org(identity.user(), "Other")
    outsider = identity.api_key(outsider_org, scopes=("verifications:create", "verifications:read"))
    queued(local_cloud)
    # WHEN the key uploads a file
    report = verified(api, key, PHOTO)
    # THEN the organization owns it: its member reads it, the other organization's key gets 404
    assert api("GET", f"/v1/verifications/{report['id']}", member)["statusCode"] == 200
    assert api("GET", f"/v1/verifications/{report['id']}", outsider)["statusCode"] == 404
    # AND the organization gets a verification.completed webhook with the verdict
    [message] = [m for m in queued(local_cloud) if m["template"] == "verification.completed"]
    assert message["channels"] == ["webhook"]
    assert message["recipients"]["org_id"] == str(org_id)
    assert message["data"]["verdict"] == report["verdict"]


def test_a_key_without_the_scope_cannot_upload(api: Any, identity: Any, local_cloud: LocalCloud) -> None:
    # GIVEN a key of an organization with read scopes only
    org_id = identity.org(identity.user())
    key = identity.api_key(org_id, scopes=("org:read",))
    # WHEN it asks for an upload  THEN 403 names the permission
    refused = api("POST", "/v1/uploads", key, json_body={"content_type": "image/jpeg"})
    assert refused["statusCode"] == 403
    assert refused["json"]["error"]["details"] == {"permission": "verifications:create"}


def test_a_layer_that_raises_is_an_error_with_lower_confidence_and_the_same_score(
    api: Any, identity: Any, local_cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN one verified file as the baseline
    user = identity.user()
    baseline = verified(api, user, PHOTO)
    assert layer(baseline, "geo")["status"] in ("ok", "skipped")

    # WHEN the same file is verified while the geo layer raises
    def broken(task: Any) -> Any:
        raise RuntimeError("geo database is corrupt")

    monkeypatch.setitem(tasks.ANALYSES, "geo", broken)
    report = verified(api, user, PHOTO)
    # THEN that layer alone is `error` with the failure's message, the other layers are as before
    geo = layer(report, "geo")
    assert geo["status"] == "error"
    assert "RuntimeError" in geo["reason"]
    assert "geo database is corrupt" in geo["reason"]
    for name in ("metadata", "ela"):
        assert layer(report, name)["status"] == layer(baseline, name)["status"]
    # AND confidence drops by geo's weight when it had run, and the score does not move with it
    if layer(baseline, "geo")["status"] == "ok":
        assert report["confidence"] == pytest.approx(baseline["confidence"] - 0.1)
    others = [item for item in baseline["layers"] if item["status"] == "ok" and item["layer"] != "geo"]
    if others:
        weight = sum(item["weight"] for item in others)
        expected = round(100 * sum(item["weight"] * item["score"] for item in others) / weight)
        assert report["trust_score"] == expected


def test_a_rerun_of_the_verdict_stores_one_report_and_tells_the_uploader_once(
    api: Any, identity: Any, local_cloud: LocalCloud,
) -> None:
    # GIVEN a finished verification, the notification it queued taken off the queue
    user = identity.user()
    queued(local_cloud)
    report = verified(api, user, PHOTO)
    [told] = [m for m in queued(local_cloud) if m["template"] == "verification.completed"]
    assert told["recipients"]["user_ids"] == [str(user.id)]
    assert told["channels"] == ["in_app"]
    # WHEN the verdict task runs again with the same execution's input (a retried state)
    created = api("GET", f"/v1/uploads/{report['upload_id']}", user)["json"]
    key = f"incoming/{user.id}/{created['id']}"
    bucket = local_cloud.functions["UploadReceivedFunction"].environment()["UPLOADS_BUCKET"]
    event = {"execution": created["id"], "input": {"upload_id": created["id"], "bucket": bucket, "key": key,
                                                   "kind": "jpeg", "layers": []}}
    result, failed = local_cloud.functions["VerdictFunction"].invoke(event)
    # THEN it answers the stored verdict; one report, nothing queued again
    assert not failed, result
    assert result["verdict"] == report["verdict"]
    with session_scope() as session:
        assert session.query(VerificationReport).count() == 1
    assert queued(local_cloud) == []


def test_an_upload_claiming_a_certificate_is_created_awaiting_its_file(
    api: Any, identity: Any, local_cloud: LocalCloud,
) -> None:
    # GIVEN a user  WHEN they ask to check a file that claims to be a certificate
    user = identity.user()
    created = new_upload(api, user, "application/pdf", certificate_id="0193a6f0-2b7c-7d41-8e5f-6a7b8c9d0e1f",
                         purpose="certificate_check")
    # THEN it waits for its file, with the claim kept
    got = api("GET", f"/v1/uploads/{created['upload']['id']}", user)["json"]
    assert (got["status"], got["certificate_id"], got["purpose"]) == (
        "awaiting_file", "0193a6f0-2b7c-7d41-8e5f-6a7b8c9d0e1f", "certificate_check")
