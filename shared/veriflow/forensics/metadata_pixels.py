"""Metadata checked against the pixels: the EXIF thumbnail the camera wrote against the picture now,
a PNG whose pixels keep a JPEG's 8x8 blocks, and a PNG that looks like a screen capture.
Penalties: thumbnail_mismatch 0.50 (strong) | thumbnail_unreadable 0.05 | jpeg_history 0.15
(warning) | thumbnail_matches, screenshot_like: facts (0)."""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING

from veriflow.forensics.metadata_containers import ImageMetadata
from veriflow.forensics.metadata_report import Report

if TYPE_CHECKING:
    import numpy as np
    from PIL.Image import Image

_MAX_THUMBNAIL_SIDE = 1024
_THUMBNAIL_MEAN, _THUMBNAIL_CELL = 10.0, 24.0  # grey levels; a re-encoded thumbnail stays far below
_BLOCK_RATIO = 1.15  # boundary vs inside energy, both axes; a JPEG at quality 95 still shows ~1.17
_MAX_BLOCK_SIDE = 2048
_SCREENS = frozenset({(1280, 720), (1280, 800), (1280, 1024), (1366, 768), (1440, 900), (1536, 864),
                      (1600, 900), (1680, 1050), (1920, 1080), (1920, 1200), (2560, 1440), (2560, 1600),
                      (2880, 1800), (3024, 1964), (3456, 2234), (3840, 2160), (750, 1334), (828, 1792),
                      (1080, 1920), (1080, 2340), (1080, 2400), (1170, 2532), (1179, 2556), (1284, 2778),
                      (1290, 2796), (1440, 3200), (1440, 3120)})


def _open(data: bytes) -> Image:
    from PIL import Image

    with warnings.catch_warnings():  # size and format were checked before; warnings are noise here
        warnings.simplefilter("ignore")
        return Image.open(io.BytesIO(data))


def _grey(picture: Image) -> np.ndarray:
    import numpy as np

    return np.asarray(picture.convert("L"), dtype=np.float32)


def thumbnail(meta: ImageMetadata, data: bytes, report: Report) -> None:
    if meta.exif is None or meta.exif.thumbnail is None:
        return
    try:
        small = _open(meta.exif.thumbnail)
        if max(small.size) > _MAX_THUMBNAIL_SIDE or min(small.size) < 8:
            raise ValueError(f"a {small.size[0]}x{small.size[1]} thumbnail")
        small.load()
    except (OSError, ValueError, SyntaxError) as error:
        report.add("thumbnail_unreadable", f"The EXIF thumbnail does not decode ({error}).", "notice", 0.05)
        return
    _compare_thumbnail(_grey(small), _open(data), report)


def _compare_thumbnail(thumb: np.ndarray, main: Image, report: Report) -> None:
    import numpy as np
    from PIL import Image as PILImage
    from PIL import ImageFilter

    height, width = thumb.shape
    main.draft("L", (width * 2, height * 2))  # JPEG decodes at a fraction of its size: fast
    main_ratio, thumb_ratio = main.size[0] / main.size[1], width / height
    if abs(main_ratio - thumb_ratio) / thumb_ratio > 0.03:  # letterboxed thumbnail: compare the inner frame
        inner = (width, round(width / main_ratio)) if main_ratio > thumb_ratio else (round(height * main_ratio), height)
        left, top = (width - inner[0]) // 2, (height - inner[1]) // 2
        bars = np.concatenate([thumb[:top].ravel(), thumb[top + inner[1]:].ravel(),
                               thumb[:, :left].ravel(), thumb[:, left + inner[0]:].ravel()])
        thumb = thumb[top:top + inner[1], left:left + inner[0]]
        if bars.size and float(bars.std()) > 12:
            report.add("thumbnail_mismatch", f"The EXIF thumbnail ({width}x{height}) shows a frame the picture "
                       f"({main.size[0]}x{main.size[1]}) no longer has: it was cropped after the camera wrote it.",
                       "strong", 0.50, reason="frame")
            return
        height, width = thumb.shape
    resized = main.convert("L").resize((width, height), PILImage.Resampling.BOX)
    blurred = [np.asarray(PILImage.fromarray(a.astype(np.uint8)).filter(ImageFilter.GaussianBlur(1)), np.float32)
               for a in (np.asarray(resized, np.float32), thumb)]
    diff = np.abs(blurred[0] - blurred[1])
    cells = [float(cell.mean()) for band in np.array_split(diff, 8) for cell in np.array_split(band, 8, axis=1)
             if cell.size]
    mean, worst = round(float(diff.mean()), 2), round(max(cells), 2)
    if mean > _THUMBNAIL_MEAN or worst > _THUMBNAIL_CELL:
        report.add("thumbnail_mismatch", f"The EXIF thumbnail differs from the picture (mean difference {mean}, "
                   f"{worst} in the worst of 64 areas): the picture was changed after the camera wrote it.",
                   "strong", 0.50, mean_difference=mean, worst_area=worst, reason="content")
    else:
        report.add("thumbnail_matches", f"The EXIF thumbnail matches the picture (mean difference {mean}).",
                   mean_difference=mean)


def block_ratios(grey: np.ndarray) -> tuple[float, float]:
    """Energy of neighbour differences across 8x8 block borders over that elsewhere, per axis."""
    import numpy as np

    ratios = []
    for plane in (grey, grey.T):
        steps = np.minimum(np.abs(np.diff(plane, axis=1)), 24.0)  # strong edges would swamp the blocks
        columns = steps.mean(axis=0)
        energy = np.array([columns[offset::8].mean() if columns[offset::8].size else 0.0 for offset in range(8)])
        inside = float(energy[:7].max())
        ratios.append(round(float(energy[7]) / inside, 3) if inside > 0.05 else 0.0)
    return ratios[0], ratios[1]


def png_pixels(meta: ImageMetadata, data: bytes, report: Report) -> None:
    picture = _open(data)
    # a corner from the origin keeps the 8x8 grid in place and bounds the arrays of a 40 MP file
    grey = _grey(picture.crop((0, 0, min(picture.width, _MAX_BLOCK_SIDE), min(picture.height, _MAX_BLOCK_SIDE))))
    if min(grey.shape) >= 64:
        across, down = block_ratios(grey)
        report.facts["block_ratios"] = [across, down]
        if min(across, down) > _BLOCK_RATIO:
            report.add("jpeg_history", "The PNG's pixels carry 8x8 JPEG compression blocks: it was a JPEG before "
                       f"(border energy {across}x across, {down}x down).", "warning", 0.15,
                       across=across, down=down)
    camera = meta.exif is not None and meta.exif.text(0x010F)
    flat = float((grey[:, 1:] == grey[:, :-1]).mean()) if grey.shape[1] > 1 else 0.0
    screen_size = (meta.width, meta.height) in _SCREENS or (meta.height, meta.width) in _SCREENS
    if not camera and flat > 0.5:
        report.facts["screenshot_like"] = True
        size = "a screen's size" if screen_size else "not a common screen size"
        report.add("screenshot_like", f"The PNG looks like a screen capture: {round(flat * 100)}% of neighbouring "
                   f"pixels are identical (flat colours), no camera metadata, {meta.width}x{meta.height} ({size}).",
                   flat_fraction=round(flat, 3), screen_size=screen_size)
