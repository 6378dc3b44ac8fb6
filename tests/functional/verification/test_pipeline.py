"""An upload from the presigned POST to its report, through the real template in moto."""

from __future__ import annotations

from typing import Any

from tests.fixtures import forensic_files as files
from tests.functional.verification.conftest import executions, layer, verified
from veriflow.local import LocalCloud


def test_a_camera_photo_goes_from_presigned_post_to_a_report(api: Any, identity: Any,
                                                             local_cloud: LocalCloud) -> None:
    # GIVEN a signed-in user
    user = identity.user()
    # WHEN they upload an untouched camera-like JPEG and the pipeline runs
    report = verified(api, user, files.camera_photo(size=(800, 600), seed=3))
    # THEN the report has all six layers; a photo issued by no one here skips the registry (and so
    # the chain), and vision waits for a provider
    assert [item["layer"] for item in report["layers"]] == ["metadata", "ela", "vision", "registry", "chain", "geo"]
    for name in ("vision", "registry", "chain"):
        assert layer(report, name)["status"] == "skipped"
    assert layer(report, "registry")["reason"].startswith("Not issued here")
    assert "No issued certificate matched" in layer(report, "chain")["reason"]
    assert len(executions(local_cloud)) == 1
