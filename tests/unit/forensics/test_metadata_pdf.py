"""The metadata layer on PDFs: producer and creator, the dates, and revisions appended after the
original (objects and fonts added later), while signatures and linearization are no edits."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.fixtures.forensic_files import pdf_document, pdf_linearized, pdf_signed, pdf_update, pdf_with_added_text
from veriflow.forensics.assessment import Assessment
from veriflow.forensics.metadata import analyse


def codes(assessment: Assessment) -> set[str]:
    return {finding.code for finding in assessment.findings}


def test_a_pdf_written_once_is_clean_with_its_facts() -> None:
    # GIVEN a one-revision PDF exported from Word
    document = pdf_document()
    # WHEN it is analysed
    result = analyse(document, "pdf")
    # THEN nothing is found and its producer, creator, pages, revisions and dates are facts
    assert result.score == 1.0
    assert result.findings == []
    assert result.facts["pdf_producer"] == "Microsoft Word for Microsoft 365"
    assert result.facts["pdf_creator"] == "Microsoft Word"
    assert (result.facts["pdf_pages"], result.facts["pdf_revisions"]) == (1, 1)
    assert result.facts["pdf_created"] == "2026-05-17T10:30:00+00:00"


def test_text_added_in_an_incremental_update_names_the_font_and_the_revision() -> None:
    # GIVEN the PDF with an update appending a font, a content stream and a replaced page
    edited = pdf_with_added_text(pdf_document(), font="ABCDEF+Arial-BoldMT")
    # WHEN it is analysed
    result = analyse(edited, "pdf")
    # THEN the revision, its new and replaced objects, and the font are named
    update = next(f for f in result.findings if f.code == "incremental_update")
    assert update.message.startswith("Revision 2 (bytes ")
    assert "2 new object(s) (7, 8) and 2 replaced (3, 6)" in update.message
    font = next(f for f in result.findings if f.code == "pdf_font_added")
    assert font.message == ("The font(s) ABCDEF+Arial-BoldMT first appear in revision 2, after the original: "
                            "text was added or changed.")
    assert font.data["revision"] == 2
    assert result.facts["pdf_revisions"] == 2
    assert result.score is not None
    assert result.score < 0.7


def test_each_further_update_is_one_more_revision() -> None:
    # GIVEN a PDF updated twice, the second time without new fonts
    twice = pdf_update(pdf_with_added_text(pdf_document()), {9: b"<< /Note (later) >>"}, size=10)
    # WHEN it is analysed
    result = analyse(twice, "pdf")
    # THEN both appended revisions are findings, the font only for the first
    assert [f.data["revision"] for f in result.findings if f.code == "incremental_update"] == [2, 3]
    assert [f.data["revision"] for f in result.findings if f.code == "pdf_font_added"] == [2]
    assert result.facts["pdf_xref_chain"] == 3


def test_a_signature_revision_and_a_linearized_file_are_not_edits() -> None:
    # GIVEN a signed PDF (the signature appended) and a linearized one (two xref sections)
    signed, linearized = analyse(pdf_signed(pdf_document()), "pdf"), analyse(pdf_linearized(), "pdf")
    # WHEN they are analysed
    # THEN neither has an incremental update; the signature is a fact and linearization one revision
    assert "incremental_update" not in codes(signed)
    assert "pdf_signature_revision" in codes(signed)
    assert signed.score == 1.0
    assert "incremental_update" not in codes(linearized)
    assert (linearized.facts["linearized"], linearized.facts["pdf_revisions"]) == (True, 1)
    assert linearized.score == 1.0


def test_an_update_after_linearization_is_an_edit() -> None:
    # GIVEN a linearized PDF with an update appended
    updated = pdf_update(pdf_linearized(), {8: b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"}, size=9)
    # WHEN it is analysed
    result = analyse(updated, "pdf")
    # THEN the appended revision (2) and its font are found
    assert [f.data["revision"] for f in result.findings if f.code == "incremental_update"] == [2]
    assert "Courier" in next(f.message for f in result.findings if f.code == "pdf_font_added")


@pytest.mark.parametrize(("producer", "creator", "code"), [
    ("iLovePDF", "Microsoft Word", "pdf_editor"), ("Smallpdf.com", "", "pdf_editor"),
    ("Sejda Desktop 7.6", "", "pdf_editor"), ("PDF-XChange Editor 10.1", "", "pdf_editor"),
    ("Adobe Acrobat Pro (64-bit) 24.1.20", "Adobe Acrobat Pro (64-bit) 24.1.20", "pdf_editor"),
    ("pypdf", "Microsoft Word", "pdf_library"),
    ("Adobe PDF Library 17.0", "Acrobat PDFMaker 23 for Word", None), ("Microsoft: Print To PDF", "", None),
])
def test_producers_and_creators_are_told_apart(producer: str, creator: str, code: str | None) -> None:
    # GIVEN a PDF whose producer and creator name a tool
    document = pdf_document(producer=producer, creator=creator)
    # WHEN it is analysed
    result = analyse(document, "pdf")
    # THEN editors are warnings naming the value, libraries notices, exports nothing
    found = codes(result) & {"pdf_editor", "pdf_library"}
    assert found == ({code} if code else set())
    if code == "pdf_editor":
        assert producer in next(f.message for f in result.findings if f.code == code)


def test_modification_dates_against_creation() -> None:
    # GIVEN PDFs modified an hour after creation, two minutes after, and before creation
    created = datetime(2026, 5, 17, 10, 30)
    later = pdf_document(created=created, modified=datetime(2026, 5, 17, 11, 30))
    soon = pdf_document(created=created, modified=datetime(2026, 5, 17, 10, 32))
    before = pdf_document(created=created, modified=datetime(2026, 5, 1, 9, 0))
    # WHEN they are analysed
    # THEN later is a notice with both times, soon nothing, before a warning
    message = next(f.message for f in analyse(later, "pdf").findings if f.code == "pdf_modified_later")
    assert message == ("The PDF was modified at 2026-05-17 11:30 UTC, 60 minutes after it was created at "
                       "2026-05-17 10:30 UTC.")
    assert codes(analyse(soon, "pdf")) == set()
    rewritten = analyse(before, "pdf")
    assert [f.severity for f in rewritten.findings if f.code == "pdf_modified_before_created"] == ["warning"]
    assert "pdf_future_date" in codes(analyse(pdf_document(created=datetime(2031, 1, 1)), "pdf"))


def test_an_acrobat_edit_history_in_the_pdfs_xmp_is_found() -> None:
    # GIVEN a PDF whose (uncompressed) XMP metadata stream records Acrobat saving it
    from tests.fixtures.forensic_files import xmp_packet

    packet = xmp_packet(history=(("saved", "Adobe Acrobat Pro 24.1", "2026-05-20T09:00:00Z"),))
    document = pdf_update(pdf_document(), {7: b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n"
                                           % len(packet) + packet + b"\nendstream"}, size=8)
    # WHEN it is analysed
    result = analyse(document, "pdf")
    # THEN the history names the tool
    assert "saved by Adobe Acrobat Pro 24.1" in next(f.message for f in result.findings if f.code == "edit_history")
    assert "edit_history" not in codes(analyse(pdf_document(), "pdf"))
