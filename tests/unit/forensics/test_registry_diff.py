"""The registry comparison on certificates made here: copies, re-saves and photos of the issued image
match it; edited names, digits and copied decorations are found where they are; another certificate
of the same template, or another picture altogether, never matches."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.fixtures import certificate_images as certs
from tests.fixtures import forensic_files as files
from veriflow.forensics import registry_diff
from veriflow.forensics.registry_diff import Comparison

SIZE = (1200, 850)
Box = tuple[int, int, int, int]


def _iou(a: Box, b: Box) -> float:
    overlap = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
    return overlap / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - overlap)


def _distance(a: Box, b: Box) -> float:
    """The gap between two boxes (0 when they touch or overlap)."""
    dx = max(0, max(a[0], b[0]) - min(a[2], b[2]))
    dy = max(0, max(a[1], b[1]) - min(a[3], b[3]))
    return float(np.hypot(dx, dy))


@pytest.fixture(scope="module")
def issued() -> certs.Certificate:
    return certs.certificate(seed=1, size=SIZE)


def _best(found: Comparison, truth: Box) -> float:
    return max((_iou(region.box_registered, truth) for region in found.regions), default=0.0)


def test_an_exact_copy_aligns_and_matches_with_no_region(issued: certs.Certificate) -> None:
    # Given the issued image itself as the upload
    # When it is compared with the issued image
    found = registry_diff.compare(issued.image, issued.image)
    # Then it aligns at scale 1 and nothing differs
    assert found.aligned
    assert found.inliers >= 100
    assert found.scale == pytest.approx(1.0, abs=0.01)
    assert found.pixels_match
    assert found.regions == []
    assert found.note is None


def test_a_resave_at_quality_60_and_scale_0_6_still_matches(issued: certs.Certificate) -> None:
    # Given the certificate saved again as JPEG at quality 60 and shrunk to 60 %
    upload = certs.resave(issued.image, quality=60, scale=0.6)
    # When it is compared
    found = registry_diff.compare(upload, issued.image)
    # Then JPEG noise and resampling raise no region, and the scale is measured
    assert found.aligned
    assert found.scale == pytest.approx(0.6, abs=0.01)
    assert found.pixels_match, found.regions


def test_a_slightly_cropped_resave_aligns_with_the_offset_and_matches(issued: certs.Certificate) -> None:
    # Given the certificate cropped by a few dozen pixels on each side, then shrunk to 80 %
    upload = certs.resave(issued.image.crop((30, 18, SIZE[0] - 22, SIZE[1] - 25)), quality=75, scale=0.8)
    # When it is compared
    found = registry_diff.compare(upload, issued.image)
    # Then it aligns at scale 0.8 and the cut edges raise no region
    assert found.aligned
    assert found.scale == pytest.approx(0.8, abs=0.01)
    assert found.pixels_match, found.regions


def test_an_upload_cropped_to_part_of_the_page_is_compared_where_it_overlaps(issued: certs.Certificate) -> None:
    # Given an edited name, and an upload cropped to the middle of the page (60 % of its width)
    edited, _ = certs.edit_text(issued.image, issued.fields["name"], "Robert Whitfield")
    crop = (240, 200, 960, 760)
    # When the crop is compared, clean and edited
    clean = registry_diff.compare(certs.resave(issued.image.crop(crop), quality=80), issued.image)
    found = registry_diff.compare(certs.resave(edited.crop(crop), quality=80), issued.image)
    # Then both align; the clean crop shows no region but does not count as matching (the part cut
    # off could hold an edit), and says so; the edited one shows the name
    assert clean.aligned
    assert clean.regions == []
    assert not clean.pixels_match
    assert clean.note is not None
    assert "shows only about" in clean.note
    assert found.aligned
    assert _best(found, issued.fields["name"]) >= 0.5, found.regions


def test_a_photo_showing_the_table_around_the_print_still_aligns(issued: certs.Certificate) -> None:
    # Given the page covering 65 % of the upload's width, on a dark table, saved as JPEG
    table = Image.new("RGB", SIZE, (80, 70, 60))
    page = issued.image.resize((round(SIZE[0] * 0.65), round(SIZE[1] * 0.65)), Image.Resampling.LANCZOS)
    table.paste(page, (150, 120))
    # When it is compared
    found = registry_diff.compare(certs.resave(table, quality=80), issued.image)
    # Then the page is found at its scale and matches
    assert found.aligned
    assert found.scale == pytest.approx(0.65, abs=0.01)
    assert found.pixels_match, found.regions


@pytest.mark.parametrize("seed", [3, 5])
def test_a_photo_of_the_print_aligns_and_raises_no_false_alarm(issued: certs.Certificate, seed: int) -> None:
    # Given a photo of a print: perspective, a lighting gradient, blur, noise, JPEG
    upload = certs.photo_of(issued.image, seed=seed)
    # When it is compared
    found = registry_diff.compare(upload, issued.image)
    # Then it aligns and the pixels match
    assert found.aligned
    assert 0.9 < found.scale < 1.1
    assert found.pixels_match, found.regions


def test_a_soft_photo_saved_at_low_quality_raises_no_false_alarm(issued: certs.Certificate) -> None:
    # Given a photo out of focus (blur radius 1.8) saved at JPEG quality 50
    upload = certs.photo_of(issued.image, seed=6, quality=50, blur=1.8)
    # When it is compared
    found = registry_diff.compare(upload, issued.image)
    # Then the issued image is softened to match and no stroke edge counts as a difference
    assert found.aligned
    assert found.pixels_match, found.regions


def test_an_edited_name_in_a_photo_of_the_print_is_found(issued: certs.Certificate) -> None:
    # Given a photo of a print whose recipient name was edited
    edited, _ = certs.edit_text(issued.image, issued.fields["name"], "Helena Moreau")
    found = registry_diff.compare(certs.photo_of(edited, seed=4), issued.image)
    # Then the name is the region found
    assert not found.pixels_match
    assert _best(found, issued.fields["name"]) >= 0.5, found.regions


def test_an_edited_recipient_name_is_found_where_it_was_edited(issued: certs.Certificate) -> None:
    # Given the recipient name painted over and rewritten, then re-saved at quality 70 and scale 0.7
    edited, touched = certs.edit_text(issued.image, issued.fields["name"], "Robert Whitfield")
    upload = certs.resave(edited, quality=70, scale=0.7)
    # When it is compared
    found = registry_diff.compare(upload, issued.image)
    # Then it does not match, a region covers the name (IoU >= 0.5 in issued pixels; about 0.9 measured)
    assert found.aligned
    assert not found.pixels_match
    assert _best(found, issued.fields["name"]) >= 0.5, found.regions
    # And no region lies away from the edit
    assert all(_distance(region.box_registered, touched) < 20 for region in found.regions), found.regions
    # And the region's upload box is the registered box at the upload's scale
    best = max(found.regions, key=lambda region: _iou(region.box_registered, issued.fields["name"]))
    assert _iou(best.box_upload, certs.scale_box(best.box_registered, 0.7)) > 0.8
    assert 0 < best.area_share < 0.1
    assert 0.2 <= best.strength <= 1.0
    assert all(type(v) is int for v in (*best.box_upload, *best.box_registered))


def test_an_upload_larger_than_the_issued_image_reports_regions_in_its_own_pixels(
        issued: certs.Certificate) -> None:
    # Given an edited name, enlarged 2.2 times (2640 px wide: compared in a 2400 px frame)
    edited, _ = certs.edit_text(issued.image, issued.fields["name"], "Robert Whitfield")
    upload = certs.resave(edited, quality=85, scale=2.2)
    # When it is compared
    found = registry_diff.compare(upload, issued.image)
    # Then the name is found, and its upload box is in the upload's own pixels
    assert found.scale == pytest.approx(2.2, abs=0.02)
    assert _best(found, issued.fields["name"]) >= 0.5, found.regions
    best = max(found.regions, key=lambda region: _iou(region.box_registered, issued.fields["name"]))
    assert _iou(best.box_upload, certs.scale_box(best.box_registered, 2.2)) > 0.8


@pytest.mark.parametrize("scale", [1.0, 0.75])
def test_one_changed_digit_of_the_id_is_found_at_the_digit(issued: certs.Certificate, scale: float) -> None:
    # Given one digit of the certificate id changed (the last one), saved at quality 80; the digit is
    # about 20 px high here, so at scale 0.5 (10 px in the upload) it is below what can be decided
    edited, digit = certs.edit_digit(issued.image, issued.fields["id"], issued.texts["id"], issued.sizes["id"])
    upload = certs.resave(edited, quality=80, scale=scale)
    # When it is compared
    found = registry_diff.compare(upload, issued.image)
    # Then a region overlaps the digit (IoU >= 0.3 accepted for one glyph; 0.64 measured
    # against the painted box, which is a little larger than the glyphs)
    assert digit[3] - digit[1] >= found.smallest_decidable_px
    assert not found.pixels_match
    assert _best(found, digit) >= 0.3, (digit, found.regions)
    assert all(_distance(region.box_registered, digit) < 20 for region in found.regions), found.regions


def test_a_decoration_copied_elsewhere_is_located(issued: certs.Certificate) -> None:
    # Given the seal copied onto the empty paper left of the signature, saved at scale 0.75
    edited, pasted = certs.copy_move(issued.image, issued.fields["seal"], (190, 470))
    upload = certs.resave(edited, quality=80, scale=0.75)
    # When it is compared
    found = registry_diff.compare(upload, issued.image)
    # Then the pasted copy is the region found
    assert not found.pixels_match
    assert _best(found, pasted) >= 0.5, (pasted, found.regions)


def test_another_certificate_of_the_same_template_never_matches(issued: certs.Certificate) -> None:
    # Given a certificate of the same template issued to someone else (name, date and id differ)
    other = certs.certificate(seed=2, size=SIZE)
    assert other.texts["name"] != issued.texts["name"]
    assert other.fields["title"] == issued.fields["title"]
    # When it is compared with the issued image
    found = registry_diff.compare(other.image, issued.image)
    # Then it may align (same layout) but never matches: the name and the id show up as regions
    assert not found.pixels_match
    assert found.regions
    assert _best(found, issued.fields["name"]) >= 0.5
    assert max(_iou(region.box_registered, issued.fields["id"]) for region in found.regions) > 0.3


@pytest.mark.parametrize("scale", [0.5, 0.3, 0.1])
def test_another_certificate_of_the_same_template_never_matches_at_any_scale(issued: certs.Certificate,
                                                                            scale: float) -> None:
    # Given another recipient's certificate of the same template, down-scaled (at 0.1 the upload is
    # 120 px wide and names are 5 px high)
    upload = certs.resave(certs.certificate(seed=3, size=SIZE).image, quality=80, scale=scale)
    # When it is compared
    found = registry_diff.compare(upload, issued.image)
    # Then the pixels never match: regions show it, or the upload is too small to decide (and says so)
    assert not found.pixels_match
    assert found.regions or (found.note is not None and "too small" in found.note)


@pytest.mark.parametrize("picture", ["noise", "scene"])
def test_an_unrelated_picture_does_not_align(issued: certs.Certificate, picture: str) -> None:
    # Given random noise, or a photo-like scene, as the upload
    upload = (Image.effect_noise(SIZE, 60).convert("RGB") if picture == "noise"
              else files.scene(size=SIZE, seed=3))
    # When it is compared
    found = registry_diff.compare(upload, issued.image)
    # Then it does not align, does not match, and reports no region
    assert not found.aligned
    assert not found.pixels_match
    assert found.regions == []
    assert found.note is not None


def test_a_strongly_downscaled_upload_says_small_edits_cannot_be_decided(issued: certs.Certificate) -> None:
    # Given the certificate at 75 % and at 25 % of its size
    fair = registry_diff.compare(certs.resave(issued.image, quality=85, scale=0.75), issued.image)
    tiny = registry_diff.compare(certs.resave(issued.image, quality=85, scale=0.25), issued.image)
    # Then both align; only the tiny one carries a note, and the smallest decidable edit grows
    assert fair.aligned
    assert tiny.aligned
    assert tiny.scale == pytest.approx(0.25, abs=0.01)
    assert fair.note is None
    assert tiny.note is not None
    assert "cannot be decided" in tiny.note
    assert tiny.smallest_decidable_px > 2 * fair.smallest_decidable_px
    assert fair.smallest_decidable_px >= registry_diff.MIN_GLYPH_UPLOAD_PX


def test_the_overlay_is_a_png_thumbnail_of_at_most_800_pixels(issued: certs.Certificate) -> None:
    # Given an upload with an edited name, larger than the overlay size
    edited, _ = certs.edit_text(issued.image, issued.fields["name"], "Robert Whitfield")
    # When it is compared
    found = registry_diff.compare(edited, issued.image)
    # Then the overlay is a PNG of at most 800 px with red drawn on it
    overlay = Image.open(io.BytesIO(found.overlay_png))
    assert overlay.format == "PNG"
    assert max(overlay.size) <= 800
    assert overlay.size[0] / overlay.size[1] == pytest.approx(SIZE[0] / SIZE[1], abs=0.01)
    pixels = np.asarray(overlay.convert("RGB")).astype(int)
    red = (pixels[..., 0] > 200) & (pixels[..., 1] < 60) & (pixels[..., 2] < 60)
    assert red.sum() > 100
    assert found.duration_ms > 0


@pytest.mark.parametrize("mode", ["RGBA", "P", "L"])
def test_the_upload_s_colour_mode_does_not_matter(issued: certs.Certificate, mode: str) -> None:
    # Given the issued image converted to another colour mode
    # When it is compared
    found = registry_diff.compare(issued.image.convert(mode), issued.image)
    # Then it matches as the RGB copy does
    assert found.aligned
    assert found.pixels_match


@pytest.mark.parametrize("upload", [Image.new("RGB", (1, 1)), Image.new("RGB", (20, 20), "white"),
                                    Image.new("RGB", SIZE, "white")], ids=["1px", "tiny", "blank"])
def test_a_degenerate_upload_does_not_align_and_does_not_fail(issued: certs.Certificate,
                                                              upload: Image.Image) -> None:
    # Given an upload with nothing to align on
    # When it is compared, and compared the other way round
    found = registry_diff.compare(upload, issued.image)
    reverse = registry_diff.compare(issued.image, upload)
    # Then neither aligns, and the overlay is still a picture
    assert not found.aligned
    assert not reverse.aligned
    assert Image.open(io.BytesIO(found.overlay_png)).format == "PNG"
