"""A PDF's revisions read from its bytes: an incremental update appends objects, a new xref and a
trailer whose /Prev points at the previous xref, then its own `%%EOF`. The sections between those
ends are the revisions; objects and fonts are compared across them. A linearized file's first-page
xref is part of its first revision. Bounded: at most MAX_REVISIONS sections and object streams of
at most _MAX_INFLATE bytes each."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field

MAX_REVISIONS = 50
_MAX_OBJECTS = 100_000
_MAX_STREAMS = 200
_MAX_INFLATE = 4 * 1024 * 1024
_TRAILER_WINDOW = 64 * 1024
_END = re.compile(rb"startxref\s+(\d{1,12})\s+%%EOF[ \t]*\r?\n?")
_OBJECT = re.compile(rb"(?<![0-9])(\d{1,10})\s+(\d{1,5})\s+obj\b")
_BASE_FONT = re.compile(rb"/BaseFont\s*/([^\s/<>\[\]()]{1,127})")
_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm\b[^\0]{0,512}?stream\r?\n", re.DOTALL)
_SIGNATURE = re.compile(rb"/Type\s*/Sig\b|/ByteRange\s*\[")


@dataclass
class Revision:
    number: int  # 1 is the original
    start: int
    end: int
    objects: set[int] = field(default_factory=set)
    fonts: set[str] = field(default_factory=set)
    signature: bool = False  # a digital signature appends a revision by design


@dataclass
class Revisions:
    sections: list[Revision]
    linearized: bool = False
    chain: int = 0  # xref sections reached through /Prev from the last startxref
    problems: list[str] = field(default_factory=list)
    capped: bool = False


def read_revisions(data: bytes) -> Revisions:
    ends = []
    for found in _END.finditer(data):
        ends.append(found.end())
        if len(ends) > MAX_REVISIONS:
            break
    capped = len(ends) > MAX_REVISIONS
    ends = ends[:MAX_REVISIONS] or [len(data)]
    linearized = _linearized_length(data)
    if linearized is not None and len(ends) > 1:
        # the first-page trailer ends a section of its own: everything up to /L is one revision
        first = max((i for i, end in enumerate(ends) if end <= linearized + 2), default=1)
        ends = ends[max(first, 1):]
    sections, start = [], 0
    for number, end in enumerate(ends, start=1):
        sections.append(_section(data, number, start, end))
        start = end
    result = Revisions(sections, linearized is not None, capped=capped)
    result.chain = _prev_chain(data, result.problems)
    return result


def _linearized_length(data: bytes) -> int | None:
    head = data[:1024]
    if b"/Linearized" not in head:
        return None
    length = re.search(rb"/L\s+(\d{1,12})", head)
    return int(length.group(1)) if length else 0


def _section(data: bytes, number: int, start: int, end: int) -> Revision:
    body = data[start:end]
    revision = Revision(number, start, end, signature=_SIGNATURE.search(body) is not None)
    for count, found in enumerate(_OBJECT.finditer(body)):
        if count >= _MAX_OBJECTS:
            break
        revision.objects.add(int(found.group(1)))
    revision.fonts = {name.decode("latin-1") for name in _BASE_FONT.findall(body)}
    for count, found in enumerate(_OBJECT_STREAM.finditer(body)):
        if count >= _MAX_STREAMS:
            break
        revision.fonts |= {name.decode("latin-1") for name in _BASE_FONT.findall(_inflate(body, found.end()))}
    return revision


def _inflate(body: bytes, at: int) -> bytes:
    try:
        return zlib.decompressobj().decompress(body[at:at + _MAX_INFLATE], _MAX_INFLATE)
    except zlib.error:
        return b""  # not Flate, or damaged: its fonts stay unseen


def _prev_chain(data: bytes, problems: list[str]) -> int:
    """How many xref sections the /Prev chain reaches from the last startxref (loops stop it)."""
    ends = list(_END.finditer(data[-_TRAILER_WINDOW:]))
    if not ends:
        problems.append("the PDF has no startxref at its end")
        return 0
    offset, seen = int(ends[-1].group(1)), list[int]()
    while len(seen) < MAX_REVISIONS:
        if offset in seen:
            problems.append(f"the /Prev chain loops back to the xref at byte {offset}")
            break
        if not 0 <= offset < len(data):
            problems.append(f"an xref offset ({offset}) points outside the file")
            break
        seen.append(offset)
        window = data[offset:offset + _TRAILER_WINDOW]
        if window.startswith(b"xref"):  # a table: its trailer dictionary follows the entries
            text = window[max(window.find(b"trailer"), 0):]
            stop = text.find(b"startxref")
        else:  # an xref stream: the dictionary before its data
            text, stop = window, window.find(b"stream")
        previous = re.search(rb"/Prev\s+(\d{1,12})", text[:stop] if stop >= 0 else text)
        if previous is None:
            break
        offset = int(previous.group(1))
    return len(seen)
