"""Aligning an uploaded picture of a document with the issued image of it, in numpy alone (OpenCV
does not fit a Lambda package).

Both pictures are brought to the same working size (at most 800 px on the long side), so a
full-page upload differs from the issued image by little more than a crop, a mild perspective and
lighting; when that finds few agreeing corners, the page is tried at smaller shares of the upload
(a photo that shows the table around the print) and at larger ones (an upload cropped to part of
the page). Corners (Shi-Tomasi: the smaller eigenvalue of
the gradient structure tensor, kept where it is a local maximum) are described by small normalised
patches; a corner matches the most similar patch of the other picture near the same place on the
page when that patch is clearly better than the second best (ratio test) and the choice is mutual.
RANSAC over batches of four matches (DLT, in Hartley-normalised coordinates) finds the homography
most matches agree with, refitted on its inliers. Too few inliers, or a homography no print or
photo of the page could give, means the two pictures do not show the same document."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image

Array = NDArray[np.float32]
Matrix = NDArray[np.float64]

WORKING_SIZE = 800
MIN_WORKING_PX = 48  # a working copy narrower than this holds too few corners to align
MAX_CORNERS = 1500
NMS_RADIUS = 4
PATCH_RADIUS = 4  # samples either side of the corner ...
PATCH_STEP = 2  # ... this many working pixels apart: a 17x17 pixel window
SEARCH_SHARE = 0.2  # a match lies within this share of the long side of the same place on the page
RATIO = 0.85
RANSAC_BATCH = 1500
INLIER_PX = 2.5  # working pixels
MIN_INLIERS = 16
MIN_INLIER_SHARE = 0.2
PAGE_SHARES = (1.0, 0.8, 0.64, 0.5, 1.25, 1.6)  # of the upload's long side the page is tried at, in turn ...
CONFIDENT_INLIERS = 80  # ... until this many corners agree


@dataclass(frozen=True)
class Alignment:
    homography: Matrix  # registered pixel -> upload pixel, full resolution
    inliers: int
    matches: int
    scale: float  # upload size relative to the registered image, at the page centre


def box_mean(values: Array, radius: int) -> Array:
    """Mean over a (2r+1)^2 window, edges clamped (two cumulative sums)."""
    if radius <= 0:
        return values
    size = 2 * radius + 1
    padded = np.pad(values, radius, mode="edge").astype(np.float32)
    rows = np.cumsum(padded, axis=0, dtype=np.float32)
    rows = np.concatenate([rows[size - 1:size], rows[size:] - rows[:-size]], axis=0)
    cols = np.cumsum(rows, axis=1, dtype=np.float32)
    cols = np.concatenate([cols[:, size - 1:size], cols[:, size:] - cols[:, :-size]], axis=1)
    return (cols / np.float32(size * size)).astype(np.float32)


def window_max(values: Array, radius: int) -> Array:
    """Maximum over a (2r+1)^2 window (separable running maxima of shifted views, edges clamped)."""
    if radius <= 0:
        return values
    padded = np.pad(values, radius, mode="edge")
    height, width = values.shape
    size = 2 * radius + 1
    rows = padded[0:height].copy()
    for shift in range(1, size):
        np.maximum(rows, padded[shift:shift + height], out=rows)
    out = rows[:, 0:width].copy()
    for shift in range(1, size):
        np.maximum(out, rows[:, shift:shift + width], out=out)
    return out


def window_min(values: Array, radius: int) -> Array:
    return -window_max(-values, radius)


def luminance(picture: Image.Image) -> Array:
    """The picture's luminance as float32 in 0..1."""
    return np.asarray(picture.convert("L"), dtype=np.float32) / np.float32(255.0)


def _resized(gray: Array, size: tuple[int, int]) -> Array:
    if (gray.shape[1], gray.shape[0]) == size:
        return gray
    return np.asarray(Image.fromarray(gray, mode="F").resize(size, Image.Resampling.BOX), dtype=np.float32)


def _corners(gray: Array) -> tuple[NDArray[np.int64], NDArray[np.int64], Matrix]:
    """Corner pixels (x, y) and their sub-pixel positions (a parabola through the response)."""
    smooth = box_mean(box_mean(gray, 1), 1)
    gx = np.zeros_like(smooth)
    gy = np.zeros_like(smooth)
    gx[:, 1:-1] = smooth[:, 2:] - smooth[:, :-2]
    gy[1:-1, :] = smooth[2:, :] - smooth[:-2, :]
    sxx, syy, sxy = box_mean(gx * gx, 2), box_mean(gy * gy, 2), box_mean(gx * gy, 2)
    response: Array = np.asarray((sxx + syy) / 2 - np.sqrt(((sxx - syy) / 2) ** 2 + sxy * sxy), dtype=np.float32)
    margin = PATCH_RADIUS * PATCH_STEP + 2
    response[:margin] = 0
    response[-margin:] = 0
    response[:, :margin] = 0
    response[:, -margin:] = 0
    peak = float(response.max())
    if peak <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 2))
    keep = (response >= window_max(response, NMS_RADIUS)) & (response > 0.01 * peak)
    ys, xs = np.nonzero(keep)
    strongest = np.argsort(-response[ys, xs], kind="stable")[:MAX_CORNERS]
    xs, ys = xs[strongest], ys[strongest]
    return xs, ys, np.stack([xs + _vertex(response, ys, xs, 0, 1), ys + _vertex(response, ys, xs, 1, 0)], axis=1)


def _vertex(response: Array, ys: NDArray[np.int64], xs: NDArray[np.int64], dy: int, dx: int) -> Matrix:
    """The offset (within half a pixel) of the parabola's top through three responses along a line."""
    before = response[ys - dy, xs - dx].astype(np.float64)
    centre = response[ys, xs].astype(np.float64)
    after = response[ys + dy, xs + dx].astype(np.float64)
    curve = before - 2 * centre + after
    offset = np.where(curve < 0, (before - after) / (2 * np.where(curve < 0, curve, -1.0)), 0.0)
    return np.asarray(np.clip(offset, -0.5, 0.5), dtype=np.float64)


def _descriptors(gray: Array, xs: NDArray[np.int64], ys: NDArray[np.int64]) -> Array:
    smooth = box_mean(gray, 1)
    offsets = np.arange(-PATCH_RADIUS, PATCH_RADIUS + 1) * PATCH_STEP
    patches = smooth[ys[:, None, None] + offsets[None, :, None], xs[:, None, None] + offsets[None, None, :]]
    flat = patches.reshape(len(xs), -1)
    flat = flat - flat.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(flat, axis=1, keepdims=True)
    return np.asarray(flat / np.maximum(norms, 1e-6), dtype=np.float32)


def _match(desc_a: Array, pts_a: Matrix, desc_b: Array, pts_b: Matrix, reach: float) -> NDArray[np.int64]:
    similarity = desc_a @ desc_b.T
    far = ((pts_a[:, None, :] - pts_b[None, :, :]) ** 2).sum(axis=2) > reach * reach
    similarity[far] = -2.0
    if similarity.shape[1] < 2:
        return np.zeros((0, 2), np.int64)
    order = np.argpartition(-similarity, 1, axis=1)[:, :2]
    rows = np.arange(len(similarity))
    first, second = similarity[rows, order[:, 0]], similarity[rows, order[:, 1]]
    swap = second > first
    best = np.where(swap, order[:, 1], order[:, 0])
    first, second = np.maximum(first, second), np.minimum(first, second)
    distance_1 = np.sqrt(np.maximum(0.0, 2 - 2 * first))
    distance_2 = np.sqrt(np.maximum(0.0, 2 - 2 * second))
    mutual = np.argmax(similarity, axis=0)[best] == rows
    good = (first > 0.5) & (distance_1 < RATIO * distance_2) & mutual
    return np.stack([rows[good], best[good]], axis=1)


def _normaliser(points: Matrix) -> Matrix:
    centre = points.mean(axis=0)
    spread = np.sqrt(((points - centre) ** 2).sum(axis=1)).mean() or 1.0
    k = np.sqrt(2) / spread
    return np.array([[k, 0, -k * centre[0]], [0, k, -k * centre[1]], [0, 0, 1]])


def _dlt_rows(src: Matrix, dst: Matrix) -> Matrix:
    """The 2N x 9 DLT system (leading axes broadcast) for dst ~ H src."""
    x, y = src[..., 0], src[..., 1]
    u, v = dst[..., 0], dst[..., 1]
    one, zero = np.ones_like(x), np.zeros_like(x)
    first = np.stack([-x, -y, -one, zero, zero, zero, u * x, u * y, u], axis=-1)
    second = np.stack([zero, zero, zero, -x, -y, -one, v * x, v * y, v], axis=-1)
    return np.concatenate([first, second], axis=-2)


def _project(homographies: Matrix, points: Matrix) -> Matrix:
    ones = np.ones((*points.shape[:-1], 1))
    mapped = np.concatenate([points, ones], axis=-1) @ np.swapaxes(homographies, -1, -2)
    w = mapped[..., 2:3]
    w = np.where(np.abs(w) < 1e-12, 1e-12, w)
    return np.asarray(mapped[..., :2] / w, dtype=np.float64)


def _fit(src: Matrix, dst: Matrix) -> Matrix:
    ns, nd = _normaliser(src), _normaliser(dst)
    a = _dlt_rows(_project(ns, src), _project(nd, dst))
    h = np.linalg.svd(a)[2][-1].reshape(3, 3)
    full = np.linalg.inv(nd) @ h @ ns
    return np.asarray(full / full[2, 2], dtype=np.float64)


def ransac(src: Matrix, dst: Matrix, threshold: float = INLIER_PX, seed: int = 0) -> tuple[Matrix, NDArray[np.bool_]]:
    """The homography src -> dst most point pairs agree with (within `threshold`), and its inliers."""
    count = len(src)
    if count < 4:
        return np.eye(3), np.zeros(count, bool)
    rng = np.random.default_rng(seed)
    ns, nd = _normaliser(src), _normaliser(dst)
    src_n, dst_n = _project(ns, src), _project(nd, dst)
    picks = rng.integers(0, count, (RANSAC_BATCH, 4))  # a sample that repeats a point just gets few votes
    systems = _dlt_rows(src_n[picks], dst_n[picks])  # (B, 8, 9)
    h = np.linalg.svd(systems)[2][:, -1].reshape(-1, 3, 3)
    candidates = np.linalg.inv(nd)[None] @ h @ ns[None]
    errors = np.linalg.norm(_project(candidates, src[None]) - dst[None], axis=2)
    votes = (errors < threshold).sum(axis=1)
    best = candidates[int(np.argmax(votes))]
    inliers = np.linalg.norm(_project(best, src) - dst, axis=1) < threshold
    for _ in range(3):  # least squares on the inliers is more precise than any four of them
        if inliers.sum() < 4:
            break
        best = _fit(src[inliers], dst[inliers])
        refreshed = np.linalg.norm(_project(best, src) - dst, axis=1) < threshold
        if np.array_equal(refreshed, inliers):
            break
        inliers = refreshed
    return best, inliers


def local_scale(homography: Matrix, at: tuple[float, float]) -> float:
    """sqrt of the Jacobian determinant of the homography at a point: how much it scales areas."""
    x, y = at
    h = homography
    w = h[2, 0] * x + h[2, 1] * y + h[2, 2]
    u = (h[0, 0] * x + h[0, 1] * y + h[0, 2]) / w
    v = (h[1, 0] * x + h[1, 1] * y + h[1, 2]) / w
    jac = np.array([[h[0, 0] - u * h[2, 0], h[0, 1] - u * h[2, 1]],
                    [h[1, 0] - v * h[2, 0], h[1, 1] - v * h[2, 1]]]) / w
    det = float(np.linalg.det(jac))
    return float(np.sqrt(det)) if det > 0 else 0.0


def _plausible(homography: Matrix, width: int, height: int) -> bool:
    """Could a crop, print or photo of the page give this homography (working pixels, same size)?"""
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)
    mapped = _project(homography, corners)
    edges = np.roll(mapped, -1, axis=0) - mapped
    turns = edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
    if not (np.all(turns > 0) or np.all(turns < 0)):
        return False  # folded over itself
    scales = [local_scale(homography, (float(x), float(y))) for x, y in corners]
    return min(scales) > 0.4 and max(scales) < 2.5 and max(scales) / max(min(scales), 1e-6) < 1.6


@dataclass(frozen=True)
class _Working:
    """A working copy for matching: the resized picture, its size (width, height) and its corners."""

    image: Array
    size: tuple[int, int]
    xs: NDArray[np.int64]
    ys: NDArray[np.int64]
    points: Matrix


def _working(gray: Array, factor: float) -> _Working | None:
    """`gray` resized by `factor`, with its corners; None when too small or too plain to align."""
    size = (max(1, round(gray.shape[1] * factor)), max(1, round(gray.shape[0] * factor)))
    if min(size) < MIN_WORKING_PX:
        return None
    small = _resized(gray, size)
    xs, ys, points = _corners(small)
    if len(xs) < MIN_INLIERS:
        return None
    return _Working(small, size, xs, ys, points)


def align(upload: Array, registered: Array) -> tuple[Alignment | None, int]:
    """The homography from the registered image onto the upload (full-resolution pixels), or None
    when the two do not show the same page; with the number of inliers found either way. The page
    is first assumed to fill the upload; when few corners agree, smaller pages (a photo with the
    table around the print) and larger ones (a crop of the page) are tried."""
    long_side = min(WORKING_SIZE, max(upload.shape))
    up = _working(upload, long_side / max(upload.shape))
    if up is None:
        return None, 0
    up_size, pts_up = up.size, up.points
    desc_up = _descriptors(up.image, up.xs, up.ys)
    best: Alignment | None = None
    most = 0
    for share in PAGE_SHARES:
        found, inliers = _align_at(upload.shape, registered, pts_up, desc_up, long_side, up_size, share)
        most = max(most, inliers)
        if found is not None and (best is None or found.inliers > best.inliers):
            best = found
        if best is not None and best.inliers >= CONFIDENT_INLIERS:
            break
    return best, (best.inliers if best is not None else most)


def resampling(factor_x: float, factor_y: float) -> Matrix:
    """Pixel index -> pixel index of a resize by these factors (pixel centres map onto centres)."""
    return np.array([[factor_x, 0.0, 0.5 * factor_x - 0.5], [0.0, factor_y, 0.5 * factor_y - 0.5], [0.0, 0.0, 1.0]])


def _align_at(upload_shape: tuple[int, ...], registered: Array, pts_up: Matrix, desc_up: Array, long_side: int,
              up_size: tuple[int, int], share: float) -> tuple[Alignment | None, int]:
    """One try, with the page assumed to span `share` of the upload's long side."""
    reg = _working(registered, share * long_side / max(registered.shape))
    if reg is None:
        return None, 0
    reg_size, pts_reg = reg.size, reg.points
    reach = (SEARCH_SHARE + abs(1.0 - share)) * long_side
    pairs = _match(_descriptors(reg.image, reg.xs, reg.ys), pts_reg, desc_up, pts_up, reach)
    if len(pairs) < MIN_INLIERS:
        return None, 0
    src, dst = pts_reg[pairs[:, 0]], pts_up[pairs[:, 1]]
    homography, inliers = ransac(src, dst)
    found = int(inliers.sum())
    if found < MIN_INLIERS or found < MIN_INLIER_SHARE * len(pairs) or not _plausible(homography, *reg_size):
        return None, found
    to_work = resampling(reg_size[0] / registered.shape[1], reg_size[1] / registered.shape[0])
    from_work = np.linalg.inv(resampling(up_size[0] / upload_shape[1], up_size[1] / upload_shape[0]))
    full = from_work @ homography @ to_work
    full = full / full[2, 2]
    scale = local_scale(full, (registered.shape[1] / 2, registered.shape[0] / 2))
    return Alignment(homography=full, inliers=found, matches=len(pairs), scale=scale), found


def warp(registered: Array, homography: Matrix, shape: tuple[int, int]) -> tuple[Array, NDArray[np.bool_]]:
    """The registered image resampled (bilinear) into a frame of `shape` through `homography`
    (registered -> frame), and where the frame has registered pixels. Pillow's perspective transform
    does the resampling (pixel centres at +0.5 there, at the integers here)."""
    height, width = shape
    shift = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    inverse = np.linalg.inv(shift @ homography @ np.linalg.inv(shift))
    inverse = inverse / inverse[2, 2]
    coefficients = tuple(float(value) for value in inverse.ravel()[:8])
    source = Image.fromarray(np.asarray(registered, dtype=np.float32), mode="F")
    warped = source.transform((width, height), Image.Transform.PERSPECTIVE, coefficients,
                              Image.Resampling.BILINEAR, fillcolor=-1.0)
    values = np.asarray(warped, dtype=np.float32)
    return np.maximum(values, 0), values >= 0
