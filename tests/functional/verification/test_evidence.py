"""Files the tests make, each through the whole pipeline: the report's evidence names what was found."""

from __future__ import annotations

from typing import Any

import requests

from tests.fixtures import forensic_files as files
from tests.functional.verification.conftest import layer, verified
from veriflow.local import LocalCloud

PHOTO = files.camera_photo(size=(1024, 768), seed=21)


def _codes(report: dict[str, Any], name: str) -> set[str]:
    return {finding["code"] for finding in layer(report, name)["findings"]}


def test_an_untouched_camera_photo_is_authentic(api: Any, identity: Any, local_cloud: LocalCloud) -> None:
    # GIVEN a user  WHEN they verify an untouched camera-like JPEG with EXIF
    report = verified(api, identity.user(), PHOTO)
    # THEN metadata reads the camera and finds no edit, ELA nothing worth a warning, and the verdict
    # is authentic on the share of the weight that ran
    assert layer(report, "metadata")["facts"]["camera_make"] == "Canon"
    assert layer(report, "metadata")["facts"]["jpeg_quality"] == 92
    assert not [f for item in report["layers"] for f in item["findings"] if f["severity"] in ("warning", "strong")]
    assert report["verdict"] == "authentic"
    assert report["trust_score"] >= 90
    assert report["confidence"] >= 0.4  # metadata and ELA at least (vision, registry, chain are not built)


def test_a_pasted_region_is_located_and_the_editor_named(api: Any, identity: Any, local_cloud: LocalCloud) -> None:
    # GIVEN the same photo with a region of another scene pasted in and saved by an editor
    edited = files.pasted(PHOTO, seed=77)
    # WHEN it is verified
    report = verified(api, identity.user(), edited)
    # THEN metadata names the editor, ELA locates the region, and the verdict is not authentic
    metadata = layer(report, "metadata")
    assert "editing_software" in _codes(report, "metadata")
    assert any("Adobe Photoshop" in finding["message"] for finding in metadata["findings"])
    [region] = [f for f in layer(report, "ela")["findings"] if f["code"] == "ela_region"]
    x0, y0, x1, y1 = region["data"]["box"]
    truth = (1024 // 3, 768 // 3, 1024 // 3 + 1024 // 5, 768 // 3 + 768 // 5)
    overlap = max(0, min(x1, truth[2]) - max(x0, truth[0])) * max(0, min(y1, truth[3]) - max(y0, truth[1]))
    union = (x1 - x0) * (y1 - y0) + (truth[2] - truth[0]) * (truth[3] - truth[1]) - overlap
    assert overlap / union > 0.5
    assert report["verdict"] in ("suspicious", "tampered")
    # AND the ELA heatmap is evidence behind a short-lived link
    [heatmap] = layer(report, "ela")["evidence"]
    assert heatmap["name"] == "ela_heatmap.png"
    assert requests.get(heatmap["url"], timeout=10).content.startswith(b"\x89PNG")


def test_a_png_that_used_to_be_a_jpeg_says_so(api: Any, identity: Any, local_cloud: LocalCloud) -> None:
    report = verified(api, identity.user(), files.png_from_jpeg(PHOTO), "image/png")
    assert "jpeg_history" in _codes(report, "metadata")


def test_a_screenshot_is_not_called_tampered(api: Any, identity: Any, local_cloud: LocalCloud) -> None:
    report = verified(api, identity.user(), files.screenshot(), "image/png")
    # THEN it has no camera metadata (said so) but nothing marks it as edited
    assert "no_camera_metadata" in _codes(report, "metadata")
    assert "jpeg_history" not in _codes(report, "metadata")
    assert report["verdict"] == "authentic"


def test_a_pdf_edited_by_an_incremental_update_names_the_revision_and_font(
    api: Any, identity: Any, local_cloud: LocalCloud,
) -> None:
    report = verified(api, identity.user(), files.edited_pdf(), "application/pdf")
    findings = layer(report, "metadata")["findings"]
    [update] = [f for f in findings if f["code"] == "incremental_update"]
    assert update["data"]["revision"] == 2
    [font] = [f for f in findings if f["code"] == "pdf_font_added"]
    assert font["data"]["fonts"] == ["Courier-Bold"]
    # AND ELA does not pretend to read a PDF
    assert layer(report, "ela")["status"] == "skipped"
    assert layer(report, "ela")["reason"] == "Error level analysis applies to JPEG and PNG images."
