"""Where the upload came from against where the photo says it was taken, the issuer's country and
the uploader's recent uploads. All offline: IP countries from geoip2fast's bundled database,
country positions from tzdata's zone table (see geo_data).

How findings combine (combined_score: the product of 1 - penalty):
  impossible travel between consecutive uploads (> 1000 km/h)        warning  0.5
  photo's GPS far from the IP's country (> 1500 km from its cities)  notice   0.15
  IP country not among the uploader's recent upload countries        notice   0.1
  issuer's country differs from the IP's (verifying from abroad)     notice   0.05
An IP that cannot be located (private, loopback, reserved, invalid, unknown) is a fact, no penalty."""

from __future__ import annotations

import io
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import pairwise
from typing import Any

from PIL import Image
from pydantic import JsonValue

from veriflow.forensics import geo_data
from veriflow.forensics.assessment import Assessment, Finding, combined_score

MAX_SPEED_KMH = 1000.0  # faster than an airliner's cruise, door to door
GPS_FAR_KM = geo_data.REACH_KM
GPS_IFD = 0x8825


@dataclass(frozen=True)
class Place:
    country: str | None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class PastUpload:
    at: datetime
    country: str | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class GeoInput:
    uploaded_at: datetime
    ip: str | None
    gps: tuple[float, float] | None
    taken_at: datetime | None
    issuer_country: str | None
    history: Sequence[PastUpload]  # the uploader's recent uploads, newest first


@lru_cache(maxsize=1)
def _geoip() -> Any:
    """The IPv4+IPv6 country database, loaded once per process (about 0.35 s, ~1.9 MB gzip)."""
    from geoip2fast import GeoIP2Fast

    return GeoIP2Fast(geoip2fast_data_file="geoip2fast-ipv6.dat.gz")


def country_of_ip(ip: str) -> str | None:
    """ISO country code of a public IP address; None when it is not public, not valid or not listed."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if not address.is_global:
        return None
    code = str(_geoip().lookup(str(address)).country_code or "")
    return code.upper() if len(code) == 2 and code.isalpha() else None


def gps_of(data: bytes, kind: str) -> tuple[float, float] | None:
    """(lat, lon) from the EXIF GPS IFD, None when absent, malformed or out of range."""
    if kind == "pdf":
        return None
    try:
        gps = Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)
        lat = _degrees(gps[2], gps.get(1, "N"), "S")
        lon = _degrees(gps[4], gps.get(3, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError, OSError, IndexError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return (round(lat, 6), round(lon, 6))


def analyse(facts: GeoInput) -> Assessment:
    """The geo layer's assessment; see the module docstring for the signals and their penalties."""
    if not facts.ip and facts.gps is None:
        return Assessment.skipped("No location to check: no IP address and no GPS in the file.")
    findings: list[Finding] = []
    ip_country = country_of_ip(facts.ip) if facts.ip else None
    known: dict[str, JsonValue] = {"ip_country": ip_country or ("not locatable" if facts.ip else None),
                                   "issuer_country": facts.issuer_country, "history_uploads": len(facts.history)}
    if facts.ip and ip_country is None:
        findings.append(Finding(code="ip_not_locatable",
                                message="The upload's IP address has no country (private, reserved or unlisted).",
                                data={"ip": facts.ip}))
    if facts.gps is not None:
        known["gps"] = list(facts.gps)
        city_country, zone, km = geo_data.nearest_city(facts.gps)
        known["gps_nearest_city"] = {"country": city_country, "zone": zone, "km": round(km)}
        findings += _gps_against_ip(facts.gps, ip_country, known)
    if ip_country and facts.issuer_country and facts.issuer_country.upper() != ip_country:
        findings.append(Finding(
            code="issuer_country_differs", severity="notice", penalty=0.05,
            message=f"Uploaded from {ip_country}, the issuer is in {facts.issuer_country.upper()} "
                    "(common when verifying from abroad).",
            data={"ip_country": ip_country, "issuer_country": facts.issuer_country.upper()}))
    seen = {upload.country.upper() for upload in facts.history if upload.country}
    if ip_country and seen and ip_country not in seen:
        findings.append(Finding(
            code="new_country", severity="notice", penalty=0.1,
            message=f"First upload from {ip_country}; the recent ones came from {', '.join(sorted(seen))}.",
            data={"ip_country": ip_country, "recent_countries": sorted(seen)}))
    here = PastUpload(facts.uploaded_at, ip_country, *(facts.gps if facts.gps else (None, None)))
    findings += _impossible_travel([here, *facts.history])
    return Assessment(score=combined_score(findings), findings=findings, facts=known)


def _gps_against_ip(gps: tuple[float, float], ip_country: str | None,
                    known: dict[str, JsonValue]) -> list[Finding]:
    km = geo_data.distance_to_country_km(gps, ip_country) if ip_country else None
    if km is None:
        return []
    known["gps_to_ip_country_km"] = round(km)
    if km <= GPS_FAR_KM:
        return []
    return [Finding(
        code="gps_far_from_ip", severity="notice", penalty=0.15,
        message=f"The photo's GPS ({gps[0]:.4f}, {gps[1]:.4f}) is {km:,.0f} km from {ip_country}, "
                "where it was uploaded from (it may have been taken on a trip).",
        data={"gps": list(gps), "ip_country": ip_country, "km": round(km)})]


def _impossible_travel(uploads: Sequence[PastUpload]) -> list[Finding]:
    """Consecutive uploads (newest first) whose implied speed no traveller reaches. GPS to GPS when
    both have it; else country to country, their nearest cities less both reaches (a lower bound)."""
    for newer, older in pairwise(uploads):
        km = _distance_lower_bound(newer, older)
        if km is None or km == 0:
            continue
        hours = (newer.at - older.at).total_seconds() / 3600
        speed = km / hours if hours > 0 else float("inf")
        if speed > MAX_SPEED_KMH:
            return [Finding(
                code="impossible_travel", severity="warning", penalty=0.5,
                message=f"{_where(older)} at {older.at:%Y-%m-%d %H:%M} then {_where(newer)} at "
                        f"{newer.at:%Y-%m-%d %H:%M}: at least {km:,.0f} km in {hours:.1f} h "
                        f"({'no time' if hours <= 0 else f'{speed:,.0f} km/h'}).",
                data={"from": _where(older), "to": _where(newer), "from_at": older.at.isoformat(),
                      "to_at": newer.at.isoformat(), "km": round(km),
                      "kmh": None if hours <= 0 else round(speed)})]
    return []


def _distance_lower_bound(a: PastUpload, b: PastUpload) -> float | None:
    if a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None:
        return geo_data.distance_km((a.lat, a.lon), (b.lat, b.lon))
    if a.country is None or b.country is None:
        return None
    return geo_data.distance_between_countries_km(a.country, b.country)


def _where(upload: PastUpload) -> str:
    if upload.lat is not None and upload.lon is not None:
        return f"({upload.lat:.3f}, {upload.lon:.3f})" + (f" in {upload.country}" if upload.country else "")
    return upload.country or "unknown"


def _degrees(dms: Any, ref: Any, negative: str) -> float:
    degrees, minutes, seconds = (float(part) for part in dms)
    value = degrees + minutes / 60 + seconds / 3600
    return -value if str(ref).strip().upper().startswith(negative) else value
