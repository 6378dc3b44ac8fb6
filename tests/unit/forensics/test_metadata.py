"""The metadata layer on files made here: each signal found where it is and absent where it is not;
hostile metadata never fails the layer."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.fixtures import forensic_files as files
from veriflow.forensics import jpeg_tables, metadata

PHOTO = files.camera_photo(size=(640, 480), seed=1)


def _codes(data: bytes, kind: str) -> set[str]:
    return {finding.code for finding in metadata.analyse(data, kind).findings}  # type: ignore[arg-type]


def test_an_untouched_camera_photo_scores_high_with_no_warning() -> None:
    found = metadata.analyse(PHOTO, "jpeg")
    assert found.score is not None
    assert found.score >= 0.9
    assert not [f for f in found.findings if f.severity in ("warning", "strong")]
    assert (found.facts["camera_make"], found.facts["camera_model"]) == ("Canon", "Canon EOS R6")
    assert found.facts["taken_at"] == "2026-05-17T10:30:00"


def test_an_editor_is_named_and_lowers_the_score() -> None:
    found = metadata.analyse(files.pasted(PHOTO), "jpeg")
    assert "editing_software" in {f.code for f in found.findings}
    assert found.score is not None
    assert found.score < 0.7


@pytest.mark.parametrize("quality", [50, 75, 85, 92, 100])
def test_the_quality_is_read_from_the_quantization_tables(quality: int) -> None:
    data = files.jpeg(files.scene((128, 96)), quality=quality)
    assert metadata.estimated_quality(data) == quality
    assert jpeg_tables.estimate(jpeg_tables.scaled(quality)) == jpeg_tables.QualityEstimate(quality, True, 0.0)


def test_tables_no_libjpeg_quality_gives_are_noted() -> None:
    custom = {0: [min(255, 3 + i % 7) for i in range(64)], 1: [9] * 64}
    out = io.BytesIO()
    files.scene((128, 96)).save(out, "JPEG", qtables=custom)
    data = out.getvalue()
    assert "nonstandard_tables" in _codes(data, "jpeg")


def test_a_png_made_from_a_jpeg_shows_its_blocks_and_a_screenshot_does_not() -> None:
    assert "jpeg_history" in _codes(files.png_from_jpeg(PHOTO), "png")
    assert "jpeg_history" not in _codes(files.screenshot(), "png")
    assert "jpeg_history" not in _codes(files.png(files.scene((640, 480))), "png")


def test_missing_camera_metadata_costs_little() -> None:
    found = metadata.analyse(files.screenshot(), "png")
    assert {f.code for f in found.findings} == {"no_camera_metadata"}
    assert found.score == 0.95


def test_modified_after_capture_and_out_of_order_timestamps() -> None:
    from datetime import datetime

    exif = files.exif_of(taken=datetime(2026, 5, 17, 10, 30))
    exif[files.DATETIME] = "2026:05:19 08:00:00"
    assert "modified_after_capture" in _codes(files.jpeg(files.scene((320, 240)), exif=exif), "jpeg")
    exif[files.DATETIME] = "2026:05:10 08:00:00"
    assert "timestamps_out_of_order" in _codes(files.jpeg(files.scene((320, 240)), exif=exif), "jpeg")


def test_a_camera_without_capture_data_is_noted() -> None:
    exif = Image.Exif()
    exif[files.MAKE], exif[files.MODEL] = "Canon", "Canon EOS R6"
    assert "camera_without_capture_data" in _codes(files.jpeg(files.scene((320, 240)), exif=exif), "jpeg")


def test_gps_is_a_fact() -> None:
    found = metadata.analyse(files.camera_photo(size=(320, 240), gps=(48.8566, 2.3522)), "jpeg")
    assert found.facts["gps"] == pytest.approx({"lat": 48.8566, "lon": 2.3522}, abs=0.01)
    assert "gps_present" in {f.code for f in found.findings}


def test_xmp_history_and_creator_tool_are_read() -> None:
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description xmp:CreatorTool="GIMP 2.10">'
           b'<xmpMM:History><rdf:Seq><rdf:li stEvt:action="saved" stEvt:softwareAgent="GIMP 2.10 (Linux)"/>'
           b"</rdf:Seq></xmpMM:History></rdf:Description></rdf:RDF></x:xmpmeta>")
    out = io.BytesIO()
    files.scene((320, 240)).save(out, "JPEG", quality=90, xmp=xmp)
    found = metadata.analyse(out.getvalue(), "jpeg")
    codes = {f.code for f in found.findings}
    assert {"editing_software", "edit_history"} <= codes
    assert found.facts["creator_tool"] == "GIMP 2.10"


def test_hostile_metadata_never_fails_the_layer() -> None:
    # GIVEN junk EXIF segments, an XMP packet declaring entities, and a truncated EXIF
    junk = files.huge_exif(PHOTO, segments=3)
    entities = (b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><x:xmpmeta>&b;&b;'
                b"</x:xmpmeta>")
    out = io.BytesIO()
    files.scene((320, 240)).save(out, "JPEG", xmp=entities)
    broken_exif = PHOTO[:30] + b"\x00" * 40 + PHOTO[70:]
    # THEN each gives an assessment
    for data in (junk, out.getvalue(), broken_exif):
        assert metadata.analyse(data, "jpeg").status == "ok"


def test_a_pdf_edited_by_an_incremental_update_names_the_revision_and_font() -> None:
    found = metadata.analyse(files.edited_pdf(), "pdf")
    [update] = [f for f in found.findings if f.code == "incremental_update"]
    assert update.data["revision"] == 2
    assert update.data["new_fonts"] == ["Courier-Bold"]
    assert found.facts["revisions"] == 2
    assert metadata.analyse(files.pdf(2), "pdf").findings == []


def test_a_pdf_with_a_prev_loop_or_garbage_does_not_fail() -> None:
    looped = files.edited_pdf().replace(b"/Prev", b"/Prev 999999 /X", 1)
    for data in (looped, b"%PDF-1.7\n" + b"garbage " * 1000 + b"%%EOF", files.pdf(1) * 60):
        assert metadata.analyse(data, "pdf").status == "ok"
