"""Signals in an image's metadata: editing tools named anywhere (EXIF, XMP, Adobe's segments, PNG
text), the XMP edit history, a camera named by a file without a camera's structure, the JPEG's
quantization tables, and GPS. Penalties, combined as the product of (1 - penalty):

editing_software 0.30 (warning) | resaved_by_software 0.10 | photoshop_resources 0.10 (when no
editor is named) | adobe_marker 0.05 | camera_without_exif_ifd 0.15
(warning) | exif_dimensions_mismatch 0.10 | odd_dimensions 0.05 | no_maker_note 0.03 |
no_camera_metadata 0.05 | editor_quantization 0.05 | low_quality_camera 0.05 |
metadata_malformed 0.05 | jpeg_quality, custom_quantization, software, gps: facts (0)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction

from veriflow.forensics import jpeg_tables
from veriflow.forensics.metadata_containers import ImageMetadata
from veriflow.forensics.metadata_exif import (
    EXIF_POINTER,
    MAKE,
    MAKER_NOTE,
    MODEL,
    PIXEL_X,
    PIXEL_Y,
    PROCESSING_SOFTWARE,
    SOFTWARE,
)
from veriflow.forensics.metadata_report import Report, listed

_EDITORS = (
    (r"photoshop", "Adobe Photoshop"), (r"lightroom", "Adobe Lightroom"), (r"\bgimp\b", "GIMP"),
    (r"snapseed", "Snapseed"), (r"\bcanva\b", "Canva"), (r"pixelmator", "Pixelmator"),
    (r"affinity", "Affinity Photo"), (r"paint\.net", "Paint.NET"), (r"picsart", "PicsArt"),
    (r"facetune", "Facetune"), (r"fotor", "Fotor"), (r"luminar", "Luminar"), (r"photopea", "Photopea"),
    (r"paint ?shop", "PaintShop Pro"), (r"acdsee", "ACDSee"), (r"capture one", "Capture One"),
    (r"darktable", "darktable"), (r"rawtherapee", "RawTherapee"), (r"pixlr", "Pixlr"), (r"krita", "Krita"),
    (r"photoscape", "PhotoScape"), (r"\bvsco\b", "VSCO"), (r"meitu", "Meitu"), (r"befunky", "BeFunky"),
    (r"photo editor", "a photo editor"), (r"corel", "Corel"),
)
_RESAVERS = (
    (r"imagemagick", "ImageMagick"), (r"graphicsmagick", "GraphicsMagick"), (r"libvips", "libvips"),
    (r"\bpil(low)?\b", "Pillow"), (r"gd-jpeg", "GD"), (r"whatsapp", "WhatsApp"), (r"telegram", "Telegram"),
    (r"instagram", "Instagram"), (r"picasa", "Picasa"), (r"photo viewer", "Windows Photo Viewer"),
)
_CAMERA_RATIOS = (Fraction(4, 3), Fraction(3, 2), Fraction(16, 9), Fraction(1, 1), Fraction(5, 4),
                  Fraction(7, 5), Fraction(2, 1), Fraction(19, 9), Fraction(20, 9), Fraction(65, 24))


def _tool(value: str, table: tuple[tuple[str, str], ...]) -> str | None:
    return next((name for pattern, name in table if re.search(pattern, value, re.IGNORECASE)), None)


def software(meta: ImageMetadata, report: Report) -> None:
    named: list[tuple[str, str]] = []  # (value, where)
    if meta.exif is not None:
        for tag, where in ((SOFTWARE, "EXIF Software"), (PROCESSING_SOFTWARE, "EXIF ProcessingSoftware")):
            if value := meta.exif.text(tag):
                named.append((value, where))
    if meta.xmp is not None and meta.xmp.creator_tool:
        named.append((meta.xmp.creator_tool, "XMP CreatorTool"))
    for key in ("Software", "Comment", "Creator"):
        if value := meta.texts.get(key):
            named.append((value[:120], f"the {key} text" if meta.kind == "png" else "a JPEG comment"))
    if named:
        report.facts["software"] = named[0][0]
    editors = [(v, w) for v, w in named if _tool(v, _EDITORS)]
    resavers = [(v, w) for v, w in named if not _tool(v, _EDITORS) and _tool(v, _RESAVERS)]
    if editors:
        value, where = editors[0]
        also = "".join(f"; {w} also names {v}" for v, w in editors[1:3])
        report.add("editing_software", f"The file was last saved by {value} ({where}){also}.", "warning", 0.30,
                   software=value, tool=_tool(value, _EDITORS), where=where)
    elif resavers:
        value, where = resavers[0]
        report.add("resaved_by_software", f"The file was re-saved by {value} ({where}), not as a camera wrote it.",
                   "notice", 0.10, software=value, where=where)
    elif named:
        report.add("software", f"The {named[0][1]} reads {named[0][0]!r}.", software=named[0][0])
    if meta.photoshop_irb and not (editors and _tool(editors[0][0], _EDITORS) == "Adobe Photoshop"):
        report.add("photoshop_resources", "The JPEG carries a Photoshop resource block (APP13), which Photoshop "
                   "writes when it saves a file.", "notice", 0.10)
    if meta.adobe_app14 and not editors:
        report.add("adobe_marker", "The JPEG carries an Adobe APP14 segment, written by Adobe's encoder (and by "
                   "some libraries for CMYK files).", "notice", 0.05)


def camera(meta: ImageMetadata, report: Report) -> None:
    exif = meta.exif
    make, model = (exif.text(MAKE), exif.text(MODEL)) if exif else (None, None)
    if exif is not None and exif.problems:
        report.add("metadata_malformed", f"The EXIF block is malformed: {'; '.join(exif.problems[:3])}.",
                   "notice", 0.05, problems=listed(exif.problems[:10]))
    if meta.problems:
        report.add("metadata_malformed", f"The file's structure is damaged: {'; '.join(meta.problems[:3])}.",
                   "notice", 0.05, problems=listed(meta.problems[:10]))
    if not (make or model):
        report.add("no_camera_metadata", "No camera make or model is recorded (score lowered by 0.05): screenshots, "
                   "exports and messaging apps leave none, so this alone is no sign of an edit.", "notice", 0.05)
        return
    report.facts.update(camera_make=make, camera_model=model)
    name = model if make and model and model.lower().startswith(make.lower()) else \
        " ".join(v for v in (make, model) if v)
    if exif is None or EXIF_POINTER not in exif.ifd0:
        report.add("camera_without_exif_ifd", f"The file names a camera ({name}) but has no EXIF sub-directory, "
                   "where cameras record exposure and capture time.", "warning", 0.15, camera=name)
        return
    if MAKER_NOTE not in exif.exif:
        report.add("no_maker_note", f"The camera ({name}) left no MakerNote; cameras usually write one and some "
                   "editors drop it.", "notice", 0.03)
    wide, high = exif.exif.get(PIXEL_X), exif.exif.get(PIXEL_Y)
    if isinstance(wide, int) and isinstance(high, int) and wide > 0 and high > 0 and meta.width and meta.height \
            and sorted((wide, high)) != sorted((meta.width, meta.height)):
        report.add("exif_dimensions_mismatch", f"The EXIF says {wide}x{high} pixels but the picture is "
                   f"{meta.width}x{meta.height}: it was resized or cropped after the camera.", "notice", 0.10)
    elif meta.width and meta.height and not _camera_ratio(meta.width, meta.height):
        report.add("odd_dimensions", f"The picture is {meta.width}x{meta.height}, not a frame shape cameras write "
                   "(4:3, 3:2, 16:9, ...): it may have been cropped.", "notice", 0.05)


def _camera_ratio(width: int, height: int) -> bool:
    ratio = Fraction(max(width, height), min(width, height))
    return any(abs(ratio - known) / known < 0.01 for known in _CAMERA_RATIOS)


def quantization(meta: ImageMetadata, report: Report) -> None:
    found = jpeg_tables.estimate(meta.tables)
    if found is None:
        return
    report.facts.update(jpeg_quality=found.quality, quantization="libjpeg" if found.standard else "custom")
    if found.standard:
        report.add("jpeg_quality", f"The JPEG uses libjpeg's standard tables at quality {found.quality}.",
                   quality=found.quality)
        if found.quality < 80 and meta.exif is not None and meta.exif.text(MAKE):
            report.add("low_quality_camera", f"A camera is named but the file was saved at quality {found.quality} "
                       "with libjpeg's tables; cameras save at 85 or more, so it was saved again.", "notice", 0.05)
    elif meta.photoshop_irb or meta.adobe_app14:
        report.add("editor_quantization", f"The quantization tables are not libjpeg's and come with Adobe's "
                   f"markers: an Adobe encoder's tables, close to quality {found.quality}.", "notice", 0.05,
                   quality=found.quality, mean_error=found.mean_error)
    else:
        report.add("custom_quantization", f"The quantization tables are not libjpeg's (closest: quality "
                   f"{found.quality}, off by {found.mean_error} per coefficient): the encoder's own, as cameras "
                   "use.", quality=found.quality, mean_error=found.mean_error)


def gps(meta: ImageMetadata, report: Report) -> None:
    if meta.exif is None or not meta.exif.gps:
        return
    lat, lon = (_degrees(meta.exif.gps, ref, value) for ref, value in ((1, 2), (3, 4)))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return
    report.facts["gps"] = {"lat": lat, "lon": lon}
    report.add("gps", f"The EXIF records where it was taken: latitude {lat}, longitude {lon}.", lat=lat, lon=lon)


def _degrees(gps: Mapping[int, object], ref_tag: int, value_tag: int) -> float | None:
    value, ref = gps.get(value_tag), gps.get(ref_tag)
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    degrees = float(value[0]) + float(value[1]) / 60 + float(value[2]) / 3600
    return round(-degrees if ref in ("S", "W") else degrees, 6)
