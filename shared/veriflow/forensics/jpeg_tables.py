"""JPEG quantization tables: the quality they correspond to, and whether they are libjpeg's
standard tables (the JPEG standard's Annex K tables scaled by a quality from 1 to 100, which most
libraries and many phones write) or someone's own (cameras' and editors' tables)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

# JPEG standard, Annex K, in natural (row by row) order.
_LUMINANCE = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)
_CHROMINANCE = (
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, *([99] * 38),
)
_MAX_TABLES = 4  # a JPEG has at most four table slots


@dataclass(frozen=True)
class TableEstimate:
    quality: int  # the libjpeg quality whose tables are closest
    standard: bool  # the tables are exactly libjpeg's at that quality
    mean_error: float  # mean absolute difference per coefficient from those tables


@cache
def _zigzag() -> tuple[int, ...]:
    """Natural-order index of each position in the zigzag order DQT segments store."""
    order = sorted(((r, c) for r in range(8) for c in range(8)),
                   key=lambda rc: (rc[0] + rc[1], rc[0] if (rc[0] + rc[1]) % 2 else rc[1]))
    return tuple(8 * r + c for r, c in order)


@cache
def scaled(quality: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """libjpeg's luminance and chrominance tables at `quality` (baseline: entries 1..255)."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return tuple(tuple(min(255, max(1, (v * scale + 50) // 100)) for v in base)
                 for base in (_LUMINANCE, _CHROMINANCE))  # type: ignore[return-value]


def read_dqt(segment: bytes) -> dict[int, tuple[int, ...]]:
    """The tables of one DQT segment's payload (after its length), in natural order, by slot."""
    tables: dict[int, tuple[int, ...]] = {}
    at = 0
    zigzag = _zigzag()
    while at < len(segment) and len(tables) < _MAX_TABLES:
        precision, slot = segment[at] >> 4, segment[at] & 0x0F
        width = 2 if precision else 1
        body = segment[at + 1:at + 1 + 64 * width]
        if len(body) < 64 * width or slot >= _MAX_TABLES:
            break
        values = [int.from_bytes(body[i * width:(i + 1) * width]) for i in range(64)]
        natural = [0] * 64
        for position, value in enumerate(values):
            natural[zigzag[position]] = value
        tables[slot] = tuple(natural)
        at += 1 + 64 * width
    return tables


def estimate(tables: dict[int, tuple[int, ...]]) -> TableEstimate | None:
    """The libjpeg quality closest to the luminance table (slot 0) and chrominance (slot 1)."""
    luminance = tables.get(0)
    if luminance is None:
        return None
    chrominance = tables.get(1)
    best: TableEstimate | None = None
    for quality in range(1, 101):
        reference = scaled(quality)
        error = sum(abs(a - b) for a, b in zip(luminance, reference[0], strict=True))
        count = 64
        if chrominance is not None:
            error += sum(abs(a - b) for a, b in zip(chrominance, reference[1], strict=True))
            count = 128
        if best is None or error / count < best.mean_error:
            best = TableEstimate(quality, error == 0, round(error / count, 3))
    return best
