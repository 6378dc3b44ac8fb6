"""Signals in a PDF's metadata and structure. Penalties, combined as the product of (1 - penalty):
pdf_editor 0.25 (warning) | pdf_library 0.10 | pdf_modified_later 0.10 | pdf_modified_before_created
0.20 (warning) | pdf_future_date 0.20 (warning) | incremental_update 0.15 for the first appended
revision, 0.05 for each further one (none for a digital signature's) | pdf_font_added 0.25 (warning)
per revision | edit_history 0.20 (warning, from an uncompressed XMP packet) | pdf_structure 0.05 |
pdf_unreadable 0.05 | pdf_signature_revision: fact (0)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from veriflow.forensics.metadata_dates import gap
from veriflow.forensics.metadata_pdf_revisions import MAX_REVISIONS, Revisions, read_revisions
from veriflow.forensics.metadata_report import Report, listed
from veriflow.forensics.metadata_xmp import MAX_PACKET, edit_history, read_xmp

_EDITORS = (
    (r"ilovepdf", "iLovePDF"), (r"smallpdf", "Smallpdf"), (r"sejda", "Sejda"), (r"pdf-xchange", "PDF-XChange"),
    (r"adobe acrobat(?! ?distiller)(?!.*pdfmaker)", "Adobe Acrobat"), (r"foxit", "Foxit"), (r"nitro", "Nitro"),
    (r"pdfescape", "PDFescape"), (r"pdfelement|wondershare", "PDFelement"), (r"soda ?pdf", "Soda PDF"),
    (r"pdf ?candy", "PDF Candy"), (r"pdffiller", "pdfFiller"), (r"dochub", "DocHub"), (r"pdf24", "PDF24"),
    (r"inkscape", "Inkscape"), (r"master ?pdf", "Master PDF Editor"), (r"photoshop", "Adobe Photoshop"),
)
_LIBRARIES = ((r"pypdf", "pypdf"), (r"pdftk", "pdftk"), (r"\bqpdf\b", "qpdf"), (r"pdfsharp", "PDFsharp"),
              (r"\bitext", "iText"), (r"mupdf", "MuPDF"), (r"ghostscript", "Ghostscript"))
_DATE = re.compile(r"(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+\-])?(\d{2})?'?(\d{2})?")
_LATER = timedelta(minutes=5)


def _tool(value: str, table: tuple[tuple[str, str], ...]) -> str | None:
    return next((name for pattern, name in table if re.search(pattern, value, re.IGNORECASE)), None)


def pdf_date(value: str) -> datetime | None:
    """A PDF date (D:YYYYMMDDHHmmSS+HH'mm') in UTC, or None when it is not one."""
    found = _DATE.match(value.strip())
    if found is None:
        return None
    year, month, day, hour, minute, second, sign, zone_h, zone_m = found.groups()
    try:
        moment = datetime(int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
                          int(second or 0), tzinfo=UTC)
    except ValueError:
        return None
    offset = timedelta(hours=int(zone_h or 0), minutes=int(zone_m or 0))
    return moment - offset if sign == "+" else moment + offset if sign == "-" else moment


def info(data: bytes, report: Report) -> None:
    """Producer, creator, dates and pages from the document information (pypdf)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        meta = reader.metadata
        fields = {key: str((meta.get(f"/{key}") if meta is not None else None) or "")[:200] for key in
                  ("Producer", "Creator", "CreationDate", "ModDate")}
        report.facts["pdf_pages"] = len(reader.pages)
    except Exception as error:  # pypdf raises many kinds on a hostile file; each is a finding
        report.add("pdf_unreadable", f"The PDF's document information could not be read ({type(error).__name__}).",
                   "notice", 0.05)
        return
    for key, fact in (("Producer", "pdf_producer"), ("Creator", "pdf_creator")):
        if fields[key]:
            report.facts[fact] = fields[key]
    _tools(fields, report)
    _dates(fields, report)


def _tools(fields: dict[str, str], report: Report) -> None:
    for key in ("Producer", "Creator"):
        value = fields[key]
        if (editor := _tool(value, _EDITORS)) is not None:
            report.add("pdf_editor", f"The PDF's {key.lower()} is {value}: {editor} edits PDFs after they are made.",
                       "warning", 0.25, field=key.lower(), value=value, tool=editor)
            return
    for key in ("Producer", "Creator"):
        value = fields[key]
        if (library := _tool(value, _LIBRARIES)) is not None:
            report.add("pdf_library", f"The PDF's {key.lower()} is {value}: it was rewritten by {library}, "
                       "a library that merges and modifies PDFs.", "notice", 0.10, field=key.lower(), value=value)
            return


def _dates(fields: dict[str, str], report: Report) -> None:
    created, modified = pdf_date(fields["CreationDate"]), pdf_date(fields["ModDate"])
    for moment, fact in ((created, "pdf_created"), (modified, "pdf_modified")):
        if moment is not None:
            report.facts[fact] = moment.isoformat()
    if created and modified and modified < created - timedelta(minutes=1):
        report.add("pdf_modified_before_created", f"The PDF says it was modified at {modified:%Y-%m-%d %H:%M} UTC, "
                   f"before it was created at {created:%Y-%m-%d %H:%M} UTC: the dates were rewritten.",
                   "warning", 0.20)
    elif created and modified and modified - created > _LATER:
        report.add("pdf_modified_later", f"The PDF was modified at {modified:%Y-%m-%d %H:%M} UTC, "
                   f"{gap(modified - created)} after it was created at {created:%Y-%m-%d %H:%M} UTC.", "notice", 0.10)
    future = [m for m in (created, modified) if m and m > datetime.now(UTC) + timedelta(days=1)]
    if future:
        report.add("pdf_future_date", f"The PDF's date {future[0]:%Y-%m-%d %H:%M} UTC is in the future.",
                   "warning", 0.20)


def revisions(data: bytes, report: Report) -> None:
    found = read_revisions(data)
    report.facts.update(pdf_revisions=len(found.sections), pdf_xref_chain=found.chain, linearized=found.linearized)
    if found.problems or found.capped:
        problems = found.problems + ([f"more than {MAX_REVISIONS} revisions (the rest unread)"] if found.capped else [])
        report.add("pdf_structure", f"The PDF's cross-reference structure is odd: {'; '.join(problems[:3])}.",
                   "notice", 0.05, problems=listed(problems[:10]))
    _appended(found, report)


def _appended(found: Revisions, report: Report) -> None:
    defined: set[int] = set(found.sections[0].objects) if found.sections else set()
    fonts: set[str] = set(found.sections[0].fonts) if found.sections else set()
    edits = 0
    for revision in found.sections[1:]:
        added, changed = sorted(revision.objects - defined), sorted(revision.objects & defined)
        new_fonts = sorted(revision.fonts - fonts)
        defined |= revision.objects
        fonts |= revision.fonts
        where = f"revision {revision.number} (bytes {revision.start}-{revision.end})"
        if revision.signature:
            report.add("pdf_signature_revision", f"{where.capitalize()} adds a digital signature, which is appended "
                       "after the document by design.", revision=revision.number)
            continue
        penalty = 0.15 if edits == 0 else 0.05
        edits += 1
        report.add("incremental_update", f"{where.capitalize()} holds edits appended after the original: "
                   f"{len(added)} new object(s) {_names(added)}and {len(changed)} replaced {_names(changed)}".rstrip()
                   + ".", "warning" if edits == 1 else "notice", penalty, revision=revision.number,
                   added=listed(added[:50]), replaced=listed(changed[:50]))
        if new_fonts:
            report.add("pdf_font_added", f"The font(s) {', '.join(new_fonts[:10])} first appear in revision "
                       f"{revision.number}, after the original: text was added or changed.", "warning", 0.25,
                       revision=revision.number, fonts=listed(new_fonts[:20]))


def _names(numbers: list[int]) -> str:
    if not numbers:
        return ""
    shown = ", ".join(str(n) for n in numbers[:8])
    return f"({shown}{', ...' if len(numbers) > 8 else ''}) "


def xmp(data: bytes, report: Report) -> None:
    """The document's XMP when stored uncompressed (Acrobat keeps its edit history there)."""
    start = data.find(b"<x:xmpmeta")
    if start < 0:
        return
    end = data.find(b"</x:xmpmeta>", start, start + MAX_PACKET)
    packet = read_xmp(data[start:end if end > 0 else start + MAX_PACKET])
    edit_history(packet, report)
