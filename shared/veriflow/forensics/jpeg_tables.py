"""JPEG quantization tables against libjpeg's standard ones (Annex K, scaled by quality as libjpeg
does): the quality a file was saved at, and whether its tables are anyone's standard at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# ITU-T T.81 Annex K luminance table, natural (row-major) order, as libjpeg uses it.
_LUMINANCE = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)


@dataclass(frozen=True)
class QualityEstimate:
    quality: int
    standard: bool  # the table is libjpeg's at that quality exactly
    distance: float  # mean absolute difference from that table


def scaled(quality: int) -> tuple[int, ...]:
    """libjpeg's luminance table at `quality` (1-100), baseline (values capped at 255)."""
    quality = min(100, max(1, quality))
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return tuple(min(255, max(1, (value * scale + 50) // 100)) for value in _LUMINANCE)


_TABLES = {quality: scaled(quality) for quality in range(1, 101)}


def estimate(luminance: Sequence[int]) -> QualityEstimate | None:
    """The libjpeg quality whose luminance table is nearest to the file's, or None without one."""
    if len(luminance) != 64:
        return None
    table = tuple(int(v) for v in luminance)
    best = min(_TABLES, key=lambda q: (sum(abs(a - b) for a, b in zip(_TABLES[q], table, strict=True)), -q))
    distance = sum(abs(a - b) for a, b in zip(_TABLES[best], table, strict=True)) / 64
    return QualityEstimate(quality=best, standard=distance == 0, distance=round(distance, 3))


def estimated_quality(data: bytes) -> int | None:
    """The quality a JPEG file was saved at, from its first quantization table."""
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as picture:
            tables = getattr(picture, "quantization", None) or {}
    except (OSError, ValueError):
        return None
    found = estimate(list(tables.get(0, ())))
    return found.quality if found is not None else None
