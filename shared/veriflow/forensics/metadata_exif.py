"""A bounded reader of EXIF (a TIFF structure): the four directories a camera writes (IFD0, the EXIF
and GPS sub-directories, IFD1 with the thumbnail). Hostile EXIF is read as far as it makes sense;
what does not is listed in `problems`, never raised."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

type Value = str | int | float | bytes | tuple[float, ...]

MAKE, MODEL, SOFTWARE, DATETIME, PROCESSING_SOFTWARE = 0x010F, 0x0110, 0x0131, 0x0132, 0x000B
EXIF_POINTER, GPS_POINTER = 0x8769, 0x8825
DATETIME_ORIGINAL, DATETIME_DIGITIZED, MAKER_NOTE = 0x9003, 0x9004, 0x927C
PIXEL_X, PIXEL_Y = 0xA002, 0xA003
THUMBNAIL_OFFSET, THUMBNAIL_LENGTH = 0x0201, 0x0202

_MAX_ENTRIES = 256  # real directories hold a few dozen tags
_MAX_TEXT = 256
_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8}


@dataclass
class Exif:
    ifd0: dict[int, Value] = field(default_factory=dict)
    exif: dict[int, Value] = field(default_factory=dict)
    gps: dict[int, Value] = field(default_factory=dict)
    ifd1: dict[int, Value] = field(default_factory=dict)
    thumbnail: bytes | None = None
    problems: list[str] = field(default_factory=list)

    def text(self, tag: int, directory: str = "ifd0") -> str | None:
        value = getattr(self, directory).get(tag)
        return value if isinstance(value, str) and value else None


def read_exif(payload: bytes) -> Exif:
    """The directories of an APP1/eXIf payload (with or without its `Exif\\0\\0` prefix)."""
    tiff = payload[6:] if payload.startswith(b"Exif\x00\x00") else payload
    result = Exif()
    if tiff[:4] not in (b"II*\x00", b"MM\x00*"):
        result.problems.append("the EXIF block does not start with a TIFF header")
        return result
    order = "<" if tiff[:2] == b"II" else ">"
    reader = _Reader(tiff, order, result.problems)
    first = reader.u32(4)
    if first is None:
        return result
    result.ifd0, next_ifd = reader.directory(first, "IFD0")
    for pointer, name in ((EXIF_POINTER, "exif"), (GPS_POINTER, "gps")):
        offset = result.ifd0.get(pointer)
        if isinstance(offset, int):
            setattr(result, name, reader.directory(offset, name.upper())[0])
    if next_ifd:
        result.ifd1, _ = reader.directory(next_ifd, "IFD1")
        result.thumbnail = _thumbnail(tiff, result.ifd1, result.problems)
    return result


def _thumbnail(tiff: bytes, ifd1: dict[int, Value], problems: list[str]) -> bytes | None:
    offset, length = ifd1.get(THUMBNAIL_OFFSET), ifd1.get(THUMBNAIL_LENGTH)
    if not isinstance(offset, int) or not isinstance(length, int):
        return None
    if offset <= 0 or length <= 0 or offset + length > len(tiff):
        problems.append(f"the thumbnail's offset {offset} and length {length} point outside the EXIF block")
        return None
    return tiff[offset:offset + length]


class _Reader:
    def __init__(self, tiff: bytes, order: str, problems: list[str]) -> None:
        self.tiff, self.order, self.problems = tiff, order, problems
        self.seen: set[int] = set()

    def u16(self, at: int) -> int | None:
        return self._unpack("H", at)

    def u32(self, at: int) -> int | None:
        return self._unpack("I", at)

    def _unpack(self, code: str, at: int) -> int | None:
        size = struct.calcsize(code)
        if at < 0 or at + size > len(self.tiff):
            self.problems.append(f"an EXIF offset ({at}) points outside the block")
            return None
        return int(struct.unpack_from(self.order + code, self.tiff, at)[0])

    def directory(self, at: int, name: str) -> tuple[dict[int, Value], int]:
        if at in self.seen:  # a loop of directories
            self.problems.append(f"the {name} directory points back to one already read")
            return {}, 0
        self.seen.add(at)
        count = self.u16(at)
        if count is None:
            return {}, 0
        if count > _MAX_ENTRIES:
            self.problems.append(f"the {name} directory claims {count} entries")
            count = _MAX_ENTRIES
        entries: dict[int, Value] = {}
        for index in range(count):
            entry = at + 2 + 12 * index
            if entry + 12 > len(self.tiff):
                self.problems.append(f"the {name} directory runs past the end of the block")
                break
            tag, kind, number = struct.unpack_from(self.order + "HHI", self.tiff, entry)
            value = self._value(int(kind), int(number), entry + 8)
            if value is not None:
                entries[int(tag)] = value
        tail = at + 2 + 12 * count
        next_ifd = self.u32(tail) if tail + 4 <= len(self.tiff) else None
        return entries, next_ifd or 0

    def _value(self, kind: int, count: int, field_at: int) -> Value | None:
        size = _SIZES.get(kind)
        if size is None or count == 0:
            return None
        total = size * count
        at = field_at if total <= 4 else self.u32(field_at)
        if at is None or total > len(self.tiff) or at + total > len(self.tiff):
            return None
        raw = self.tiff[at:at + total]
        if kind == 2:
            return raw.split(b"\x00", 1)[0][:_MAX_TEXT].decode("latin-1").strip()
        if kind in (1, 6, 7):
            return raw if count > 1 or kind == 7 else raw[0]
        numbers = _numbers(raw, kind, min(count, 16), self.order)
        return numbers[0] if len(numbers) == 1 and kind in (3, 4, 8, 9) else tuple(float(n) for n in numbers)


def _numbers(raw: bytes, kind: int, count: int, order: str) -> list[int | float]:
    if kind in (5, 10):
        pairs = struct.unpack_from(f"{order}{2 * count}{'I' if kind == 5 else 'i'}", raw)
        return [pairs[i] / pairs[i + 1] if pairs[i + 1] else 0.0 for i in range(0, len(pairs), 2)]
    code = {3: "H", 4: "I", 8: "h", 9: "i"}[kind]
    return list(struct.unpack_from(f"{order}{count}{code}", raw))
