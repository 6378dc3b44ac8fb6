"""Image files are judged by what they are: each hostile or mislabelled file is refused with its reason."""

from __future__ import annotations

import io
import os
import zlib

import pytest
from PIL import Image, ImageDraw

from veriflow.imaging import phash
from veriflow.imaging.inspect import ImageLimits, RejectedImage, inspect_image

LIMITS = ImageLimits(max_bytes=5_000_000, max_pixels=4_000_000)


def picture(kind: str = "JPEG", size: tuple[int, int] = (640, 480), text: str = "Ada", **save: object) -> bytes:
    image = Image.new("RGB", size, (240, 240, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, size[0] - 30, 120), fill=(20, 50, 110))
    draw.ellipse((size[0] // 2, size[1] // 2, size[0] // 2 + 90, size[1] // 2 + 90), fill=(160, 30, 30))
    draw.text((60, size[1] - 80), text, fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, kind, **save)
    return buffer.getvalue()


def stripes() -> bytes:
    image = Image.new("L", (640, 480), 255)
    draw = ImageDraw.Draw(image)
    for x in range(0, 640, 40):
        draw.rectangle((x, 0, x + 19, 479), fill=0)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def noise_png(side: int = 300) -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A tiny file whose header promises 900 megapixels (its one row of data compresses to nothing)."""
    header = _png_chunk(b"IHDR", width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0]))
    data = _png_chunk(b"IDAT", zlib.compress(b"\x00" * (width // 8 + 1)))
    return b"\x89PNG\r\n\x1a\n" + header + data + _png_chunk(b"IEND", b"")


def animated_png() -> bytes:
    frames = [Image.new("RGB", (64, 64), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def test_a_real_jpeg_and_png_are_accepted_with_their_facts() -> None:
    jpeg = inspect_image(picture("JPEG", quality=90), LIMITS, "image/jpeg")
    png = inspect_image(picture("PNG"), LIMITS, "image/png")
    assert (jpeg.kind, jpeg.width, jpeg.height) == ("jpeg", 640, 480)
    assert (png.kind, png.content_type) == ("png", "image/png")
    # The same picture as JPEG and PNG is nearly the same perceptual hash; another is far.
    assert phash.distance(jpeg.phash, png.phash) <= 4
    other = inspect_image(stripes(), LIMITS)
    assert phash.distance(other.phash, png.phash) > 10


@pytest.mark.parametrize(("name", "data", "declared", "code"), [
    ("bomb", bomb_png(), None, "too_many_pixels"),
    ("truncated", picture("JPEG")[:-2000], None, "malformed"),
    ("corrupt image data", picture("PNG")[:60] + b"\x00" * 200 + picture("PNG")[260:], None, "undecodable"),
    ("zip appended (polyglot)", picture("JPEG") + b"PK\x03\x04" + b"\x00" * 40, None, "trailing_data"),
    ("html appended to a png", picture("PNG") + b"<script>alert(1)</script>", None, "trailing_data"),
    ("png sent as jpeg", picture("PNG"), "image/jpeg", "type_mismatch"),
    ("gif", picture("GIF"), "image/jpeg", "unsupported_type"),
    ("pdf", b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF", None, "unsupported_type"),
    ("animated png", animated_png(), None, "animated"),
    ("empty", b"", None, "empty"),
    ("over the byte cap", noise_png(), None, "too_large"),
])
def test_hostile_and_mislabelled_files_are_refused_with_a_reason(
    name: str, data: bytes, declared: str | None, code: str
) -> None:
    limits = ImageLimits(max_bytes=60_000, max_pixels=4_000_000) if name == "over the byte cap" else LIMITS
    with pytest.raises(RejectedImage) as refused:
        inspect_image(data, limits, declared)
    assert refused.value.code == code, refused.value.message
    assert refused.value.message.endswith(".")


def test_pixels_over_the_cap_are_refused_before_decoding() -> None:
    with pytest.raises(RejectedImage) as refused:
        inspect_image(picture("PNG", size=(2100, 2000)), LIMITS)
    assert refused.value.code == "too_many_pixels"
