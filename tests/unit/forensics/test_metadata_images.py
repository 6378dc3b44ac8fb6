"""The metadata layer on images: editing tools, edit history, timestamps, the camera against the
file's structure, and GPS, each seen when it is there and not when it is not."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

import pytest

from tests.fixtures.forensic_files import (
    camera_photo,
    camera_photo_with_thumbnail,
    exif_of,
    jpeg,
    pasted,
    scene,
    with_segment,
    with_xmp,
    xmp_packet,
)
from veriflow.forensics.assessment import Assessment
from veriflow.forensics.metadata import analyse

SIZE = (640, 480)


@cache
def photo_once() -> bytes:
    """The untouched camera photo many tests start from, made once (making it is most of their time)."""
    return camera_photo(SIZE)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def codes(assessment: Assessment) -> set[str]:
    return {finding.code for finding in assessment.findings}


def finding(assessment: Assessment, code: str) -> str:
    return next(f.message for f in assessment.findings if f.code == code)


def test_an_untouched_camera_photo_scores_high_with_its_facts() -> None:
    # GIVEN a camera-like JPEG saved once with its camera's EXIF
    photo = photo_once()
    # WHEN it is analysed
    result = analyse(photo, "jpeg", now=NOW)
    # THEN nothing serious is found and the camera, dates, size and quality are facts
    assert result.status == "ok"
    assert result.score is not None
    assert result.score >= 0.9
    assert not [f for f in result.findings if f.severity in ("warning", "strong")]
    assert result.facts["camera_model"] == "Canon EOS R6"
    assert result.facts["date_original"] == "2026-05-17T10:30:00"
    assert (result.facts["width"], result.facts["height"], result.facts["jpeg_quality"]) == (640, 480, 92)


def test_a_photo_saved_by_an_editor_names_the_editor_and_scores_lower() -> None:
    # GIVEN a camera photo and the same photo with a region pasted in, saved by Photoshop
    photo = photo_once()
    edited = pasted(photo)
    # WHEN both are analysed
    before, after = analyse(photo, "jpeg", now=NOW), analyse(edited, "jpeg", now=NOW)
    # THEN only the edit names the software, in a sentence with its version
    assert "editing_software" not in codes(before)
    assert finding(after, "editing_software") == \
        "The file was last saved by Adobe Photoshop 25.0 (Windows) (EXIF Software)."
    assert after.facts["software"] == "Adobe Photoshop 25.0 (Windows)"
    assert after.score is not None
    assert before.score is not None
    assert after.score < before.score - 0.2


@pytest.mark.parametrize(("software", "code"), [
    ("GIMP 2.10.36", "editing_software"), ("Snapseed 2.0", "editing_software"), ("Canva", "editing_software"),
    ("Adobe Lightroom 7.1", "editing_software"), ("ImageMagick 7.1.1", "resaved_by_software"),
    ("Ver.1.00", "software"),
])
def test_software_tags_are_told_apart(software: str, code: str) -> None:
    # GIVEN a camera photo whose EXIF Software tag names a tool
    photo = jpeg(scene(SIZE), exif=exif_of(software=software))
    # WHEN it is analysed
    result = analyse(photo, "jpeg", now=NOW)
    # THEN editors, re-savers and camera firmware are different findings
    assert code in codes(result)
    assert {"editing_software", "resaved_by_software", "software"} & codes(result) == {code}


def test_the_xmp_edit_history_is_listed_with_its_tools() -> None:
    # GIVEN a photo whose XMP records Photoshop saving and converting it
    history = (("saved", "Adobe Photoshop 25.0 (Windows)", "2026-05-18T09:00:00+02:00"),
               ("converted", "Adobe Photoshop 25.0 (Windows)", "2026-05-18T09:01:00+02:00"))
    photo = with_xmp(photo_once(), xmp_packet("Adobe Photoshop 25.0 (Windows)", history))
    # WHEN it is analysed
    result = analyse(photo, "jpeg", now=NOW)
    # THEN the history is a warning naming each action and the tool, and CreatorTool names the editor
    message = finding(result, "edit_history")
    assert "2 edit(s)" in message
    assert "saved by Adobe Photoshop 25.0 (Windows) at 2026-05-18T09:00:00+02:00" in message
    assert "converted by" in message
    assert "XMP CreatorTool" in finding(result, "editing_software")


def test_xmp_without_edits_is_no_history_finding() -> None:
    # GIVEN a photo whose XMP only records its creation
    photo = with_xmp(photo_once(), xmp_packet(history=(("created", "Canon EOS R6", "2026-05-17"),)))
    # WHEN it is analysed
    result = analyse(photo, "jpeg", now=NOW)
    # THEN there is no edit history finding
    assert "edit_history" not in codes(result)


def test_adobe_segments_are_noticed_without_a_software_tag() -> None:
    # GIVEN photos carrying a Photoshop resource block (APP13) or an Adobe APP14 segment
    irb = with_segment(photo_once(), 0xED, b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x00")
    app14 = with_segment(photo_once(), 0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x01")
    # WHEN they are analysed
    # THEN each is a notice of its own
    assert "photoshop_resources" in codes(analyse(irb, "jpeg", now=NOW))
    assert "adobe_marker" in codes(analyse(app14, "jpeg", now=NOW))


def test_a_change_after_capture_is_a_notice_and_before_capture_a_warning() -> None:
    # GIVEN photos whose DateTime is a day after, and a day before, DateTimeOriginal
    after = photo_once()
    exif = exif_of(taken=datetime(2026, 5, 17, 10, 30))
    exif[0x0132] = "2026:05:18 10:30:00"
    later = jpeg(scene(SIZE), exif=exif)
    exif[0x0132] = "2026:05:16 10:30:00"
    earlier = jpeg(scene(SIZE), exif=exif)
    # WHEN they are analysed
    untouched, changed, rewritten = (analyse(d, "jpeg", now=NOW) for d in (after, later, earlier))
    # THEN the untouched photo has neither; the others name both times
    assert not {"modified_after_capture", "modified_before_capture"} & codes(untouched)
    assert finding(changed, "modified_after_capture") == \
        "The file was changed at 2026-05-18 10:30:00, 24 hours after it was taken at 2026-05-17 10:30:00."
    assert "modified_before_capture" in codes(rewritten)


def test_future_missing_and_unreadable_dates() -> None:
    # GIVEN a photo taken in the future, one without capture time, one with a broken date
    future = jpeg(scene(SIZE), exif=exif_of(taken=datetime(2031, 1, 1)))
    missing_exif = exif_of()
    missing_exif.get_ifd(0x8769).pop(0x9003)
    missing = jpeg(scene(SIZE), exif=missing_exif)
    broken_exif = exif_of()
    broken_exif[0x0132] = "yesterday"
    broken = jpeg(scene(SIZE), exif=broken_exif)
    # WHEN they are analysed
    # THEN each has its finding
    assert "future_date" in codes(analyse(future, "jpeg", now=NOW))
    assert "missing_capture_time" in codes(analyse(missing, "jpeg", now=NOW))
    assert "unreadable_date" in codes(analyse(broken, "jpeg", now=NOW))
    assert "future_date" not in codes(analyse(future, "jpeg", now=datetime(2031, 6, 1, tzinfo=UTC)))


def test_a_camera_named_without_a_cameras_structure() -> None:
    # GIVEN a JPEG naming a camera in IFD0 only (no EXIF sub-directory), and one with odd dimensions
    bare = jpeg(scene(SIZE), exif=_ifd0_only())
    odd = camera_photo((640, 417))
    # WHEN they are analysed
    no_ifd, cropped = analyse(bare, "jpeg", now=NOW), analyse(odd, "jpeg", now=NOW)
    # THEN the missing sub-directory is a warning naming the camera, the odd shape a notice
    assert finding(no_ifd, "camera_without_exif_ifd").startswith("The file names a camera (Canon EOS R6)")
    assert "odd_dimensions" in codes(cropped)
    assert "odd_dimensions" not in codes(analyse(photo_once(), "jpeg", now=NOW))


def _ifd0_only() -> object:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "Canon EOS R6"
    return exif


def test_maker_note_and_camera_metadata_presence() -> None:
    # GIVEN a camera JPEG with a MakerNote (thumbnail maker) and a JPEG without any camera metadata
    with_note = camera_photo_with_thumbnail()
    anonymous = jpeg(scene(SIZE))
    # WHEN they are analysed
    noted, plain = analyse(with_note, "jpeg", now=NOW), analyse(anonymous, "jpeg", now=NOW)
    # THEN a MakerNote silences that notice; no camera at all lowers the score by 0.05 only
    assert "no_maker_note" not in codes(noted)
    assert "no_maker_note" in codes(analyse(photo_once(), "jpeg", now=NOW))
    assert [f.penalty for f in plain.findings if f.code == "no_camera_metadata"] == [0.05]
    assert plain.score is not None
    assert plain.score >= 0.9


def test_gps_is_a_fact_and_an_information_finding() -> None:
    # GIVEN photos with and without GPS
    located = camera_photo(SIZE, gps=(48.8584, -2.2945))
    # WHEN they are analysed
    result = analyse(located, "jpeg", now=NOW)
    # THEN the position is a fact in signed degrees and costs nothing
    gps = result.facts["gps"]
    assert isinstance(gps, dict)
    assert gps["lat"] == pytest.approx(48.8584, abs=1e-4)
    assert gps["lon"] == pytest.approx(-2.2945, abs=1e-4)
    assert [f.penalty for f in result.findings if f.code == "gps"] == [0.0]
    assert "gps" not in analyse(photo_once(), "jpeg", now=NOW).facts


def test_png_text_and_exif_chunks_are_read() -> None:
    # GIVEN a PNG saved by GIMP (a Software text chunk) and a PNG carrying a camera's EXIF (eXIf)
    import io

    from PIL import Image, PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Software", "GIMP 2.10.36")
    by_gimp, with_exif = io.BytesIO(), io.BytesIO()
    scene(SIZE).save(by_gimp, "PNG", pnginfo=text)
    scene(SIZE).save(with_exif, "PNG", exif=exif_of())
    # WHEN they are analysed
    gimp, camera = analyse(by_gimp.getvalue(), "png", now=NOW), analyse(with_exif.getvalue(), "png", now=NOW)
    # THEN the editor is named from the text chunk, the camera from the EXIF chunk
    assert finding(gimp, "editing_software") == "The file was last saved by GIMP 2.10.36 (the Software text)."
    assert camera.facts["camera_model"] == "Canon EOS R6"
    assert "no_camera_metadata" not in codes(camera)
    assert Image.open(with_exif).format == "PNG"


def test_one_signal_failing_costs_that_signal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a reader of one signal that fails in a way nobody foresaw
    from veriflow.forensics import metadata_image

    def broken(*_: object) -> None:
        raise RuntimeError("unforeseen")

    monkeypatch.setattr(metadata_image, "gps", broken)
    # WHEN a photo is analysed
    result = analyse(photo_once(), "jpeg", now=NOW)
    # THEN that signal is a notice naming it, and the others still ran
    assert finding(result, "metadata_unreadable") == "The GPS could not be checked: RuntimeError: unforeseen."
    assert result.facts["jpeg_quality"] == 92
