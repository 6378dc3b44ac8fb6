"""Error level analysis: the picture saved again as JPEG at quality 90 (and at its own estimated
quality when that is 80 or less), at native resolution, and the difference looked at in 16x16
blocks. Texture raises the error on its own, so each block's error is compared with what blocks of
the same texture show in this picture (a curve fitted through medians per texture bin, in log
space); what stays is scored robustly (median and MAD), and the largest connected region of
outlying blocks is the finding, with a heatmap PNG as evidence.

ELA is a supporting signal, not a verdict: a region found lowers the score to 0.3 at the lowest, and
scattered single blocks (noise, edges) count for nothing."""

from __future__ import annotations

import io
from typing import Any

from veriflow.forensics.assessment import Assessment, Finding, Kind
from veriflow.forensics.blocks import grow_region

BLOCK = 16
STRIP = 8 * BLOCK
RESAVE_QUALITY = 90
LOW_QUALITY = 80  # at or below, the file's own quality is tried too
Z_OUTLIER = 3.0
Z_GROW = 2.0
MIN_REGION_SHARE = 0.003  # of the picture's blocks: smaller clusters are edges and noise
FULL_REGION_SHARE = 0.02  # a region this large (with a strong z) takes the score to its floor
SCORE_FLOOR = 0.3
HEATMAP_WIDTH = 512
_TEXTURE_BINS = 12
MIN_SPREAD = 0.05  # in log(1 + error): about 5 % of a block's error


def analyse(data: bytes, kind: Kind, estimated_quality: int | None = None) -> Assessment:
    if kind == "pdf":
        return Assessment.skipped("Error level analysis applies to JPEG and PNG images.")
    from PIL import Image

    picture = Image.open(io.BytesIO(data))
    picture.load()
    rgb = picture.convert("RGB")
    if rgb.width < 2 * BLOCK or rgb.height < 2 * BLOCK:
        return Assessment.skipped("The image is too small for error level analysis.", width=rgb.width,
                                  height=rgb.height)
    qualities = [RESAVE_QUALITY]
    if estimated_quality is not None and estimated_quality <= LOW_QUALITY:
        qualities.append(max(30, estimated_quality))
    luma = rgb.convert("L")  # once: the texture and every pass compare against it
    texture = _block_texture(luma)
    passes = [_pass(rgb, luma, quality, texture) for quality in qualities]
    best = max(passes, key=lambda found: (found["share"], found["max_z"]))
    findings: list[Finding] = []
    score = 1.0
    if best["share"] >= MIN_REGION_SHARE:
        strength = min(1.0, best["share"] / FULL_REGION_SHARE) * min(1.0, max(0.0, best["mean_z"] - 1.5) / 2.5)
        score = max(SCORE_FLOOR, 1.0 - (1.0 - SCORE_FLOOR) * strength)
        x0, y0, x1, y1 = best["box"]
        findings.append(Finding(
            code="ela_region", severity="warning" if strength > 0.5 else "notice", penalty=round(1.0 - score, 4),
            message=(f"A region of {x1 - x0}x{y1 - y0} pixels at ({x0}, {y0}) re-compresses unlike the rest of "
                     f"the picture ({best['share']:.1%} of it, mean z {best['mean_z']:.1f} at quality "
                     f"{best['quality']})."),
            data={"box": [x0, y0, x1, y1], "share": round(best["share"], 4), "mean_z": round(best["mean_z"], 2),
                  "quality": best["quality"]}))
    else:
        findings.append(Finding(code="ela_uniform", message="The picture re-compresses evenly: no region stands out."))
    facts: dict[str, Any] = {
        "width": rgb.width, "height": rgb.height, "qualities": qualities, "block": BLOCK,
        "median_error": round(best["median"], 3), "mad": round(best["mad"], 4), "max_z": round(best["max_z"], 2),
        "outlier_blocks": best["outliers"],
    }
    return Assessment(score=round(score, 4), findings=findings, facts=facts,
                      artifacts={"ela_heatmap.png": _heatmap(best["z"])})


def _pass(rgb: Any, luma: Any, quality: int, texture: Any) -> dict[str, Any]:
    import numpy as np

    error = _block_error(rgb, luma, quality)
    residual = np.log1p(error) - _expected(np.log1p(texture), np.log1p(error))
    median = float(np.median(residual))
    # A floor on the spread: in a very even picture tiny differences would otherwise look extreme.
    mad = max(float(np.median(np.abs(residual - median))) * 1.4826, MIN_SPREAD)
    z = (residual - median) / mad
    # Both ways: a region pasted from a more compressed source re-compresses with less error than
    # its texture predicts (its JPEG ghost), one from an uncompressed source with more.
    outliers = np.abs(z) > Z_OUTLIER
    box, size, mean_z = _largest_region(outliers, z)
    return {"quality": quality, "z": z, "median": float(np.median(error)), "mad": mad, "max_z": float(np.abs(z).max()),
            "outliers": int(outliers.sum()), "share": size / z.size, "mean_z": mean_z,
            "box": tuple(v * BLOCK for v in box)}


def _block_error(rgb: Any, luma: Any, quality: int) -> Any:
    """Mean per 16x16 block of the luminance difference between the picture and its re-save."""
    import numpy as np
    from PIL import Image, ImageChops

    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=quality)
    resaved = Image.open(out)
    resaved.load()
    # Luminance only: colour is subsampled by JPEG, so saturated colours would stand out on their own.
    # A strip of 128 rows at a time: each strip's difference, float copy and means stay in the CPU cache.
    original, again = luma, resaved.convert("L")
    cols, rows = rgb.width // BLOCK, rgb.height // BLOCK
    strips = []
    for top in range(0, rows * BLOCK, STRIP):
        box = (0, top, cols * BLOCK, min(rows * BLOCK, top + STRIP))
        difference = ImageChops.difference(original.crop(box), again.crop(box)).convert("F")
        strips.append(np.asarray(difference.reduce(BLOCK), dtype=np.float32))
    return np.concatenate(strips)


def _block_texture(luma: Any) -> Any:
    """Mean absolute horizontal and vertical luminance step per block, measured at half resolution
    (texture needs no more, and a 40 MP picture costs a quarter as much)."""
    import numpy as np
    from PIL import ImageChops

    cols, rows = luma.width // BLOCK, luma.height // BLOCK
    luma = luma.crop((0, 0, cols * BLOCK, rows * BLOCK)).reduce(2)
    # Offsets wrap around; the one wrapped column and row change their blocks' means by a hair.
    right = ImageChops.difference(luma, ImageChops.offset(luma, -1, 0))
    down = ImageChops.difference(luma, ImageChops.offset(luma, 0, -1))
    return np.asarray(ImageChops.lighter(right, down).convert("F").reduce(BLOCK // 2), dtype=np.float32)


def _expected(texture: Any, error: Any) -> Any:
    """The error blocks of each texture show here: medians per texture quantile, interpolated."""
    import numpy as np

    flat_t, flat_e = texture.ravel(), error.ravel()
    edges = np.unique(np.quantile(flat_t, np.linspace(0, 1, _TEXTURE_BINS + 1)))
    if edges.size < 3:
        return np.full(error.shape, float(np.median(flat_e)), dtype=np.float32)
    which = np.clip(np.searchsorted(edges, flat_t, side="right") - 1, 0, edges.size - 2)
    centres, medians = [], []
    for index in range(edges.size - 1):
        members = which == index
        if members.any():
            centres.append(float(np.median(flat_t[members])))
            medians.append(float(np.median(flat_e[members])))
    return np.interp(texture, centres, medians).astype(np.float32)


def _largest_region(outliers: Any, z: Any) -> tuple[tuple[int, int, int, int], int, float]:
    """Bounding box (in blocks: x0, y0, x1, y1), size and mean |z| of the largest 8-connected region
    grown from outlying blocks through blocks that lean the same way beyond Z_GROW (hysteresis: an
    edited region is rarely outlying in every block, and noise rarely forms a large one)."""
    import numpy as np

    high, low = z > Z_GROW, z < -Z_GROW
    seen = np.zeros(outliers.shape, dtype=bool)
    best: tuple[tuple[int, int, int, int], int, float] = ((0, 0, 0, 0), 0, 0.0)
    for start in zip(*np.nonzero(outliers), strict=True):
        if seen[start]:
            continue
        members = grow_region(start, high if z[start] > 0 else low, seen)
        if len(members) > best[1]:
            ys, xs = zip(*members, strict=True)
            mean_z = float(np.mean([abs(z[m]) for m in members]))
            best = ((int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1), len(members), mean_z)
    return best


def _heatmap(z: Any) -> bytes:
    """Block z-scores as colour (dark blue: as expected, through red to yellow: outlying)."""
    import numpy as np
    from PIL import Image

    level = np.clip(np.abs(z) / (2 * Z_OUTLIER), 0.0, 1.0)
    red = np.clip(level * 2.0, 0, 1)
    green = np.clip(level * 2.0 - 1.0, 0, 1)
    blue = np.clip(0.5 - level, 0, 0.5)
    colour = (np.stack([red, green, blue], axis=-1) * 255).astype(np.uint8)
    image = Image.fromarray(colour, "RGB")
    width = min(HEATMAP_WIDTH, image.width * BLOCK)
    height = max(1, round(image.height * width / image.width))
    out = io.BytesIO()
    image.resize((width, height), Image.Resampling.NEAREST).save(out, "PNG", compress_level=1)
    return out.getvalue()
