"""The JPEG's quantization tables and the checks against pixels: the EXIF thumbnail, and a PNG
whose pixels keep a JPEG's blocks (while a screenshot does not)."""

from __future__ import annotations

import io
from functools import cache

import pytest
from PIL import Image

from tests.fixtures.forensic_files import (
    camera_photo,
    camera_photo_with_thumbnail,
    edited_keeping_thumbnail,
    exif_of,
    png,
    png_from_jpeg,
    scene,
    screenshot,
    with_segment,
)
from veriflow.forensics import jpeg_tables
from veriflow.forensics.assessment import Assessment
from veriflow.forensics.metadata import analyse

SIZE = (640, 480)


@cache
def photo_once() -> bytes:
    """The untouched camera photo many tests start from, made once (making it is most of their time)."""
    return camera_photo(SIZE)


def codes(assessment: Assessment) -> set[str]:
    return {finding.code for finding in assessment.findings}


@pytest.mark.parametrize("quality", [10, 35, 50, 75, 85, 92, 100])
def test_the_quality_of_libjpeg_tables_is_found_exactly(quality: int) -> None:
    # GIVEN a JPEG saved by Pillow (libjpeg) at a quality
    photo = camera_photo((64, 48), quality=quality)
    # WHEN its tables are read
    result = analyse(photo, "jpeg")
    # THEN the quality is the one used, and the tables are libjpeg's
    assert result.facts["jpeg_quality"] == quality
    assert result.facts["quantization"] == "libjpeg"
    assert Image.open(io.BytesIO(photo)).quantization[0] == list(jpeg_tables.scaled(quality)[0])


def _custom(photo_quality: int = 90) -> bytes:
    tables = [[max(1, v - 1 if i % 3 else v) for i, v in enumerate(t)] for t in jpeg_tables.scaled(photo_quality)]
    out = io.BytesIO()
    scene((64, 48)).save(out, "JPEG", qtables=tables, exif=exif_of())
    return out.getvalue()


def test_custom_tables_are_a_camera_fact_and_with_adobe_markers_a_notice() -> None:
    # GIVEN a JPEG with its own tables, and the same with Adobe's APP14 segment
    own = _custom()
    adobe = with_segment(own, 0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x01")
    # WHEN they are analysed
    camera, editor = analyse(own, "jpeg"), analyse(adobe, "jpeg")
    # THEN the first is a fact with a close quality, the second an editor's tables
    assert camera.facts["quantization"] == "custom"
    assert abs(int(str(camera.facts["jpeg_quality"])) - 90) <= 3
    assert "custom_quantization" in codes(camera)
    assert [f.severity for f in camera.findings if f.code == "custom_quantization"] == ["info"]
    assert "editor_quantization" in codes(editor)


def test_a_camera_photo_saved_at_low_quality_is_noticed() -> None:
    # GIVEN camera photos at quality 70 and 92
    # WHEN they are analysed
    # THEN only the low one is a re-save notice
    assert "low_quality_camera" in codes(analyse(camera_photo(SIZE, quality=70), "jpeg"))
    assert "low_quality_camera" not in codes(analyse(photo_once(), "jpeg"))


def test_a_thumbnail_that_matches_the_picture_is_a_fact() -> None:
    # GIVEN a camera JPEG whose EXIF thumbnail shows the same picture
    photo = camera_photo_with_thumbnail(SIZE)
    # WHEN it is analysed
    result = analyse(photo, "jpeg")
    # THEN the thumbnail matches and nothing lowers the score
    assert "thumbnail_matches" in codes(result)
    assert "thumbnail_mismatch" not in codes(result)
    assert result.score == 1.0


@pytest.mark.parametrize(("crop", "reason"), [(False, "content"), (True, "frame")])
def test_a_thumbnail_that_no_longer_matches_is_a_strong_finding(crop: bool, reason: str) -> None:
    # GIVEN the camera JPEG edited (a region pasted, or cropped) with its EXIF kept as it was
    edited = edited_keeping_thumbnail(camera_photo_with_thumbnail(SIZE), crop=crop)
    # WHEN it is analysed
    result = analyse(edited, "jpeg")
    # THEN the thumbnail is a strong finding saying what differs
    found = [f for f in result.findings if f.code == "thumbnail_mismatch"]
    assert [(f.severity, f.data["reason"]) for f in found] == [("strong", reason)]
    assert "changed after the camera" in found[0].message or "cropped after the camera" in found[0].message
    assert result.score is not None
    assert result.score <= 0.5


def test_a_thumbnail_that_does_not_decode_is_a_notice() -> None:
    # GIVEN a camera JPEG whose thumbnail bytes are garbage of the same length
    photo = camera_photo_with_thumbnail(SIZE)
    start = photo.index(b"\xff\xd8", 4)  # the thumbnail's own start-of-image
    broken = photo[:start] + b"\x00" * 200 + photo[start + 200:]
    # WHEN it is analysed
    result = analyse(broken, "jpeg")
    # THEN it is a notice, not an error
    assert "thumbnail_unreadable" in codes(result)


def test_a_png_that_was_a_jpeg_shows_its_blocks_and_a_screenshot_does_not() -> None:
    # GIVEN a JPEG's pixels saved as PNG, a screenshot, and a scene that never was a JPEG
    from_jpeg = png_from_jpeg(photo_once())
    capture = screenshot((1280, 720))
    never = png(scene(SIZE))
    # WHEN they are analysed
    converted, shot, fresh = (analyse(d, "png") for d in (from_jpeg, capture, never))
    # THEN only the converted one has the JPEG history finding
    assert [f.message.split(" (")[0] for f in converted.findings if f.code == "jpeg_history"] == \
        ["The PNG's pixels carry 8x8 JPEG compression blocks: it was a JPEG before"]
    assert "jpeg_history" not in codes(shot)
    assert "jpeg_history" not in codes(fresh)


def test_a_screenshot_is_a_fact_and_costs_only_the_missing_camera() -> None:
    # GIVEN a screen capture at a screen's size
    # WHEN it is analysed
    result = analyse(screenshot((1280, 720)), "png")
    # THEN it is called screenshot-like, and only the missing camera metadata lowers the score (0.05)
    assert result.facts["screenshot_like"] is True
    assert result.score == 0.95
    assert "screen's size" in next(f.message for f in result.findings if f.code == "screenshot_like")
    assert "screenshot_like" not in codes(analyse(png(scene(SIZE)), "png"))
