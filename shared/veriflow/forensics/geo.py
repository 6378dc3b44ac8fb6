"""The geo layer: where a file came from against where it says it was made and where its uploader
has been. The client's IP country comes from geoip2fast's offline database (IPv4, shipped in the
wheel, loaded once: about 0.1 s); GPS from the file's EXIF. No offline country shapes or centroids
are at hand, so distances are measured between GPS positions only; between IP countries, a change
within a short time is what counts.

Findings: a country the uploader has not uploaded from before (small), a country other than the
issuer's (small: people verify from abroad), a country change between two uploads too soon for a
flight, and impossible travel between GPS positions (faster than 1,000 km/h)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from veriflow.forensics.assessment import Assessment, Finding, combined_score

MAX_SPEED_KMH = 1000.0
COUNTRY_HOP_MINUTES = 60  # two countries closer together in time than this: hardly a journey
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class PastUpload:
    at: datetime
    country: str | None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class GeoInput:
    uploaded_at: datetime
    ip: str | None
    gps: tuple[float, float] | None
    taken_at: datetime | None
    issuer_country: str | None
    history: Sequence[PastUpload]  # the uploader's earlier uploads, newest first


@lru_cache(maxsize=1)
def _database() -> Any:
    from geoip2fast import GeoIP2Fast

    return GeoIP2Fast(verbose=False)


def country_of_ip(ip: str) -> str | None:
    """ISO country code of a public address, or None (private, loopback, unknown, not an address)."""
    try:
        found = _database().lookup(ip)
    except Exception:
        return None
    code = getattr(found, "country_code", "") or ""
    return code if len(code) == 2 and code.isalpha() else None


def gps_of(data: bytes, kind: str) -> tuple[float, float] | None:
    """(lat, lon) from the file's EXIF GPS, or None."""
    if kind == "pdf":
        return None
    from PIL import Image

    from veriflow.forensics.metadata import gps_position

    try:
        with Image.open(io.BytesIO(data)) as picture:
            gps = dict(picture.getexif().get_ifd(0x8825))
    except Exception:
        return None
    return gps_position(gps) if gps else None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = (math.radians(v) for v in (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def analyse(facts: GeoInput) -> Assessment:
    country = country_of_ip(facts.ip) if facts.ip else None
    if country is None and facts.gps is None:
        reason = ("No location to check: no IP address and no GPS in the file." if not facts.ip else
                  "No location to check: the IP address is not a public one and the file has no GPS.")
        return Assessment.skipped(reason, ip_locatable=False)
    findings: list[Finding] = []
    known: dict[str, Any] = {"ip_country": country}
    if facts.gps is not None:
        known["gps"] = {"lat": facts.gps[0], "lon": facts.gps[1]}
    if facts.issuer_country:
        known["issuer_country"] = facts.issuer_country
    if country and facts.issuer_country and country != facts.issuer_country:
        findings.append(Finding(code="outside_issuer_country", severity="info", penalty=0.05,
                                message=f"The file was sent from {country}; its issuer is in {facts.issuer_country}."))
    seen = sorted({past.country for past in facts.history if past.country})
    known["recent_countries"] = seen
    if country and seen and country not in seen:
        findings.append(Finding(code="new_country", severity="notice", penalty=0.05,
                                message=f"The uploader has not sent files from {country} before (recently: "
                                        f"{', '.join(seen)})."))
    _travel(facts, country, findings)
    return Assessment(score=combined_score(findings), findings=findings, facts=known)


def _travel(facts: GeoInput, country: str | None, findings: list[Finding]) -> None:
    previous = facts.history[0] if facts.history else None
    if previous is None:
        return
    hours = max((facts.uploaded_at - previous.at).total_seconds() / 3600, 1 / 3600)
    if facts.gps is not None and previous.lat is not None and previous.lon is not None:
        km = distance_km(facts.gps, (previous.lat, previous.lon))
        speed = km / hours
        if speed > MAX_SPEED_KMH and km > 100:
            findings.append(Finding(
                code="impossible_travel", severity="warning", penalty=0.4,
                message=f"This file's GPS lies {km:,.0f} km from the previous upload's, {_span(hours)} earlier: "
                        f"{speed:,.0f} km/h.", data={"km": round(km), "hours": round(hours, 2)}))
            return
    if country and previous.country and country != previous.country and hours * 60 < COUNTRY_HOP_MINUTES:
        findings.append(Finding(
            code="impossible_travel", severity="warning", penalty=0.3,
            message=f"The previous upload came from {previous.country} {_span(hours)} before this one from "
                    f"{country}.", data={"from": previous.country, "to": country, "hours": round(hours, 2)}))


def _span(hours: float) -> str:
    return f"{round(hours * 60)} minutes" if hours < 2 else f"{hours:.1f} hours"
