"""The alignment pieces on their own: RANSAC recovers a known homography through outliers, warping
follows it, and a certificate is found again under a known crop and scale."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fixtures import certificate_images as certs
from veriflow.forensics import alignment

TRUTH = np.array([[0.62, 0.03, 14.0], [-0.02, 0.6, 9.0], [2e-5, -1e-5, 1.0]])


def _project(homography: np.ndarray, points: np.ndarray) -> np.ndarray:
    mapped = np.c_[points, np.ones(len(points))] @ homography.T
    return mapped[:, :2] / mapped[:, 2:3]


def test_ransac_recovers_a_homography_through_forty_percent_outliers() -> None:
    # Given 200 point pairs under a known homography, with sub-pixel noise, 80 of them replaced by junk
    rng = np.random.default_rng(4)
    src = rng.uniform(0, 800, (200, 2))
    dst = _project(TRUTH, src) + rng.normal(0, 0.3, (200, 2))
    dst[:80] = rng.uniform(0, 500, (80, 2))
    # When RANSAC runs
    found, inliers = alignment.ransac(src, dst)
    # Then the good pairs are the inliers and the homography maps points within a pixel
    assert inliers[80:].mean() > 0.95
    assert inliers[:80].mean() < 0.05
    assert np.abs(_project(found, src[80:]) - _project(TRUTH, src[80:])).max() < 1.0


def test_warp_follows_the_homography() -> None:
    # Given a picture with one bright pixel
    picture = np.zeros((200, 300), np.float32)
    picture[100, 150] = 1.0
    # When it is warped through a homography
    warped, valid = alignment.warp(picture, TRUTH, (150, 220))
    # Then the bright pixel lands where the homography sends it
    y, x = np.unravel_index(int(np.argmax(warped)), warped.shape)
    expected = _project(TRUTH, np.array([[150.0, 100.0]]))[0]
    assert abs(x - expected[0]) <= 1
    assert abs(y - expected[1]) <= 1
    assert valid[int(expected[1]), int(expected[0])]


def test_a_cropped_and_scaled_certificate_is_found_again() -> None:
    # Given a certificate and an upload cut 40 px from the left and 25 px from the top, at 70 %
    issued = certs.certificate(seed=9, size=(1200, 850))
    upload = certs.resave(issued.image.crop((40, 25, 1200, 850)), quality=80, scale=0.7)
    # When the two are aligned
    found, inliers = alignment.align(alignment.luminance(upload), alignment.luminance(issued.image))
    # Then the homography sends an issued point to where the crop and scale put it
    assert found is not None
    assert inliers == found.inliers >= 50
    assert found.scale == pytest.approx(0.7, abs=0.01)
    point = _project(found.homography, np.array([[600.0, 400.0]]))[0]
    assert point == pytest.approx([(600 - 40) * 0.7, (400 - 25) * 0.7], abs=1.0)
