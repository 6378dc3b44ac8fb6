"""The registry layer's candidate lookup, on SQLite and PostgreSQL: the exact SHA-256 first, else
the perceptual hash's indexed bands within PHASH_NEAR_BITS, the claimed certificate first; never
an unissued certificate, and at most MAX_CANDIDATES."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event

from veriflow.certificates.models import Certificate
from veriflow.core.db import get_engine, session_scope
from veriflow.core.types import utcnow
from veriflow.identity.org_models import Organization
from veriflow.imaging.phash import bands, to_hex
from veriflow.verification.registry import MAX_CANDIDATES, PHASH_NEAR_BITS, find_candidates

TEMPLATE = 0x9F3A_51C2_0E7D_B468  # the perceptual hash of one certificate template


def _org() -> uuid.UUID:
    with session_scope() as session:
        org = Organization(name="Acme Academy", slug=f"acme-{uuid.uuid4().hex[:10]}")
        session.add(org)
        session.flush()
        return org.id


def _certificate(org_id: uuid.UUID, phash: int, *, sha256: str | None = None, status: str = "issued") -> uuid.UUID:
    with session_scope() as session:
        certificate = Certificate(
            org_id=org_id, recipient_name="Ada Lovelace", recipient_email="ada@example.org", title="Engines 101",
            issued_at=utcnow() - timedelta(days=1), image_key=f"issued/{uuid.uuid4()}", status=status,
            image_sha256=sha256 or uuid.uuid4().hex * 2, image_phash=to_hex(phash))
        (certificate.phash_band0, certificate.phash_band1, certificate.phash_band2,
         certificate.phash_band3) = bands(phash)
        session.add(certificate)
        session.flush()
        return certificate.id


def _flip(value: int, *bits: int) -> int:
    for bit in bits:
        value ^= 1 << bit
    return value


def test_an_exact_copy_is_found_by_its_sha256_alone(any_database: str) -> None:
    # GIVEN an issued certificate and others of its template
    org = _org()
    wanted = _certificate(org, TEMPLATE, sha256="ab" * 32)
    _certificate(org, _flip(TEMPLATE, 3))
    # WHEN an upload with the same bytes is looked up
    with session_scope() as session:
        lookup = find_candidates(session, "ab" * 32, TEMPLATE, None)
    # THEN it is the one candidate, by its hash
    assert [(c.certificate.id, c.via) for c in lookup.candidates] == [(wanted, "sha256")]


def test_near_copies_are_ranked_by_distance_and_far_ones_left_out(any_database: str) -> None:
    # GIVEN certificates 1, 4, PHASH_NEAR_BITS and PHASH_NEAR_BITS + 3 bits from the upload's hash
    # (each keeps band 3 intact, so the lookup reaches them all)
    org = _org()
    one = _certificate(org, _flip(TEMPLATE, 60))
    four = _certificate(org, _flip(TEMPLATE, 60, 50, 40, 33))
    edge = _certificate(org, _flip(TEMPLATE, *range(16, 16 + PHASH_NEAR_BITS)))
    _certificate(org, _flip(TEMPLATE, *range(16, 16 + PHASH_NEAR_BITS + 3)))
    # WHEN looked up with no claimed id
    with session_scope() as session:
        lookup = find_candidates(session, "00" * 32, TEMPLATE, None)
    # THEN the nearest come first, the far one is not a candidate, and all three within reach count
    assert [(c.certificate.id, c.distance) for c in lookup.candidates] == [(one, 1), (four, 4), (edge, 10)]
    assert {c.via for c in lookup.candidates} == {"phash"}
    assert lookup.look_alikes == 3


def test_the_claimed_certificate_comes_first_even_when_its_hash_is_far(any_database: str) -> None:
    # GIVEN the claimed certificate 30 bits away (a heavily distorted photo) and near look-alikes
    org = _org()
    claimed = _certificate(org, _flip(TEMPLATE, *range(0, 60, 2)))
    near = [_certificate(org, _flip(TEMPLATE, bit)) for bit in (1, 2, 3, 4)]
    # WHEN looked up with its id
    with session_scope() as session:
        lookup = find_candidates(session, "00" * 32, TEMPLATE, claimed)
    # THEN it leads, followed by the nearest others, MAX_CANDIDATES in all
    assert lookup.candidates[0].certificate.id == claimed
    assert lookup.candidates[0].via == "claimed"
    assert lookup.candidates[0].distance == 30
    assert len(lookup.candidates) == MAX_CANDIDATES
    assert {c.certificate.id for c in lookup.candidates[1:]} <= set(near)


def test_certificates_without_an_accepted_image_are_never_candidates(any_database: str) -> None:
    org = _org()
    waiting = _certificate(org, TEMPLATE, sha256="cd" * 32, status="awaiting_image")
    with session_scope() as session:
        assert find_candidates(session, "cd" * 32, TEMPLATE, waiting).candidates == []


def test_nothing_alike_finds_nothing(any_database: str) -> None:
    org = _org()
    _certificate(org, TEMPLATE)
    with session_scope() as session:
        lookup = find_candidates(session, "00" * 32, ~TEMPLATE & (2**64 - 1), None)
    assert (lookup.candidates, lookup.look_alikes) == ([], 0)


@pytest.mark.parametrize("any_database", ["postgres"], indirect=True)
def test_the_lookup_reads_the_band_indexes_on_postgres(any_database: str) -> None:
    # GIVEN on PostgreSQL a few certificates of one template among many of other templates
    org = _org()
    others = random.Random(7)
    for _ in range(200):
        _certificate(org, others.getrandbits(64))
    for bit in range(3):
        _certificate(org, _flip(TEMPLATE, bit))
    statements: list[tuple[str, object]] = []

    def record(conn: object, cursor: object, statement: str, parameters: object, *args: object) -> None:
        statements.append((statement, parameters))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", record)
    try:
        with session_scope() as session:
            find_candidates(session, "00" * 32, TEMPLATE, None)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    statement, parameters = next((s, p) for s, p in statements if "phash_band0" in s and " OR " in s)
    # WHEN its plan is asked for, with the table's statistics and sequential scans as dear as on a large table
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE certificates")
        connection.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    # THEN it reads the four band indexes, not the whole table
    for band in range(4):
        assert f"ix_certificates_phash_band{band}" in plan, plan
