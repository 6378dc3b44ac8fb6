"""File structure without decoding: what kind of image the bytes are (magic numbers, never the
name or the declared type) and where the image really ends, so bytes appended after it (a ZIP,
a PDF or a script riding along: a polyglot) are found."""

from __future__ import annotations

import struct
from collections.abc import Iterator

JPEG, PNG = "jpeg", "png"
CONTENT_TYPES = {JPEG: "image/jpeg", PNG: "image/png"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RSTn carry no length


class MalformedStructure(ValueError):
    """The bytes do not follow the format's structure."""


def kind_of(data: bytes) -> str | None:
    """`jpeg`, `png`, or None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_PNG_SIGNATURE):
        return PNG
    return None


def end_of_image(data: bytes, kind: str) -> int:
    """The offset just past the image's last byte (EOI for JPEG, the IEND chunk for PNG)."""
    return _png_end(data) if kind == PNG else _jpeg_end(data)


_PNG_METADATA = frozenset({b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"})


def metadata_bytes(data: bytes, kind: str) -> int:
    """Bytes spent on metadata before the image data: JPEG APPn and COM segments, PNG text, EXIF and
    ICC chunks (a file can carry megabytes of it, which every reader then parses)."""
    return _png_metadata(data) if kind == PNG else _jpeg_metadata(data)


def _png_metadata(data: bytes) -> int:
    at, total = len(_PNG_SIGNATURE), 0
    while at + 8 <= len(data):
        length = int(struct.unpack(">I", data[at:at + 4])[0])
        chunk_type = data[at + 4:at + 8]
        if chunk_type in _PNG_METADATA:
            total += length
        if chunk_type in (b"IDAT", b"IEND"):
            break
        at += 12 + length
    return total


def _jpeg_metadata(data: bytes) -> int:
    total = 0
    try:
        for marker, payload in jpeg_segments(data):
            if 0xE0 <= marker <= 0xEF or marker == 0xFE:  # APPn, COM (with their 2 length bytes)
                total += len(payload) + 2
    except MalformedStructure:
        pass  # what was read before the damage is what there is
    return total


def jpeg_segments(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(marker, payload) of each segment after SOI and before the image data (SOS) or EOI, fill
    bytes and markers without a length skipped. MalformedStructure when the bytes run out or a
    marker is missing before the image data."""
    at, size = 2, len(data)
    while True:
        if at + 4 > size or data[at] != 0xFF:
            raise MalformedStructure("The JPEG's segments end before its image data.")
        marker = int(data[at + 1])
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker in _STANDALONE:
            at += 2
            continue
        if marker == 0xDA or marker == 0xD9:  # image data (or the end) begins: metadata is before it
            return
        length = int(struct.unpack(">H", data[at + 2:at + 4])[0])
        yield marker, data[at + 4:at + 2 + length]
        at += 2 + length


def _png_end(data: bytes) -> int:
    at = len(_PNG_SIGNATURE)
    while at + 8 <= len(data):
        length = int(struct.unpack(">I", data[at:at + 4])[0])
        chunk_type = data[at + 4:at + 8]
        at += 12 + length  # length, type, data, CRC
        if at > len(data):
            break
        if chunk_type == b"IEND":
            return at
    raise MalformedStructure("The PNG file ends before its IEND chunk.")


def _jpeg_end(data: bytes) -> int:
    at = 2  # after SOI
    size = len(data)
    while at < size:
        if data[at] != 0xFF:
            raise MalformedStructure("The JPEG file has bytes where a marker should be.")
        marker = int(data[at + 1]) if at + 1 < size else -1
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker == 0xD9:  # EOI
            return at + 2
        if marker in _STANDALONE:
            at += 2
            continue
        if at + 4 > size:
            break
        length = int(struct.unpack(">H", data[at + 2:at + 4])[0])
        at += 2 + length
        if marker == 0xDA:  # SOS: entropy-coded data runs to the next marker that is not RSTn
            at = _after_entropy_data(data, at)
    raise MalformedStructure("The JPEG file ends before its end-of-image marker.")


def _after_entropy_data(data: bytes, at: int) -> int:
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= len(data):
            raise MalformedStructure("The JPEG file ends inside its image data.")
        following = data[at + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            at += 1 if following == 0xFF else 2  # stuffed byte, restart marker, fill
            continue
        return at
