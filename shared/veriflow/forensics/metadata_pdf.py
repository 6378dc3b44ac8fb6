"""A PDF's metadata and history: producer and creator (editors' signatures), creation against
modification dates, and incremental updates (edits appended after the original), naming the
objects and fonts each later revision adds. Revisions are read from the bytes (each ends with
`%%EOF`); objects inside compressed object streams are not looked into."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

from veriflow.forensics.assessment import Assessment, Finding, combined_score

MAX_REVISIONS = 50
EDITORS = ("ilovepdf", "smallpdf", "sejda", "pdf-xchange", "pdfescape", "foxit phantom", "nitro", "pdfelement",
           "acrobat pro", "acrobat standard", "pdf24", "pdffiller", "dochub", "photoshop", "inkscape", "canva")
_EOF = re.compile(rb"%%EOF")
_OBJECT = re.compile(rb"(?<![0-9])(\d{1,7})\s+(\d{1,5})\s+obj\b")
_FONT = re.compile(rb"/Type\s*/Font\b[\s\S]{0,400}?/BaseFont\s*/([A-Za-z0-9+_.,-]{1,80})"
                   rb"|/BaseFont\s*/([A-Za-z0-9+_.,-]{1,80})[\s\S]{0,400}?/Type\s*/Font\b")
_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?")


def analyse(data: bytes) -> Assessment:
    findings: list[Finding] = []
    facts: dict[str, Any] = {"format": "pdf"}
    info = _info(data, findings, facts)
    producer, creator = info.get("/Producer"), info.get("/Creator")
    for field, value in (("producer", producer), ("creator", creator)):
        if value:
            facts[field] = value
            editor = next((name for name in EDITORS if name in value.lower()), None)
            if editor is not None:
                findings.append(Finding(code="editing_software", severity="warning", penalty=0.3,
                                        message=f"The PDF's {field} is {value}, a PDF editor.",
                                        data={"field": field, "software": value}))
    _dates(info.get("/CreationDate"), info.get("/ModDate"), findings, facts)
    _revisions(data, findings, facts)
    return Assessment(score=combined_score(findings), findings=findings, facts=facts)


def _info(data: bytes, findings: list[Finding], facts: dict[str, Any]) -> dict[str, str]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        facts["pages"] = len(reader.pages)
        metadata: dict[str, Any] = dict(reader.metadata or {})
        return {str(key): str(value)[:200] for key, value in metadata.items() if isinstance(value, str)}
    except Exception as error:
        findings.append(Finding(code="pdf_unreadable", severity="notice", penalty=0.1,
                                message=f"The PDF's document information cannot be read ({type(error).__name__})."))
        return {}


def _date(value: str | None) -> datetime | None:
    found = _DATE.match(value or "")
    if not found:
        return None
    parts = [int(part) if part else default for part, default in zip(found.groups(), (0, 1, 1, 0, 0, 0),
                                                                      strict=True)]
    try:
        year, month, day, hour, minute, second = parts
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def _dates(created: str | None, modified: str | None, findings: list[Finding], facts: dict[str, Any]) -> None:
    made, changed = _date(created), _date(modified)
    if made:
        facts["created_at"] = made.isoformat()
    if changed:
        facts["modified_at"] = changed.isoformat()
    if made and changed:
        gap = (changed - made).total_seconds()
        if gap < -60:
            findings.append(Finding(code="modified_before_created", severity="warning", penalty=0.2,
                                    message=f"The PDF says it was modified ({changed:%Y-%m-%d %H:%M}) before it "
                                            f"was created ({made:%Y-%m-%d %H:%M})."))
        elif gap > 300:
            findings.append(Finding(code="modified_after_creation", severity="notice", penalty=0.1,
                                    message=f"The PDF was modified on {changed:%Y-%m-%d %H:%M}, after its creation "
                                            f"on {made:%Y-%m-%d %H:%M}."))


def _revisions(data: bytes, findings: list[Finding], facts: dict[str, Any]) -> None:
    ends = [match.end() for match in _EOF.finditer(data)][: MAX_REVISIONS + 1]
    if not ends:
        return
    linearized = b"/Linearized" in data[:2048]
    sections, start = [], 0
    for end in ends:
        sections.append(data[start:end])
        start = end
    if linearized and len(sections) > 1:  # a linearized file's first part ends with its own %%EOF
        sections = [sections[0] + sections[1], *sections[2:]]
    facts["revisions"] = len(sections)
    if len(sections) <= 1:
        return
    original = {int(number) for number, _ in _OBJECT.findall(sections[0])}
    fonts_before = {name for section in sections[:1] for name in _fonts(section)}
    for index, section in enumerate(sections[1:], start=2):
        defined = {int(number) for number, _ in _OBJECT.findall(section)}
        added, replaced = sorted(defined - original), sorted(defined & original)
        new_fonts = sorted(set(_fonts(section)) - fonts_before)
        fonts_before |= set(new_fonts)
        original |= defined
        parts = [f"{len(added)} new object(s)", f"{len(replaced)} replaced"]
        if new_fonts:
            parts.append(f"font(s) {', '.join(new_fonts)} first used here")
        findings.append(Finding(
            code="incremental_update", severity="strong" if new_fonts else "warning",
            penalty=0.4 if new_fonts else 0.25,
            message=f"Revision {index} was appended after the original: {'; '.join(parts)}.",
            data={"revision": index, "added_objects": added[:50], "replaced_objects": replaced[:50],
                  "new_fonts": new_fonts}))


def _fonts(section: bytes) -> list[str]:
    return [(a or b).decode("latin-1") for a, b in _FONT.findall(section[:4 * 1024 * 1024])][:50]
