"""The metadata layer: what a file says about where it came from and what was done to it.

Images: editing software (EXIF Software, XMP CreatorTool, Photoshop's APP13 block), XMP edit
history, timestamps missing or out of order, a camera make without the structure a camera writes,
the JPEG quantization tables (estimated quality; tables no libjpeg quality gives), the EXIF
thumbnail against the picture, GPS, and JPEG compression blocks inside a PNG. PDFs are in
`metadata_pdf`. Each finding lowers the score by its penalty (`combined_score`); facts alone do not.
Malformed metadata never raises: it becomes a finding."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

from veriflow.forensics import jpeg_tables
from veriflow.forensics.assessment import Assessment, Finding, Kind, combined_score

MAKE, MODEL, SOFTWARE, DATETIME = 0x010F, 0x0110, 0x0131, 0x0132
DATETIME_ORIGINAL, DATETIME_DIGITIZED = 0x9003, 0x9004
EDITORS = ("photoshop", "gimp", "lightroom", "snapseed", "canva", "pixlr", "affinity", "paint.net", "picsart",
           "facetune", "photopea", "krita", "fotor", "befunky", "illustrator", "inkscape", "photoscape")
MAX_XMP = 256 * 1024
_XMP = re.compile(rb"<x:xmpmeta[\s\S]{0,262144}?</x:xmpmeta>")
_CREATOR_TOOL = re.compile(r"""xmp:CreatorTool(?:="([^"]{0,200})"|>([^<]{0,200})<)""")
_HISTORY_EVENT = re.compile(
    r"""stEvt:action(?:="|>)([a-z]{1,20})[\s\S]{0,600}?stEvt:softwareAgent(?:="|>)([^"<]{0,200})""")
BLOCKINESS_JPEG = 1.35  # luminance steps across 8-pixel boundaries this much larger than elsewhere


def analyse(data: bytes, kind: Kind) -> Assessment:
    if kind == "pdf":
        from veriflow.forensics import metadata_pdf

        return metadata_pdf.analyse(data)
    return _image(data, kind)


def estimated_quality(data: bytes) -> int | None:
    return jpeg_tables.estimated_quality(data)


def _image(data: bytes, kind: Kind) -> Assessment:
    from PIL import Image

    findings: list[Finding] = []
    facts: dict[str, Any] = {"format": kind}
    picture = Image.open(io.BytesIO(data))
    facts["width"], facts["height"] = picture.size
    exif = _exif(picture, findings)
    base = {tag: _text(exif.get(tag)) for tag in (MAKE, MODEL, SOFTWARE, DATETIME)} if exif is not None else {}
    sub = _ifd(exif, 0x8769)
    gps = _ifd(exif, 0x8825)
    make, model, software = base.get(MAKE), base.get(MODEL), base.get(SOFTWARE)
    facts.update({key: value for key, value in (("camera_make", make), ("camera_model", model),
                                                ("software", software)) if value})
    _software(findings, "EXIF Software", software)
    xmp = _xmp(data)
    if xmp is not None:
        _xmp_findings(xmp, findings, facts)
    if kind == "jpeg":
        _photoshop_blocks(data, findings)
        _tables(picture, findings, facts)
    _timestamps(base.get(DATETIME), _text(sub.get(DATETIME_ORIGINAL)), _text(sub.get(DATETIME_DIGITIZED)),
                findings, facts)
    _camera_structure(make, sub, findings)
    if gps:
        where = gps_position(gps)
        if where is not None:
            facts["gps"] = {"lat": where[0], "lon": where[1]}
            findings.append(Finding(code="gps_present", message=f"The file carries GPS coordinates "
                                    f"({where[0]:.5f}, {where[1]:.5f})."))
    if kind == "jpeg" and exif is not None:
        _thumbnail(picture, exif, findings)
    if kind == "png":
        _jpeg_history(picture, findings, facts)
    if not make and not software and xmp is None:
        findings.append(Finding(
            code="no_camera_metadata", severity="notice", penalty=0.05 if kind == "png" else 0.1,
            message="The file carries no camera or software metadata (common for screenshots, exports and "
                    "messaging apps, which strip it)."))
    return Assessment(score=combined_score(findings), findings=findings, facts=facts)


def _exif(picture: Any, findings: list[Finding]) -> Any:
    try:
        exif = picture.getexif()
    except Exception as error:
        findings.append(Finding(code="exif_unreadable", severity="notice", penalty=0.1,
                                message=f"The EXIF block cannot be read ({type(error).__name__})."))
        return None
    return exif if len(exif) else None


def _ifd(exif: Any, tag: int) -> dict[int, Any]:
    if exif is None:
        return {}
    try:
        return dict(exif.get_ifd(tag))
    except Exception:
        return {}


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    cleaned = value.replace("\x00", "").strip()
    return cleaned[:200] or None


def _editor(name: str | None) -> str | None:
    lowered = (name or "").lower()
    return next((editor for editor in EDITORS if editor in lowered), None)


def _software(findings: list[Finding], where: str, name: str | None) -> None:
    if _editor(name) is not None:
        findings.append(Finding(code="editing_software", severity="warning", penalty=0.35,
                                message=f"The file was last saved by {name} ({where}).",
                                data={"software": name, "source": where}))


def _xmp(data: bytes) -> str | None:
    found = _XMP.search(data, 0, min(len(data), 4 * MAX_XMP))
    return found.group(0)[:MAX_XMP].decode("utf-8", "replace") if found else None


def _xmp_findings(xmp: str, findings: list[Finding], facts: dict[str, Any]) -> None:
    tool = _CREATOR_TOOL.search(xmp)
    creator = (tool.group(1) or tool.group(2)).strip() if tool else None
    if creator:
        facts["creator_tool"] = creator
        if not any(f.code == "editing_software" for f in findings):
            _software(findings, "XMP CreatorTool", creator)
    events = [(action, agent.strip()) for action, agent in _HISTORY_EVENT.findall(xmp)[:50]]
    edits = [(action, agent) for action, agent in events if action in ("saved", "derived", "converted")]
    if edits:
        agents = sorted({agent for _, agent in edits})
        facts["xmp_history"] = [f"{action} by {agent}" for action, agent in edits[:10]]
        findings.append(Finding(code="edit_history", severity="warning", penalty=0.2,
                                message=f"The XMP history records {len(edits)} edit(s) by {', '.join(agents)}.",
                                data={"events": len(edits), "agents": agents}))


def _photoshop_blocks(data: bytes, findings: list[Finding]) -> None:
    head = data[: 512 * 1024]
    if b"Photoshop 3.0\x00" in head and not any(f.code == "editing_software" for f in findings):
        findings.append(Finding(code="editing_software", severity="warning", penalty=0.3,
                                message="The file carries Photoshop's image resource block (APP13).",
                                data={"source": "APP13"}))


def _tables(picture: Any, findings: list[Finding], facts: dict[str, Any]) -> None:
    tables = getattr(picture, "quantization", None) or {}
    found = jpeg_tables.estimate(list(tables.get(0, ())))
    if found is None:
        return
    facts["jpeg_quality"] = found.quality
    facts["jpeg_tables_standard"] = found.standard
    if not found.standard:
        findings.append(Finding(
            code="nonstandard_tables", severity="info",
            message=f"The quantization tables are not libjpeg's (nearest: quality {found.quality}, off by "
                    f"{found.distance} on average): a camera's or an editor's own tables.",
            data={"nearest_quality": found.quality, "distance": found.distance}))


def _timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _timestamps(modified: str | None, original: str | None, digitized: str | None, findings: list[Finding],
                facts: dict[str, Any]) -> None:
    saved, taken = _timestamp(modified), _timestamp(original)
    if taken is not None:
        facts["taken_at"] = taken.isoformat()
    if saved is not None:
        facts["modified_at"] = saved.isoformat()
    if saved and taken:
        gap = (saved - taken).total_seconds()
        if gap < -60:
            findings.append(Finding(code="timestamps_out_of_order", severity="warning", penalty=0.2,
                                    message=f"The file says it was modified ({saved}) before it was taken ({taken})."))
        elif gap > 120:
            findings.append(Finding(code="modified_after_capture", severity="notice", penalty=0.1,
                                    message=f"The file was modified {_duration(gap)} after it was taken "
                                            f"({taken} then {saved})."))
    now = datetime.now()
    if any(moment is not None and (moment - now).days >= 1 for moment in (saved, taken, _timestamp(digitized))):
        findings.append(Finding(code="future_timestamp", severity="warning", penalty=0.2,
                                message="A timestamp in the file lies in the future."))


def _duration(seconds: float) -> str:
    if seconds < 3600:
        return f"{round(seconds / 60)} minutes"
    if seconds < 2 * 86400:
        return f"{round(seconds / 3600)} hours"
    return f"{round(seconds / 86400)} days"


def _camera_structure(make: str | None, sub: dict[int, Any], findings: list[Finding]) -> None:
    if make and DATETIME_ORIGINAL not in sub:
        findings.append(Finding(code="camera_without_capture_data", severity="notice", penalty=0.15,
                                message=f"The file names a camera ({make}) but has no capture data (the EXIF "
                                        "sub-IFD with DateTimeOriginal) that cameras write."))


def gps_position(gps: dict[int, Any]) -> tuple[float, float] | None:
    """(lat, lon) from an EXIF GPS IFD, or None when it does not hold a sane position."""
    try:
        lat = _degrees(gps[2]) * (-1 if _text(gps.get(1)) == "S" else 1)
        lon = _degrees(gps[4]) * (-1 if _text(gps.get(3)) == "W" else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return round(lat, 6), round(lon, 6)


def _degrees(value: Any) -> float:
    degrees, minutes, seconds = (float(part) for part in value)
    return degrees + minutes / 60 + seconds / 3600


def _thumbnail(picture: Any, exif: Any, findings: list[Finding]) -> None:
    """The EXIF thumbnail is written with the picture: one that shows something else means the
    picture was changed after the thumbnail was made."""
    from PIL import Image, ImageChops, ImageStat

    try:
        ifd1 = exif.get_ifd(-1)  # IFD1: the thumbnail's directory
        offset, length = ifd1.get(0x0201), ifd1.get(0x0202)
        thumbnail_bytes = picture.info.get("exif", b"")[6:][offset:offset + length] if offset and length else b""
        if not thumbnail_bytes:
            return
        thumbnail = Image.open(io.BytesIO(thumbnail_bytes)).convert("L")
        thumbnail.load()
    except Exception:
        return
    main = picture.convert("L").resize(thumbnail.size, Image.Resampling.BOX)
    difference = ImageStat.Stat(ImageChops.difference(main, thumbnail)).mean[0]
    if difference > 12:
        findings.append(Finding(code="thumbnail_mismatch", severity="strong", penalty=0.5,
                                message=f"The embedded EXIF thumbnail differs from the picture (mean difference "
                                        f"{difference:.0f} of 255): the picture changed after it was made.",
                                data={"mean_difference": round(difference, 1)}))


def _jpeg_history(picture: Any, findings: list[Finding], facts: dict[str, Any]) -> None:
    """A PNG made from a JPEG keeps JPEG's 8x8 blocks: luminance steps at 8-pixel boundaries."""
    import numpy as np

    luma = np.asarray(picture.convert("L"), dtype=np.int16)
    if luma.shape[0] < 16 or luma.shape[1] < 16:
        return
    ratios = []
    for axis in (1, 0):  # across columns, then across rows: JPEG's grid runs both ways
        steps = np.abs(np.diff(luma, axis=axis)).astype(np.float32).mean(axis=1 - axis)
        phases = [float(steps[phase::8].mean()) for phase in range(8)]
        others = sorted(phases[:7])[3]  # the median of the seven phases inside blocks
        if others < 0.5:  # flat graphics (a screenshot): no texture to judge by
            return
        ratios.append(phases[7] / others)
    ratio = min(ratios)
    facts["blockiness"] = round(ratio, 3)
    if ratio > BLOCKINESS_JPEG:
        findings.append(Finding(code="jpeg_history", severity="notice", penalty=0.15,
                                message=f"The PNG's pixels carry 8x8 JPEG compression blocks (boundary steps "
                                        f"{ratio:.2f} times the rest): it was a JPEG before.",
                                data={"blockiness": round(ratio, 3)}))
