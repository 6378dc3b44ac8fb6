"""Hostile metadata never raises: junk EXIF, looping directories, XMP with entity declarations or
of great size, broken PNG text, PDFs whose /Prev chain loops or runs past the end."""

from __future__ import annotations

import io
import random
import struct
import time
import zlib
from functools import cache

import pytest
from PIL import Image

from tests.fixtures.forensic_files import (
    camera_photo,
    jpeg,
    pdf_document,
    pdf_update,
    png,
    scene,
    with_segment,
    with_xmp,
    xmp_packet,
)
from veriflow.forensics.assessment import Assessment
from veriflow.forensics.metadata import analyse
from veriflow.forensics.metadata_exif import read_exif

SIZE = (320, 240)


@cache
def photo_once() -> bytes:
    """The untouched camera photo many tests start from, made once (making it is most of their time)."""
    return camera_photo(SIZE)


def codes(assessment: Assessment) -> set[str]:
    return {finding.code for finding in assessment.findings}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_64_kb_of_junk_exif_is_a_finding_not_an_error(seed: int) -> None:
    # GIVEN a JPEG whose APP1 EXIF is a TIFF header followed by ~64 KB of random bytes
    junk = random.Random(seed).randbytes(65_000)
    photo = with_segment(jpeg(scene(SIZE)), 0xE1, b"Exif\x00\x00II*\x00\x08\x00\x00\x00" + junk[:65_000 - 14])
    # WHEN it is analysed
    result = analyse(photo, "jpeg")
    # THEN there is an assessment with a score, the damage a notice at most
    assert result.status == "ok"
    assert result.score is not None
    assert not [f for f in result.findings if f.severity in ("warning", "strong") and f.code.startswith("metadata")]


def test_exif_directories_that_loop_or_overflow_are_problems() -> None:
    # GIVEN a TIFF whose IFD0 points to itself as the next directory and claims 60000 entries
    looping = b"II*\x00\x08\x00\x00\x00" + struct.pack("<H", 0) + struct.pack("<I", 8)
    huge = b"II*\x00\x08\x00\x00\x00" + struct.pack("<H", 60_000) + b"\x00" * 40
    # WHEN they are read
    loop, claim = read_exif(looping), read_exif(huge)
    # THEN each names its problem
    assert any("already read" in p for p in loop.problems)
    assert any("60000 entries" in p for p in claim.problems)
    assert read_exif(b"not a tiff").problems == ["the EXIF block does not start with a TIFF header"]


def test_a_thumbnail_pointing_outside_the_exif_is_a_problem() -> None:
    # GIVEN a TIFF whose IFD1 points its thumbnail past the block's end
    ifd1 = struct.pack("<H", 2) + struct.pack("<HHII", 0x0201, 4, 1, 5000) + struct.pack("<HHII", 0x0202, 4, 1, 99)
    tiff = b"II*\x00\x08\x00\x00\x00" + struct.pack("<H", 0) + struct.pack("<I", 14) + ifd1 + b"\x00" * 4
    # WHEN it is read
    exif = read_exif(tiff)
    # THEN the thumbnail is absent and the reason recorded
    assert exif.thumbnail is None
    assert any("point outside" in p for p in exif.problems)


def test_xmp_declaring_entities_is_refused_unread() -> None:
    # GIVEN XMP that declares a billion-laughs entity and uses it in CreatorTool
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            + xmp_packet("&b;", (("saved", "&b;", "2026"),)))
    photo = with_xmp(photo_once(), bomb)
    # WHEN it is analysed
    result = analyse(photo, "jpeg")
    # THEN the packet is refused as a notice and nothing from it is believed
    assert "xmp_refused" in codes(result)
    assert "edit_history" not in codes(result)


def test_garbage_and_huge_xmp_stay_bounded() -> None:
    # GIVEN XMP of random bytes, and XMP padded to 60 KB with a very long history
    garbage = with_xmp(photo_once(), random.Random(4).randbytes(60_000))
    history = tuple(("saved", "Tool " + "x" * 300, "2026") for _ in range(500))
    long = with_xmp(photo_once(), xmp_packet("GIMP", history)[:65_000])
    # WHEN they are analysed
    started = time.perf_counter()
    results = [analyse(garbage, "jpeg"), analyse(long, "jpeg")]
    # THEN both finish quickly with a score, the history capped
    assert time.perf_counter() - started < 2
    assert all(r.score is not None for r in results)
    history_finding = next(f for f in results[1].findings if f.code == "edit_history")
    assert len(history_finding.data["actions"]) <= 20  # type: ignore[arg-type]


def test_png_text_chunks_that_lie_are_read_safely() -> None:
    # GIVEN a PNG with a zTXt chunk that is not zlib and one that inflates to 8 MB (the reader keeps 256 KB)
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    base = png(scene(SIZE))
    bomb = zlib.compress(b"\x00" * 8_000_000)
    extra = chunk(b"zTXt", b"Software\x00\x00not zlib") + chunk(b"zTXt", b"Comment\x00\x00" + bomb)
    hostile = base[:33] + extra + base[33:]  # after the signature and IHDR
    # WHEN it is analysed
    result = analyse(hostile, "png")
    # THEN it finishes with a score and the broken chunk is noted
    assert result.score is not None
    assert "metadata_malformed" in codes(result)


def test_a_pdf_whose_prev_chain_loops_is_a_finding() -> None:
    # GIVEN a PDF update whose trailer's /Prev points at its own xref
    document = pdf_document()
    own_xref = len(document) + len(b"7 0 obj\n<< >>\nendobj\n")
    looping = pdf_update(document, {7: b"<< >>"}, size=8, prev=own_xref)
    # WHEN it is analysed
    result = analyse(looping, "pdf")
    # THEN the loop is named and the assessment stands
    message = next(f.message for f in result.findings if f.code == "pdf_structure")
    assert f"loops back to the xref at byte {own_xref}" in message
    assert result.score is not None


def test_hostile_pdfs_do_not_raise() -> None:
    # GIVEN a PDF with /Prev past the end, a truncated one, one with 80 revisions and pure junk
    document = pdf_document()
    outside = pdf_update(document, {7: b"<< >>"}, size=8, prev=10**9)
    many = document
    for number in range(80):
        many = pdf_update(many, {7: b"<< /N %d >>" % number}, size=8)
    junk = b"%PDF-1.7\n" + random.Random(5).randbytes(20_000)
    # WHEN they are analysed
    results = {name: analyse(data, "pdf") for name, data in
               (("outside", outside), ("truncated", document[:-40]), ("many", many), ("junk", junk))}
    # THEN each has a score; the capped revisions are said
    assert all(r.score is not None for r in results.values())
    assert "points outside the file" in next(f.message for f in results["outside"].findings
                                              if f.code == "pdf_structure")
    assert results["many"].facts["pdf_revisions"] == 50
    assert "more than 50 revisions" in next(f.message for f in results["many"].findings
                                            if f.code == "pdf_structure")


def test_truncated_and_damaged_images_do_not_raise() -> None:
    # GIVEN a JPEG cut inside its segments, one with a segment length past the end, a PNG cut short
    photo = photo_once()
    cut = photo[:200]
    overlong = photo[:2] + b"\xff\xe1\xff\xff" + b"Exif\x00\x00" + photo[2:300]
    short_png = png(scene(SIZE))[:100]
    mode_p = io.BytesIO()
    Image.new("P", SIZE).save(mode_p, "PNG")
    # WHEN they are analysed
    results = [analyse(cut, "jpeg"), analyse(overlong, "jpeg"), analyse(short_png, "png"),
               analyse(mode_p.getvalue(), "png")]
    # THEN each is an assessment with a score
    assert all(r.status == "ok" and r.score is not None for r in results)
