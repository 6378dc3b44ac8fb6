"""Where images keep their metadata: the JPEG's APPn/DQT/SOF segments and the PNG's chunks, read
without decoding the picture. Every walk is bounded; a broken structure ends the walk with a
problem noted, it never raises."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

from veriflow.forensics.jpeg_tables import read_dqt
from veriflow.forensics.metadata_exif import Exif, read_exif
from veriflow.forensics.metadata_xmp import MAX_PACKET, Xmp, read_xmp
from veriflow.imaging.structure import MalformedStructure, jpeg_segments

_MAX_SEGMENTS = 1000
_MAX_CHUNKS = 200_000  # a 40 MP PNG in small IDAT chunks stays well under
_MAX_TEXT = 4096
_XMP_JPEG = b"http://ns.adobe.com/xap/1.0/\x00"
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


@dataclass
class ImageMetadata:
    kind: str
    width: int | None = None
    height: int | None = None
    exif: Exif | None = None
    xmp: Xmp | None = None
    photoshop_irb: bool = False  # APP13 "Photoshop 3.0": image resources Photoshop writes
    adobe_app14: bool = False  # APP14 "Adobe": colour transform marker of Adobe's encoder
    tables: dict[int, tuple[int, ...]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # PNG text chunks, JPEG comments
    problems: list[str] = field(default_factory=list)


def read_jpeg(data: bytes) -> ImageMetadata:
    found = ImageMetadata("jpeg")
    try:
        for count, (marker, payload) in enumerate(jpeg_segments(data)):
            if count == _MAX_SEGMENTS:
                found.problems.append(f"the JPEG has more than {_MAX_SEGMENTS} segments before its image data")
                break
            _jpeg_segment(found, marker, payload)
    except MalformedStructure:
        found.problems.append("the JPEG's segments end before its image data")
    return found


def _jpeg_segment(found: ImageMetadata, marker: int, payload: bytes) -> None:
    if marker == 0xE1 and payload.startswith(b"Exif\x00") and found.exif is None:
        found.exif = read_exif(payload)
    elif marker == 0xE1 and payload.startswith(_XMP_JPEG) and found.xmp is None:
        found.xmp = read_xmp(payload[len(_XMP_JPEG):])
    elif marker == 0xED and payload.startswith(b"Photoshop 3.0\x00"):
        found.photoshop_irb = True
    elif marker == 0xEE and payload.startswith(b"Adobe"):
        found.adobe_app14 = True
    elif marker == 0xDB:
        found.tables.update(read_dqt(payload))
    elif marker == 0xFE:
        found.texts.setdefault("Comment", payload[:_MAX_TEXT].decode("latin-1").strip())
    elif marker in _SOF and len(payload) >= 5:
        found.height, found.width = struct.unpack_from(">HH", payload, 1)


def read_png(data: bytes) -> ImageMetadata:
    found = ImageMetadata("png")
    at = 8
    for _ in range(_MAX_CHUNKS):
        if at + 8 > len(data):
            break
        length, chunk_type = struct.unpack_from(">I4s", data, at)
        body = data[at + 8:at + 8 + length]
        at += 12 + length
        if chunk_type == b"IEND":
            return found
        if chunk_type == b"IHDR" and len(body) >= 8:
            found.width, found.height = struct.unpack_from(">II", body)
        elif chunk_type == b"eXIf" and found.exif is None:
            found.exif = read_exif(body)
        elif chunk_type in (b"tEXt", b"zTXt", b"iTXt"):
            _png_text(found, chunk_type, body)
    found.problems.append("the PNG's chunks end before its IEND chunk")
    return found


def _png_text(found: ImageMetadata, chunk_type: bytes, body: bytes) -> None:
    keyword, _, rest = body.partition(b"\x00")
    name = keyword[:79].decode("latin-1")
    try:
        if chunk_type == b"tEXt":
            text = rest[:MAX_PACKET]
        elif chunk_type == b"zTXt":
            text = _inflate(rest[1:])  # after the compression method byte
        else:  # iTXt: compressed flag, method, language\0, translated keyword\0, text
            compressed = rest[:1] == b"\x01"
            text = rest[2:].split(b"\x00", 2)[-1]
            text = _inflate(text) if compressed else text[:MAX_PACKET]
    except zlib.error:
        found.problems.append(f"the PNG text chunk {name!r} does not decompress")
        return
    if name == "XML:com.adobe.xmp":
        found.xmp = found.xmp or read_xmp(text)
    elif len(found.texts) < 64:
        found.texts.setdefault(name, text[:_MAX_TEXT].decode("latin-1" if chunk_type != b"iTXt" else "utf-8",
                                                             errors="replace").strip())


def _inflate(compressed: bytes) -> bytes:
    """At most MAX_PACKET bytes out, whatever the compressed stream claims (no zip bomb)."""
    return zlib.decompressobj().decompress(compressed[:MAX_PACKET], MAX_PACKET)
