"""ELA on pictures made here: clean saves stay clean at any quality, a pasted region is found where
it is, and odd inputs never fail the layer."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.fixtures import forensic_files as files
from veriflow.forensics import ela

SIZE = (768, 576)
TRUTH = (768 // 3, 576 // 3, 768 // 3 + 768 // 5, 576 // 3 + 576 // 5)


def _iou(a: list[int], b: tuple[int, int, int, int]) -> float:
    overlap = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
    return overlap / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - overlap)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("quality", [70, 80, 92, 95])
def test_a_clean_photo_saved_again_at_any_quality_stays_clean(seed: int, quality: int) -> None:
    photo = files.camera_photo(size=SIZE, seed=seed)
    resaved = files.jpeg(Image.open(io.BytesIO(photo)), quality=quality)
    found = ela.analyse(resaved, "jpeg", estimated_quality=quality)
    assert found.score is not None
    assert found.score >= 0.8, found.findings


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_pasted_region_is_found_where_it_is(seed: int) -> None:
    edited = files.pasted(files.camera_photo(size=SIZE, seed=seed), seed=seed + 50)
    found = ela.analyse(edited, "jpeg")
    [region] = [finding for finding in found.findings if finding.code == "ela_region"]
    assert _iou(region.data["box"], TRUTH) > 0.3  # type: ignore[arg-type]
    assert found.score is not None
    assert found.score <= 0.6


def test_ela_never_scores_below_its_floor() -> None:
    photo = files.camera_photo(size=SIZE, seed=4)
    edited = files.pasted(photo, seed=9, box=(100, 100, 600, 450))
    found = ela.analyse(edited, "jpeg")
    assert found.score is not None
    assert found.score >= ela.SCORE_FLOOR


def test_the_heatmap_is_a_png_at_most_512_wide() -> None:
    found = ela.analyse(files.camera_photo(size=(1600, 1200), seed=2), "jpeg")
    heatmap = Image.open(io.BytesIO(found.artifacts["ela_heatmap.png"]))
    assert heatmap.format == "PNG"
    assert heatmap.width <= 512
    assert "ela_heatmap.png" not in found.model_dump_json()


@pytest.mark.parametrize("size", [(1, 1), (15, 15), (31, 200), (33, 17), (641, 479)])
def test_odd_sizes_do_not_fail(size: tuple[int, int]) -> None:
    found = ela.analyse(files.jpeg(files.scene(size, seed=1)), "jpeg")
    assert found.status in ("ok", "skipped")


def test_a_png_is_analysed_and_a_pdf_skipped() -> None:
    assert ela.analyse(files.png(files.scene((320, 240))), "png").status == "ok"
    skipped = ela.analyse(files.pdf(1), "pdf")
    assert (skipped.status, skipped.reason) == ("skipped", "Error level analysis applies to JPEG and PNG images.")


def test_a_low_quality_file_is_also_checked_at_its_own_quality() -> None:
    photo = files.jpeg(files.scene(SIZE, seed=3), quality=60)
    found = ela.analyse(photo, "jpeg", estimated_quality=60)
    assert found.facts["qualities"] == [90, 60]
