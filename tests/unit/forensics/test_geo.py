"""The geo layer: each signal seen when it is there and not when it is not, impossible travel,
IPs that cannot be located, GPS read back from EXIF."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.fixtures.forensic_files import camera_photo, png_from_jpeg
from veriflow.forensics import geo, geo_data
from veriflow.forensics.assessment import Assessment
from veriflow.forensics.geo import GeoInput, PastUpload

NOW = datetime(2026, 5, 17, 12, 0, tzinfo=UTC)
US_IP, GB_IP, FR_IP = "8.8.8.8", "81.2.69.160", "2a01:e0a::1"
PARIS, NEW_YORK = (48.85, 2.35), (40.71, -74.0)


def facts(ip: str | None = GB_IP, gps: tuple[float, float] | None = None, issuer: str | None = None,
          history: list[PastUpload] | None = None) -> GeoInput:
    return GeoInput(uploaded_at=NOW, ip=ip, gps=gps, taken_at=None, issuer_country=issuer, history=history or [])


def before(country: str, point: tuple[float, float] | None = None, **ago: float) -> PastUpload:
    lat, lon = point or (None, None)
    return PastUpload(NOW - timedelta(**ago), country, lat, lon)


def codes(result: Assessment) -> list[str]:
    return [finding.code for finding in result.findings]


@pytest.mark.parametrize(("ip", "country"), [(US_IP, "US"), (GB_IP, "GB"), (FR_IP, "FR"), (" 8.8.8.8 ", "US")])
def test_a_public_ip_has_its_country_from_the_offline_database(ip: str, country: str) -> None:
    assert geo.country_of_ip(ip) == country


@pytest.mark.parametrize("ip", ["192.168.1.10", "127.0.0.1", "::1", "10.0.0.1", "100.64.0.1", "not an ip", ""])
def test_a_private_reserved_or_invalid_ip_has_no_country(ip: str) -> None:
    assert geo.country_of_ip(ip) is None


def test_a_private_ip_is_a_fact_not_a_penalty() -> None:
    # GIVEN an upload from a private address  WHEN analysed
    result = geo.analyse(facts(ip="192.168.1.10", issuer="FR"))
    # THEN it says so and costs nothing
    assert result.score == 1.0
    assert result.facts["ip_country"] == "not locatable"
    assert codes(result) == ["ip_not_locatable"]


def test_no_ip_and_no_gps_is_skipped() -> None:
    result = geo.analyse(facts(ip=None))
    assert result.status == "skipped"
    assert result.reason == "No location to check: no IP address and no GPS in the file."


def test_gps_alone_is_enough_to_run() -> None:
    result = geo.analyse(facts(ip=None, gps=PARIS))
    assert result.status == "ok"
    assert result.facts["gps_nearest_city"] == {"country": "FR", "zone": "Europe/Paris", "km": 2}


def test_gps_far_from_the_ip_country_is_a_notice() -> None:
    # GIVEN a photo taken in Paris, uploaded from the US  WHEN analysed
    result = geo.analyse(facts(ip=US_IP, gps=PARIS))
    # THEN it is flagged with the distance
    finding = next(f for f in result.findings if f.code == "gps_far_from_ip")
    assert finding.severity == "notice"
    assert finding.data["km"] > 5000  # type: ignore[operator]


def test_gps_in_the_ip_country_is_nothing() -> None:
    result = geo.analyse(facts(ip=FR_IP, gps=PARIS))
    assert result.findings == []
    assert result.facts["gps_to_ip_country_km"] == 2


def test_issuer_abroad_is_a_small_penalty() -> None:
    result = geo.analyse(facts(issuer="FR"))
    assert codes(result) == ["issuer_country_differs"]
    assert result.score == 0.95


def test_issuer_at_home_is_nothing() -> None:
    result = geo.analyse(facts(issuer="gb"))
    assert result.findings == []
    assert result.score == 1.0


def test_a_country_new_to_the_uploader_is_a_notice() -> None:
    # GIVEN an uploader who uploaded from France last month
    history = [before("FR", days=30)]
    # WHEN they upload from the UK, then from France  THEN only the UK is new
    assert codes(geo.analyse(facts(ip=GB_IP, history=history))) == ["new_country"]
    assert codes(geo.analyse(facts(ip=FR_IP, history=history))) == []


def test_without_history_no_country_is_new() -> None:
    assert codes(geo.analyse(facts(ip=GB_IP))) == []


def test_impossible_travel_between_countries_is_a_warning_with_both_places_and_times() -> None:
    # GIVEN an upload from the US one hour after one from France  WHEN analysed
    result = geo.analyse(facts(ip=US_IP, history=[before("FR", hours=1)]))
    # THEN the jump is a warning naming both places and times
    travel = next(f for f in result.findings if f.code == "impossible_travel")
    assert travel.severity == "warning"
    assert (travel.data["from"], travel.data["to"]) == ("FR", "US")
    assert travel.data["kmh"] > 1000  # type: ignore[operator]
    assert "2026-05-17 11:00" in travel.message
    assert "2026-05-17 12:00" in travel.message
    assert result.score == 0.45  # with the new country


@pytest.mark.parametrize(("ip", "earlier"), [(US_IP, before("FR", days=1)), (FR_IP, before("GB", minutes=30)),
                                             (FR_IP, before("FR", minutes=1))])
def test_a_possible_trip_a_neighbour_or_the_same_country_is_not_impossible_travel(ip: str, earlier: PastUpload) -> None:
    assert "impossible_travel" not in codes(geo.analyse(facts(ip=ip, history=[earlier])))


def test_impossible_travel_uses_gps_on_both_sides_and_looks_through_the_history() -> None:
    # GIVEN Paris now and three hours ago, and New York two hours before that
    history = [before("FR", PARIS, hours=3), before("US", NEW_YORK, hours=5)]
    # WHEN analysed  THEN the Paris - New York leg is found, with its great-circle distance
    travel = next(f for f in geo.analyse(facts(ip=FR_IP, gps=PARIS, history=history)).findings
                  if f.code == "impossible_travel")
    assert 5800 < travel.data["km"] < 5900  # type: ignore[operator]


def test_the_same_trip_over_days_is_fine() -> None:
    history = [before("FR", PARIS, days=3), before("US", NEW_YORK, days=7)]
    assert "impossible_travel" not in codes(geo.analyse(facts(ip=FR_IP, gps=PARIS, history=history)))


def test_gps_round_trips_from_exif_within_a_hundredth_of_a_degree() -> None:
    gps = geo.gps_of(camera_photo((64, 64), gps=PARIS), "jpeg")
    assert gps is not None
    assert abs(gps[0] - PARIS[0]) < 0.01
    assert abs(gps[1] - PARIS[1]) < 0.01


def test_southern_and_western_gps_is_negative() -> None:
    gps = geo.gps_of(camera_photo((64, 64), gps=(-33.87, -70.65)), "jpeg")
    assert gps is not None
    assert gps[0] < 0
    assert gps[1] < 0


@pytest.mark.parametrize(("data", "kind"), [
    (camera_photo((64, 64)), "jpeg"), (png_from_jpeg(camera_photo((64, 64), gps=PARIS)), "png"),
    (b"%PDF-1.7", "pdf"), (b"not an image", "jpeg"),
])
def test_no_gps_is_none(data: bytes, kind: str) -> None:
    assert geo.gps_of(data, kind) is None


def test_country_positions_come_from_the_time_zone_table() -> None:
    france, usa = geo_data.country("FR"), geo_data.country("us")
    assert france is not None
    assert usa is not None
    assert geo_data.country("ZZ") is None
    assert geo_data.distance_km(france.centre, PARIS) < 50
    assert len(usa.cities) > 20
