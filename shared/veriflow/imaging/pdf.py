"""A PDF checked by what it is: the header and the end marker (nothing riding after the last
`%%EOF`), PDFium opens it without a password, the page count is capped, and the first page really
renders (at a resolution whose pixel count is capped too). pypdfium2 comes from the imaging layer."""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from veriflow.imaging.inspect import RejectedImage

if TYPE_CHECKING:
    from PIL.Image import Image

PDF_MAGIC = b"%PDF-"
RENDER_DPI = 150
# PDFium is not thread-safe: one document at a time per process.
_PDFIUM = threading.Lock()


@dataclass(frozen=True)
class PdfLimits:
    max_bytes: int
    max_pages: int
    max_pixels: int


@dataclass(frozen=True)
class InspectedPdf:
    pages: int
    width: int  # of the first page as rendered
    height: int
    size: int
    sha256: str


def is_pdf(data: bytes) -> bool:
    return data.startswith(PDF_MAGIC)


def inspect_pdf(data: bytes, limits: PdfLimits) -> InspectedPdf:
    """The checked PDF's facts, or RejectedImage."""
    if len(data) > limits.max_bytes:
        raise RejectedImage("too_large", f"The file is larger than {limits.max_bytes} bytes.")
    if not is_pdf(data):
        raise RejectedImage("unsupported_type", "The file is not a PDF document.")
    tail = data.rstrip(b"\r\n \t\x00")
    if not tail.endswith(b"%%EOF"):
        raise RejectedImage("trailing_data", "Bytes follow the PDF's last end-of-file marker.")
    with _PDFIUM:
        return _inspect(data, limits)


def _inspect(data: bytes, limits: PdfLimits) -> InspectedPdf:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        code = "encrypted" if "password" in str(error).lower() else "undecodable"
        raise RejectedImage(code, f"The PDF cannot be opened: {str(error)[:120]}.") from None
    try:
        pages = len(document)
        if pages == 0:
            raise RejectedImage("undecodable", "The PDF has no pages.")
        if pages > limits.max_pages:
            raise RejectedImage("too_many_pages", f"The PDF has {pages} pages; at most {limits.max_pages} are "
                                "accepted.")
        width, height = _render_first(document, limits.max_pixels)
    finally:
        document.close()
    return InspectedPdf(pages=pages, width=width, height=height, size=len(data),
                        sha256=hashlib.sha256(data).hexdigest())


def _render_first(document: object, max_pixels: int) -> tuple[int, int]:
    import pypdfium2 as pdfium

    assert isinstance(document, pdfium.PdfDocument)
    page = document[0]
    try:
        points_w, points_h = page.get_size()
        if not (points_w > 0 and points_h > 0) or points_w * points_h > 200 * 200 * 72 * 72:
            raise RejectedImage("undecodable", "The PDF's first page has no sensible size.")
        scale = min(RENDER_DPI / 72, math.sqrt(max_pixels / (points_w * points_h)))
        try:
            bitmap = page.render(scale=scale)
        except pdfium.PdfiumError as error:
            reason = f"The PDF's first page cannot be rendered: {str(error)[:120]}."
            raise RejectedImage("undecodable", reason) from None
        width, height = bitmap.width, bitmap.height
        bitmap.close()
        return width, height
    finally:
        page.close()


def render_first_page(data: bytes, max_pixels: int) -> Image:
    """The first page as an RGB image, at RENDER_DPI or less so its pixel count stays under
    `max_pixels` (a PDF already checked by `inspect_pdf`)."""
    import pypdfium2 as pdfium

    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as error:
            raise RejectedImage("undecodable", f"The PDF cannot be opened: {str(error)[:120]}.") from None
        try:
            if len(document) == 0:
                raise RejectedImage("undecodable", "The PDF has no pages.")
            page = document[0]
            try:
                points_w, points_h = page.get_size()
                if not (points_w > 0 and points_h > 0):
                    raise RejectedImage("undecodable", "The PDF's first page has no sensible size.")
                scale = min(RENDER_DPI / 72, math.sqrt(max_pixels / (points_w * points_h)))
                bitmap = page.render(scale=scale)
                try:
                    rendered: Image = bitmap.to_pil()
                    return rendered.convert("RGB")
                finally:
                    bitmap.close()
            finally:
                page.close()
        finally:
            document.close()
