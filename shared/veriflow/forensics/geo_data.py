"""Where countries are, offline: the reference cities of the IANA time zone table (tzdata's
zone.tab: country code, ISO 6709 coordinates, zone) and great-circle distances.

A country is known by its time zones' cities, not its borders: one city for a one-zone country
(France is Paris, India is Kolkata), many spread out for the large ones (the US, Russia, Brazil).
Hence REACH_KM: a place in a country is taken to lie within that distance of one of its cities.
It errs towards "near": western India is 1,650 km from Kolkata, so a smaller reach would call
Mumbai far from India; a larger one would let Paris and Warsaw be the same place."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

EARTH_RADIUS_KM = 6371.0
REACH_KM = 1500.0
_COORDINATES = re.compile(r"([+-])(\d{2})(\d{2})(\d{2})?([+-])(\d{3})(\d{2})(\d{2})?")


@dataclass(frozen=True)
class Country:
    code: str
    cities: tuple[tuple[float, float, str], ...]  # lat, lon, zone name
    centre: tuple[float, float]  # mean of its cities (on the sphere)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance between two (lat, lon) points in degrees."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def country(code: str | None) -> Country | None:
    return countries().get(code.upper()) if code else None


def nearest_city(point: tuple[float, float]) -> tuple[str, str, float]:
    """The reference city nearest to `point`: (country code, zone name, distance in km)."""
    best = ("", "", math.inf)
    for entry in countries().values():
        for lat, lon, zone in entry.cities:
            km = distance_km(point, (lat, lon))
            if km < best[2]:
                best = (entry.code, zone, km)
    return best


def distance_to_country_km(point: tuple[float, float], code: str) -> float | None:
    """Distance from `point` to the country's nearest reference city (None for an unknown code)."""
    entry = country(code)
    if entry is None:
        return None
    return min(distance_km(point, (lat, lon)) for lat, lon, _ in entry.cities)


def distance_between_countries_km(a: str, b: str) -> float | None:
    """A lower bound of the distance between a place in `a` and one in `b`: the nearest pair of
    their cities, less both reaches (0 for the same or neighbouring countries)."""
    first, second = country(a), country(b)
    if first is None or second is None:
        return None
    if first.code == second.code:
        return 0.0
    nearest = min(distance_km((lat1, lon1), (lat2, lon2))
                  for lat1, lon1, _ in first.cities for lat2, lon2, _ in second.cities)
    return max(0.0, nearest - 2 * REACH_KM)


@lru_cache(maxsize=1)
def countries() -> dict[str, Country]:
    """Read once per process from the tzdata package (about 450 lines, a millisecond)."""
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    cities: dict[str, list[tuple[float, float, str]]] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        code, coordinates, zone = line.split("\t")[:3]
        point = _parse(coordinates)
        if point is not None:
            cities.setdefault(code, []).append((*point, zone))
    return {code: _country(code, points) for code, points in cities.items()}


def _country(code: str, cities: list[tuple[float, float, str]]) -> Country:
    # The mean of unit vectors, so countries across the antimeridian (Fiji, Russia) stay whole.
    x = sum(math.cos(math.radians(lat)) * math.cos(math.radians(lon)) for lat, lon, _ in cities)
    y = sum(math.cos(math.radians(lat)) * math.sin(math.radians(lon)) for lat, lon, _ in cities)
    z = sum(math.sin(math.radians(lat)) for lat, _, _ in cities)
    centre = (math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x)))
    return Country(code, tuple(cities), centre)


def _parse(text: str) -> tuple[float, float] | None:
    match = _COORDINATES.fullmatch(text)
    if match is None:
        return None
    lat_sign, lat_d, lat_m, lat_s, lon_sign, lon_d, lon_m, lon_s = match.groups()
    lat = int(lat_d) + int(lat_m) / 60 + int(lat_s or 0) / 3600
    lon = int(lon_d) + int(lon_m) / 60 + int(lon_s or 0) / 3600
    return (-lat if lat_sign == "-" else lat, -lon if lon_sign == "-" else lon)
