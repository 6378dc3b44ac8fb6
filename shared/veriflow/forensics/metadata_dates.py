"""An image's timestamps against each other: EXIF DateTime (last change), DateTimeOriginal (capture),
DateTimeDigitized, and XMP's dates. EXIF times have no zone, so times are compared as local wall
clock and only gaps over a minute count. Penalties: missing_capture_time 0.10 | modified_after_capture
0.10 | capture_times_differ 0.05 | unreadable_date 0.05 (notices); modified_before_capture 0.20 |
future_date 0.20 (warnings)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from veriflow.forensics.metadata_containers import ImageMetadata
from veriflow.forensics.metadata_exif import DATETIME, DATETIME_DIGITIZED, DATETIME_ORIGINAL, MAKE
from veriflow.forensics.metadata_report import Report

_SLACK = timedelta(minutes=1)
_ZONES = timedelta(hours=26)  # wall clock anywhere on Earth, plus a margin, is not yet "future"
_EXIF_DATE = re.compile(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?")


def parse(value: str) -> datetime | None:
    """An EXIF ("2026:05:17 10:30:00") or XMP/ISO ("2026-05-17T10:30:00+02:00") time, wall clock."""
    found = _EXIF_DATE.match(value.strip()) or _ISO_DATE.match(value.strip())
    if found is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(part or 0) for part in found.groups())
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def timestamps(meta: ImageMetadata, report: Report, now: datetime) -> None:
    exif, xmp = meta.exif, meta.xmp
    raw: dict[str, str] = {}
    if exif is not None:
        for name, tag, directory in (("modified", DATETIME, "ifd0"), ("original", DATETIME_ORIGINAL, "exif"),
                                     ("digitized", DATETIME_DIGITIZED, "exif")):
            if value := exif.text(tag, directory):
                raw[name] = value
    if xmp is not None and not xmp.refused:
        for name, value in (("xmp_created", xmp.create_date), ("xmp_modified", xmp.modify_date)):
            if value:
                raw[name] = value
    times: dict[str, datetime] = {}
    for name, value in raw.items():
        parsed = parse(value)
        if parsed is None:
            if not value.startswith("0000"):  # cameras write zeros when the clock was never set
                report.add("unreadable_date", f"The {name} time {value!r} is not a date.", "notice", 0.05)
        else:
            times[name] = parsed
            report.facts[f"date_{name}"] = parsed.isoformat()
    if exif is not None and exif.text(MAKE) and "original" not in times:
        report.add("missing_capture_time", "A camera is named but no capture time (DateTimeOriginal) is recorded.",
                   "notice", 0.10)
    _compare(times, report, now)


def _compare(times: dict[str, datetime], report: Report, now: datetime) -> None:
    original = times.get("original") or times.get("xmp_created")
    modified = times.get("modified") or times.get("xmp_modified")
    if original and modified and modified < original - _SLACK:
        report.add("modified_before_capture", f"The file says it was last changed at {modified} but taken at "
                   f"{original}, later: the times were rewritten.", "warning", 0.20)
    elif original and modified and modified > original + _SLACK:
        report.add("modified_after_capture", f"The file was changed at {modified}, {gap(modified - original)} "
                   f"after it was taken at {original}.", "notice", 0.10)
    digitized = times.get("digitized")
    if original and digitized and abs(digitized - original) > _SLACK:
        report.add("capture_times_differ", f"The capture time {original} and the digitised time {digitized} "
                   "differ (normal for a scan, not for a camera file).", "notice", 0.05)
    future = sorted(name for name, value in times.items() if value > now + _ZONES)
    if future:
        report.add("future_date", f"The {future[0]} time {times[future[0]]} is in the future.", "warning", 0.20,
                   fields=list(future))


def gap(delta: timedelta) -> str:
    """A duration as people say it: "3 days", "5 hours", "12 minutes"."""
    if delta >= timedelta(days=2):
        return f"{delta.days} days"
    if delta >= timedelta(hours=2):
        return f"{int(delta.total_seconds() // 3600)} hours"
    return f"{int(delta.total_seconds() // 60)} minutes"
