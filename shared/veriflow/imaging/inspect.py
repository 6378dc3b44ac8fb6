"""An image file checked by what it is, never by what it claims: size, magic number, the declared
type against the real one, nothing appended after the image, a pixel cap checked from the header
before decoding (Pillow's decompression-bomb warning is an error too), one frame, then a full
decode (`verify()` alone passes truncated JPEGs). Each refusal has a code and a sentence."""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass

from veriflow.imaging import phash, structure

DEFAULT_MAX_PIXELS = 40_000_000


class RejectedImage(ValueError):
    """The file is not an image we accept; `code` is stable, the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int
    max_pixels: int = DEFAULT_MAX_PIXELS
    kinds: frozenset[str] = frozenset({structure.JPEG, structure.PNG})
    max_metadata_bytes: int | None = None


@dataclass(frozen=True)
class InspectedImage:
    kind: str
    content_type: str
    width: int
    height: int
    size: int
    sha256: str
    phash: int


def inspect_image(data: bytes, limits: ImageLimits, declared_type: str | None = None) -> InspectedImage:
    """The checked image's facts, or RejectedImage."""
    if not data:
        raise RejectedImage("empty", "The file is empty.")
    if len(data) > limits.max_bytes:
        raise RejectedImage("too_large", f"The file is larger than {limits.max_bytes} bytes.")
    kind = structure.kind_of(data)
    if kind is None or kind not in limits.kinds:
        raise RejectedImage("unsupported_type", "The file is not a JPEG or PNG image.")
    content_type = structure.CONTENT_TYPES[kind]
    if declared_type is not None and declared_type.split(";")[0].strip().lower() != content_type:
        raise RejectedImage("type_mismatch", f"The file is a {kind.upper()} image but was sent as {declared_type}.")
    try:
        end = structure.end_of_image(data, kind)
    except structure.MalformedStructure as error:
        raise RejectedImage("malformed", str(error)) from None
    if end != len(data):
        raise RejectedImage("trailing_data", f"{len(data) - end} bytes follow the end of the image.")
    if limits.max_metadata_bytes is not None:
        spent = structure.metadata_bytes(data, kind)
        if spent > limits.max_metadata_bytes:
            raise RejectedImage("metadata_too_large", f"The image carries {spent} bytes of metadata; at most "
                                f"{limits.max_metadata_bytes} are accepted.")
    return _decoded(data, kind, content_type, limits)


def _decoded(data: bytes, kind: str, content_type: str, limits: ImageLimits) -> InspectedImage:
    from PIL import Image, ImageOps

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[kind.upper()])
            width, height = image.size
            if width * height > limits.max_pixels:
                raise RejectedImage("too_many_pixels", f"The image has {width}x{height} pixels; at most "
                                    f"{limits.max_pixels} are accepted.")
            if getattr(image, "n_frames", 1) != 1 or getattr(image, "is_animated", False):
                raise RejectedImage("animated", "The image has more than one frame.")
            image.load()
            fingerprint = phash.phash(ImageOps.exif_transpose(image))
        except RejectedImage:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise RejectedImage("too_many_pixels", "The image decompresses to too many pixels.") from None
        except (OSError, SyntaxError, ValueError, struct.error) as error:
            raise RejectedImage("undecodable", f"The image cannot be decoded: {_short(error)}.") from None
    return InspectedImage(kind=kind, content_type=content_type, width=width, height=height, size=len(data),
                          sha256=hashlib.sha256(data).hexdigest(), phash=fingerprint)


def _short(error: Exception) -> str:
    text = str(error).strip().rstrip(".") or type(error).__name__
    return text[:160]
