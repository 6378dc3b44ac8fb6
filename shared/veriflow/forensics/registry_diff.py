"""Comparing an uploaded certificate with the image the registry issued for it, pixel by pixel.

Once the registry has found which issued certificate an upload claims to be, the upload's pixels
can say whether it still shows that certificate: a recipient name, a date or an id edited after
issue shows up as a region where the two pictures disagree.

The issued image is aligned to the upload (`alignment`: corners, patch matching, RANSAC), shrunk to
the upload's scale, warped into its frame and softened to the upload's sharpness (a photo is never
as crisp as the issued file), so the comparison runs at the upload's resolution (at most 2400 px on
the long side: a larger phone photo is shrunk to that first). Lighting and contrast are matched
locally (a linear fit of the upload on the issued image in a window around every pixel, fitted
again without what the first fit found differing, so an edit leaves no halo), and a pixel differs
only when neither picture's 3x3 neighbourhood contains the other's value: JPEG noise, resampling
and a pixel of misalignment stay below the threshold, changed strokes do not. Differing pixels are
counted in blocks; connected blocks with enough of them are the regions reported, grown over the
whole strokes they touch, each in upload and in issued-image pixels, and drawn on a thumbnail of
the upload as evidence.

A heavily down-scaled upload cannot show small edits at all: the comparison says how tall (in
issued-image pixels) an edit must be to be decided, and says so in words below a third of the
issued size; below a fifth, where another recipient's name could pass unseen, it never reports the
pixels as matching. Nor does it when the upload shows less than 85 % of the issued page: the part
cut off could hold the edited field."""

from __future__ import annotations

import io
import math
import time
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from veriflow.forensics.alignment import (
    Array,
    Matrix,
    align,
    box_mean,
    luminance,
    resampling,
    warp,
    window_max,
    window_min,
)
from veriflow.forensics.blocks import grow_region

DIFF_THRESHOLD = 0.09  # in luminance (0..1) after matching, on blurred pictures
TOLERANCE_PX = 1  # a pixel of misalignment is forgiven
MAX_SOFTENING = 5  # 3x3 blurs of the issued image at most, to match a soft upload
FIT_SHARE = 0.02  # the local brightness/contrast window, as a share of the long side
FIT_EPS = 0.03 ** 2  # flat windows keep their mean rather than stretching noise
BLOCK_SHARE = 1 / 160  # block edge as a share of the long side
MIN_BLOCK = 4
BLOCK_FILL = 0.06  # a block counts when this share of its pixels differ
MIN_REGION_PX = 12  # differing pixels a region needs at least (upload pixels) ...
MIN_REGION_SHARE = 0.00001  # ... and as a share of the upload's pixels
MIN_STRENGTH = 0.2
INK_CONTRAST = 0.35  # darker than the paper around it by this much: a stroke
MARGIN_SHARE = 0.01  # the upload's edge where the issued image runs out is not compared
MIN_GLYPH_UPLOAD_PX = 12  # the smallest glyph height the comparison resolves, in upload pixels
SMALL_SCALE = 0.35  # below, small edits cannot be decided and the comparison says so
UNDECIDABLE_SCALE = 0.2  # below, not even a recipient name is: the pixels never "match"
MIN_COVERAGE = 0.85  # an upload showing less of the issued page never "matches" (a field may be cut off)
OVERLAY_SIZE = 800
COMPARE_SIZE = 2400  # long side of the comparison frame at most: larger uploads are shrunk to it

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Region:
    box_upload: Box  # x0, y0, x1, y1 in upload pixels (x1, y1 exclusive)
    box_registered: Box  # the same region in issued-image pixels
    strength: float  # 0..1: how strongly the pixels disagree
    area_share: float  # of the compared upload area


@dataclass(frozen=True)
class Comparison:
    aligned: bool
    inliers: int
    scale: float  # upload size relative to the issued image
    pixels_match: bool
    regions: list[Region] = field(default_factory=list)
    smallest_decidable_px: int = 0  # smallest text edit (height, issued-image pixels) still decidable
    note: str | None = None
    overlay_png: bytes = b""
    duration_ms: int = 0


def compare(upload: Image.Image, registered: Image.Image) -> Comparison:
    """Align `registered` (the issued image) onto `upload` and report where their pixels differ."""
    started = time.perf_counter()
    up, reg = luminance(upload), luminance(registered)
    found, inliers = align(up, reg)
    if found is None:
        return Comparison(aligned=False, inliers=inliers, scale=0.0, pixels_match=False,
                          note="The upload could not be aligned with the issued certificate: it does not show "
                               "the same document.",
                          overlay_png=_overlay(upload, []), duration_ms=_since(started))
    scale = found.scale
    # The comparison frame is the upload, shrunk when it is larger than any certificate needs.
    frame = min(1.0, COMPARE_SIZE / max(up.shape))
    homography = found.homography
    if frame < 1.0:
        size = (max(1, round(upload.width * frame)), max(1, round(upload.height * frame)))
        up = luminance(upload.resize(size, Image.Resampling.BOX))
        homography = resampling(size[0] / upload.width, size[1] / upload.height) @ homography
    warped, valid = _issued_in_upload_frame(registered, homography, scale * frame, up.shape)
    difference, compared, darker = _difference(up, warped, valid)
    regions = _regions(difference, compared, darker, homography, reg.shape)
    if frame < 1.0:
        regions = [replace(region, box_upload=_scaled(region.box_upload, 1 / frame, upload.size)) for region in regions]
    decidable = math.ceil(MIN_GLYPH_UPLOAD_PX / max(min(scale * frame, 1.0), 1e-6))
    notes: list[str] = []
    decided = scale >= UNDECIDABLE_SCALE
    if not decided:
        notes.append(f"The upload is {scale:.0%} of the issued image's size: too small for its pixels to decide "
                     f"whether it matches (text edits smaller than about {decidable} pixels high in the issued "
                     f"image cannot be decided).")
    elif scale < SMALL_SCALE:
        notes.append(f"The upload is {scale:.0%} of the issued image's size: text edits smaller than about "
                     f"{decidable} pixels high in the issued image cannot be decided from its pixels.")
    # How much of the issued page the upload shows (areas scale with the square of the scale).
    coverage = min(1.0, float(valid.sum()) / max(1.0, reg.size * (scale * frame) ** 2))
    if coverage < MIN_COVERAGE:
        decided = False
        notes.append(f"The upload shows only about {coverage:.0%} of the issued certificate: the rest cannot be "
                     f"compared.")
    note = " ".join(notes) or None
    return Comparison(aligned=True, inliers=found.inliers, scale=round(scale, 4),
                      pixels_match=decided and not regions,
                      regions=regions, smallest_decidable_px=decidable, note=note,
                      overlay_png=_overlay(upload, [r.box_upload for r in regions]), duration_ms=_since(started))


def _scaled(box: Box, factor: float, size: tuple[int, int]) -> Box:
    x0, y0, x1, y1 = box
    return (max(0, math.floor(x0 * factor)), max(0, math.floor(y0 * factor)), min(size[0], math.ceil(x1 * factor)),
            min(size[1], math.ceil(y1 * factor)))


def _since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _issued_in_upload_frame(registered: Image.Image, homography: Matrix, scale: float,
                            shape: tuple[int, int]) -> tuple[Array, NDArray[np.bool_]]:
    """The issued image resampled into the upload's frame; shrunk first (Lanczos) when the upload is
    smaller, so the comparison sees the same detail in both."""
    gray = registered.convert("L")
    if scale < 0.9:
        size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
        factors = resampling(size[0] / gray.width, size[1] / gray.height)
        gray = gray.resize(size, Image.Resampling.LANCZOS)
        homography = homography @ np.linalg.inv(factors)
    return warp(luminance(gray), homography, shape)


def _difference(up: Array, issued: Array, valid: NDArray[np.bool_]) -> tuple[Array, NDArray[np.bool_], Array]:
    """Per-pixel disagreement after local brightness/contrast matching, tolerant of a pixel of shift;
    where it was compared; and the darker of the two pictures (the strokes either one shows).
    The local fit runs twice: the second leaves out what the first found differing, so an edit does
    not drag the fit of the paper around it (no halo around a region)."""
    long_side = max(up.shape)
    up_s = box_mean(up, 1)
    issued_s = box_mean(_as_soft_as(np.where(valid, issued, up), up, valid), 1)
    radius = max(4, round(FIT_SHARE * long_side))
    predicted = _predicted(up_s, issued_s, None, radius)
    difference = _disagreement(up_s, predicted)
    differing = window_max((difference > DIFF_THRESHOLD / 2).astype(np.float32), TOLERANCE_PX + 1)
    if differing.any():
        predicted = _predicted(up_s, issued_s, 1.0 - differing, radius)
        difference = _disagreement(up_s, predicted)
    margin = max(radius, round(MARGIN_SHARE * long_side))
    compared = window_min(valid.astype(np.float32), margin) > 0.5
    compared[:margin] = False
    compared[-margin:] = False
    compared[:, :margin] = False
    compared[:, -margin:] = False
    return np.where(compared, difference, 0).astype(np.float32), compared, np.minimum(up_s, predicted)


def _as_soft_as(issued: Array, up: Array, valid: NDArray[np.bool_]) -> Array:
    """The issued image blurred (3x3 means, repeated) until it is no sharper than the upload: a photo
    or a soft re-save would otherwise differ along every stroke. Sharpness is gradient energy over
    variance, so lighting and contrast do not count; JPEG noise makes the upload look sharper, which
    errs towards less blur."""
    inside = valid[:-1, :-1]
    if inside.sum() < 100:
        return issued

    def sharpness(values: Array) -> float:
        gx = values[:-1, 1:] - values[:-1, :-1]
        gy = values[1:, :-1] - values[:-1, :-1]
        spread = float(values[:-1, :-1][inside].var())
        return float((gx[inside] ** 2 + gy[inside] ** 2).mean()) / max(spread, 1e-6)

    target = sharpness(up)
    softened = issued
    for _ in range(MAX_SOFTENING):
        if sharpness(softened) <= target * 1.05:
            break
        softened = box_mean(softened, 1)
    return softened


def _predicted(up: Array, issued: Array, weight: Array | None, radius: int) -> Array:
    """The upload as a local linear function of the issued image (gain and offset per window),
    fitted on the pixels `weight` keeps. Gain and offset are smooth, so the windowed sums run on a
    picture shrunk by a quarter of the radius and the fields are interpolated back."""
    factor = max(1, radius // 4)
    small_radius = max(1, round(radius / factor))
    ones = np.ones_like(up) if weight is None else weight
    sums = [_shrink(values, factor) for values in (ones, ones * up, ones * issued, ones * up * issued,
                                                   ones * issued * issued)]
    plain = [_shrink(values, factor) for values in (up, issued, up * issued, issued * issued)] \
        if weight is not None else None
    total = box_mean(sums[0], small_radius)
    kept = total > 0.05
    means = []
    for index, values in enumerate(sums[1:]):
        weighted = box_mean(values, small_radius) / np.maximum(total, 1e-6)
        if plain is not None:
            weighted = np.where(kept, weighted, box_mean(plain[index], small_radius))
        means.append(weighted)
    mean_u, mean_i, mean_ui, mean_ii = means
    cov = mean_ui - mean_u * mean_i
    var = mean_ii - mean_i * mean_i
    gain: Array = np.asarray(np.clip(cov / (np.maximum(var, 0) + FIT_EPS), 0.0, 2.0), dtype=np.float32)
    offset: Array = np.asarray(mean_u - gain * mean_i, dtype=np.float32)
    # Smoothed by the kept share too, so a fit an edit spoiled does not spread onto the paper around it.
    spread = box_mean(total, small_radius)
    gain = np.where(spread > 0.05, box_mean(gain * total, small_radius) / np.maximum(spread, 1e-6), gain)
    offset = np.where(spread > 0.05, box_mean(offset * total, small_radius) / np.maximum(spread, 1e-6), offset)
    shape = up.shape
    return np.asarray(_enlarge(gain, shape, factor) * issued + _enlarge(offset, shape, factor), dtype=np.float32)


def _shrink(values: Array, factor: int) -> Array:
    """Mean over factor x factor tiles (edges padded by repetition)."""
    if factor == 1:
        return values
    height, width = values.shape
    rows, cols = math.ceil(height / factor), math.ceil(width / factor)
    padded = np.pad(values, ((0, rows * factor - height), (0, cols * factor - width)), mode="edge")
    return np.asarray(padded.reshape(rows, factor, cols, factor).mean(axis=(1, 3)), dtype=np.float32)


def _enlarge(values: Array, shape: tuple[int, ...], factor: int) -> Array:
    """Bilinear interpolation of a field shrunk by `_shrink` back to `shape`, tile centres on tile
    centres."""
    height, width = shape
    rows, cols = values.shape
    if factor == 1:
        return values
    field_image = Image.fromarray(np.asarray(values, dtype=np.float32), mode="F")
    enlarged = field_image.resize((cols * factor, rows * factor), Image.Resampling.BILINEAR)
    return np.asarray(enlarged, dtype=np.float32)[:height, :width]


def _disagreement(up: Array, predicted: Array) -> Array:
    """How far each picture's value lies outside the range the other shows within the tolerance
    (the smaller of the two: both must disagree)."""
    lo_p, hi_p = window_min(predicted, TOLERANCE_PX), window_max(predicted, TOLERANCE_PX)
    lo_u, hi_u = window_min(up, TOLERANCE_PX), window_max(up, TOLERANCE_PX)
    to_issued = np.maximum(lo_p - up, 0) + np.maximum(up - hi_p, 0)
    to_upload = np.maximum(lo_u - predicted, 0) + np.maximum(predicted - hi_u, 0)
    return np.asarray(np.minimum(to_issued, to_upload), dtype=np.float32)


def _regions(difference: Array, compared: NDArray[np.bool_], darker: Array, homography: Matrix,
             registered_shape: tuple[int, int]) -> list[Region]:
    height, width = difference.shape
    block = max(MIN_BLOCK, round(BLOCK_SHARE * max(height, width)))
    strong = difference > DIFF_THRESHOLD
    rows, cols = math.ceil(height / block), math.ceil(width / block)
    padded = np.zeros((rows * block, cols * block), bool)
    padded[:height, :width] = strong
    counts = padded.reshape(rows, block, cols, block).sum(axis=(1, 3))
    flagged = counts >= BLOCK_FILL * block * block
    joined = window_max(flagged.astype(np.float32), 1) > 0.5  # neighbouring letters form one region
    seen = np.zeros_like(joined)
    total = max(1, int(compared.sum()))
    min_pixels = max(MIN_REGION_PX, MIN_REGION_SHARE * height * width)
    regions: list[Region] = []
    for start_r, start_c in zip(*np.nonzero(flagged), strict=True):
        if seen[start_r, start_c]:
            continue
        cells = np.array(grow_region((start_r, start_c), joined, seen))
        r0, c0 = cells.min(axis=0)
        r1, c1 = cells.max(axis=0) + 1
        y0, y1, x0, x1 = r0 * block, min(height, r1 * block), c0 * block, min(width, c1 * block)
        window = strong[y0:y1, x0:x1] & _cells_mask(cells - [r0, c0], (r1 - r0, c1 - c0), block)[:y1 - y0, :x1 - x0]
        pixels = int(window.sum())
        if pixels < min_pixels:
            continue
        ys, xs = np.nonzero(window)
        strength = float(np.clip(difference[y0:y1, x0:x1][window].mean() / 0.35, 0.0, 1.0))
        if strength < MIN_STRENGTH:
            continue
        box = (int(x0 + xs.min()), int(y0 + ys.min()), int(x0 + xs.max()) + 1, int(y0 + ys.max()) + 1)
        box = _whole_strokes(box, strong, darker, block)
        area = (box[2] - box[0]) * (box[3] - box[1])
        regions.append(Region(box_upload=box, box_registered=_to_registered(box, homography, registered_shape),
                              strength=round(strength, 3), area_share=round(area / total, 5)))
    return sorted(regions, key=lambda region: -region.strength * region.area_share)


def _whole_strokes(box: Box, strong: NDArray[np.bool_], darker: Array, block: int) -> Box:
    """The box grown over the whole strokes its differing pixels touch, in either picture (a changed
    digit often differs in part of its glyph only), by two blocks at most on each side."""
    height, width = strong.shape
    x0, y0, x1, y1 = box
    gx0, gy0 = max(0, x0 - 2 * block), max(0, y0 - 2 * block)
    gx1, gy1 = min(width, x1 + 2 * block), min(height, y1 + 2 * block)
    dark = darker[gy0:gy1, gx0:gx1]
    ink = dark < float(np.percentile(dark, 90)) - INK_CONTRAST
    seed = np.zeros_like(ink)
    seed[y0 - gy0:y1 - gy0, x0 - gx0:x1 - gx0] = strong[y0:y1, x0:x1]
    grown = seed
    for _ in range(2 * block):
        wider = ((window_max(grown.astype(np.float32), 1) > 0.5) & ink) | seed
        if np.array_equal(wider, grown):
            break
        grown = wider
    ys, xs = np.nonzero(grown)
    if not len(xs):
        return box
    return (min(x0, gx0 + int(xs.min())), min(y0, gy0 + int(ys.min())), max(x1, gx0 + int(xs.max()) + 1),
            max(y1, gy0 + int(ys.max()) + 1))


def _cells_mask(cells: NDArray[np.int64], grid: tuple[int, int], block: int) -> NDArray[np.bool_]:
    mask = np.zeros(grid, bool)
    mask[cells[:, 0], cells[:, 1]] = True
    return np.repeat(np.repeat(mask, block, axis=0), block, axis=1)


def _to_registered(box: Box, homography: Matrix, shape: tuple[int, int]) -> Box:
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], dtype=np.float64)
    mapped = corners @ np.linalg.inv(homography).T
    mapped = mapped[:, :2] / mapped[:, 2:3]
    height, width = shape
    return (int(np.clip(np.floor(mapped[:, 0].min()), 0, width)), int(np.clip(np.floor(mapped[:, 1].min()), 0, height)),
            int(np.clip(np.ceil(mapped[:, 0].max()), 0, width)), int(np.clip(np.ceil(mapped[:, 1].max()), 0, height)))


def _overlay(upload: Image.Image, boxes: list[Box]) -> bytes:
    """A thumbnail of the upload (at most 800 px) with the differing regions in red."""
    thumbnail = upload.convert("RGB")
    factor = min(1.0, OVERLAY_SIZE / max(thumbnail.size))
    if factor < 1.0:
        size = (max(1, round(thumbnail.width * factor)), max(1, round(thumbnail.height * factor)))
        thumbnail = thumbnail.resize(size, Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(thumbnail)
    for x0, y0, x1, y1 in boxes:
        draw.rectangle((math.floor(x0 * factor) - 2, math.floor(y0 * factor) - 2, math.ceil(x1 * factor) + 2,
                        math.ceil(y1 * factor) + 2), outline=(230, 20, 20), width=3)
    out = io.BytesIO()
    thumbnail.save(out, "PNG", compress_level=3)
    return out.getvalue()
