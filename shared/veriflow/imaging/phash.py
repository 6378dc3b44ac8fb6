"""A 64-bit perceptual hash (the DCT hash): a 32x32 greyscale thumbnail, the 8x8 lowest
frequencies of its 2-D DCT-II, one bit per coefficient above their median. Copies of one image
at another size or quality differ by a few bits; so do certificates of one template, which is why
the hash only narrows a search. Kept in pure Python: 10k multiplications need no numpy."""

from __future__ import annotations

import math
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

SIZE, LOW = 32, 8
BANDS = 4  # the hash as four 16-bit bands: a near copy shares at least one band exactly


@cache
def _basis() -> tuple[tuple[float, ...], ...]:
    """Rows of the DCT-II basis for the LOW lowest frequencies (scale does not change the bits)."""
    return tuple(
        tuple(math.cos(math.pi * (2 * x + 1) * u / (2 * SIZE)) for x in range(SIZE)) for u in range(LOW)
    )


def phash(image: Image) -> int:
    """The 64-bit DCT hash of a decoded image."""
    from PIL import Image as PILImage

    grey = image.convert("L").resize((SIZE, SIZE), PILImage.Resampling.LANCZOS)
    pixels: list[float] = [float(value) for value in grey.tobytes()]  # mode L: one byte a pixel
    rows = [pixels[y * SIZE:(y + 1) * SIZE] for y in range(SIZE)]
    basis = _basis()
    # Along x for every row, then along y: an 8x8 block of the lowest frequencies.
    along_x = [[sum((b * p for b, p in zip(basis[u], row, strict=True)), 0.0) for u in range(LOW)] for row in rows]
    coefficients = [
        sum((basis[v][y] * along_x[y][u] for y in range(SIZE)), 0.0) for v in range(LOW) for u in range(LOW)
    ]
    median = sorted(coefficients)[len(coefficients) // 2 - 1: len(coefficients) // 2 + 1]
    threshold = sum(median) / 2
    value = 0
    for coefficient in coefficients:
        value = (value << 1) | (coefficient > threshold)
    return value


def to_hex(value: int) -> str:
    return f"{value:016x}"


def bands(value: int) -> tuple[int, int, int, int]:
    """The hash's four 16-bit bands, most significant first (indexed columns for lookups)."""
    return (value >> 48 & 0xFFFF, value >> 32 & 0xFFFF, value >> 16 & 0xFFFF, value & 0xFFFF)


def distance(a: int, b: int) -> int:
    """Hamming distance between two hashes."""
    return (a ^ b).bit_count()
