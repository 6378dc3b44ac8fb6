"""The geo layer: each signal, and silence where there is nothing to go on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.fixtures import forensic_files as files
from veriflow.forensics import geo

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LONDON, NEW_YORK, PARIS = (51.5074, -0.1278), (40.7128, -74.0060), (48.8566, 2.3522)
GB_IP, US_IP = "81.2.69.142", "8.8.8.8"


def _codes(facts: geo.GeoInput) -> set[str]:
    return {finding.code for finding in geo.analyse(facts).findings}


def _input(ip: str | None = GB_IP, gps: tuple[float, float] | None = None, issuer: str | None = None,
           history: list[geo.PastUpload] | None = None) -> geo.GeoInput:
    return geo.GeoInput(uploaded_at=NOW, ip=ip, gps=gps, taken_at=None, issuer_country=issuer, history=history or [])


def test_the_ip_country_comes_from_the_offline_database() -> None:
    assert (geo.country_of_ip(GB_IP), geo.country_of_ip(US_IP)) == ("GB", "US")
    for address in ("192.168.1.1", "127.0.0.1", "not an address", ""):
        assert geo.country_of_ip(address) is None


def test_nothing_to_go_on_is_skipped() -> None:
    assert geo.analyse(_input(ip=None)).status == "skipped"
    assert geo.analyse(_input(ip="10.0.0.1")).status == "skipped"
    assert geo.analyse(_input(ip="10.0.0.1", gps=PARIS)).status == "ok"


def test_a_clean_upload_from_the_issuers_country_scores_full() -> None:
    found = geo.analyse(_input(issuer="GB", history=[geo.PastUpload(NOW - timedelta(days=2), "GB")]))
    assert (found.score, found.findings) == (1.0, [])


def test_another_country_than_the_issuers_costs_little() -> None:
    assert _codes(_input(ip=US_IP, issuer="GB")) == {"outside_issuer_country"}


def test_a_new_country_for_this_uploader_is_noted() -> None:
    assert "new_country" in _codes(_input(ip=US_IP, history=[geo.PastUpload(NOW - timedelta(days=3), "GB")]))


def test_impossible_travel_between_gps_positions() -> None:
    earlier = geo.PastUpload(NOW - timedelta(hours=1), "GB", *LONDON)
    found = geo.analyse(_input(gps=NEW_YORK, history=[earlier]))
    [travel] = [f for f in found.findings if f.code == "impossible_travel"]
    assert travel.data["km"] == pytest.approx(5570, abs=30)
    # AND the same journey over two days is fine
    later = geo.PastUpload(NOW - timedelta(days=2), "GB", *LONDON)
    assert "impossible_travel" not in _codes(_input(gps=NEW_YORK, history=[later]))


def test_a_country_change_within_minutes_is_impossible_travel() -> None:
    hop = [geo.PastUpload(NOW - timedelta(minutes=10), "US")]
    assert "impossible_travel" in _codes(_input(ip=GB_IP, history=hop))
    slow = [geo.PastUpload(NOW - timedelta(hours=9), "US")]
    assert "impossible_travel" not in _codes(_input(ip=GB_IP, history=slow))


def test_gps_is_read_from_exif() -> None:
    assert geo.gps_of(files.camera_photo(size=(320, 240), gps=PARIS), "jpeg") == pytest.approx(PARIS, abs=0.01)
    assert geo.gps_of(files.camera_photo(size=(320, 240)), "jpeg") is None
    assert geo.gps_of(files.pdf(1), "pdf") is None
    assert geo.gps_of(b"\xff\xd8\xff garbage", "jpeg") is None
