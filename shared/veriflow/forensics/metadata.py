"""The metadata layer: what a file says about itself (tools, dates, camera, structure) and whether
that agrees with what the file is. The signals and their penalties are listed in metadata_image,
metadata_dates, metadata_pixels and metadata_pdf; the score is `combined_score` of all findings
(independent signals: the product of 1 - penalty)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from veriflow.forensics import metadata_dates, metadata_image, metadata_pdf, metadata_pixels, metadata_xmp
from veriflow.forensics.assessment import Assessment, Kind, combined_score
from veriflow.forensics.metadata_containers import ImageMetadata, read_jpeg, read_png
from veriflow.forensics.metadata_report import Report

type Step = Callable[[], None]


def analyse(data: bytes, kind: Kind, *, now: datetime | None = None) -> Assessment:
    """The metadata assessment of a JPEG, PNG or PDF already checked to be one (size, format).

    `now` (default: the current time) is what "a date in the future" is measured against."""
    report = Report()
    moment = (now or datetime.now(UTC)).replace(tzinfo=None)
    if kind == "pdf":
        steps: list[tuple[str, Step]] = [("document information", lambda: metadata_pdf.info(data, report)),
                                         ("revisions", lambda: metadata_pdf.revisions(data, report)),
                                         ("XMP", lambda: metadata_pdf.xmp(data, report))]
    else:
        meta = _read(data, kind, report)
        steps = _image_steps(meta, data, report, moment) if meta is not None else []
    for name, step in steps:
        _guarded(name, step, report)
    return Assessment(score=combined_score(report.findings), findings=report.findings, facts=report.facts)


def _read(data: bytes, kind: Kind, report: Report) -> ImageMetadata | None:
    try:
        meta = read_jpeg(data) if kind == "jpeg" else read_png(data)
    except (ValueError, IndexError, OverflowError) as error:  # struct.error is a ValueError
        report.add("metadata_malformed", f"The {kind.upper()}'s metadata could not be read ({error}).", "notice", 0.05)
        return None
    if meta.width and meta.height:
        report.facts.update(width=meta.width, height=meta.height)
    return meta


def _image_steps(meta: ImageMetadata, data: bytes, report: Report, now: datetime) -> list[tuple[str, Step]]:
    steps: list[tuple[str, Step]] = [
        ("software", lambda: metadata_image.software(meta, report)),
        ("edit history", lambda: metadata_xmp.edit_history(meta.xmp, report)),
        ("camera", lambda: metadata_image.camera(meta, report)),
        ("timestamps", lambda: metadata_dates.timestamps(meta, report, now)),
        ("GPS", lambda: metadata_image.gps(meta, report)),
    ]
    if meta.kind == "jpeg":
        steps += [("quantization tables", lambda: metadata_image.quantization(meta, report)),
                  ("EXIF thumbnail", lambda: metadata_pixels.thumbnail(meta, data, report))]
    else:
        steps.append(("pixels", lambda: metadata_pixels.png_pixels(meta, data, report)))
    return steps


def _guarded(name: str, step: Step, report: Report) -> None:
    """One signal failing on hostile metadata costs that signal only: it becomes a finding."""
    try:
        step()
    except Exception as error:  # any failure of one reader must not lose the others
        report.add("metadata_unreadable", f"The {name} could not be checked: {type(error).__name__}: "
                   f"{str(error)[:120]}.", "notice", 0.05, step=name)


def estimated_quality(data: bytes) -> int | None:
    """The libjpeg quality a JPEG's quantization tables are closest to (ELA's second pass), or None."""
    import io

    from PIL import Image

    from veriflow.forensics import jpeg_tables

    try:
        with Image.open(io.BytesIO(data)) as picture:
            tables = {slot: tuple(values) for slot, values in (getattr(picture, "quantization", None) or {}).items()
                      if slot in (0, 1) and len(values) == 64}
    except (OSError, ValueError, SyntaxError):
        return None
    found = jpeg_tables.estimate(tables)
    return found.quality if found is not None else None
