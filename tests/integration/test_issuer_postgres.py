"""Issuer identity on PostgreSQL: 0007 keeps existing rows both ways, a domain is proven by one
organization at most (the partial unique index), and two proofs racing each other admit one."""

from __future__ import annotations

import threading
import uuid

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.fixtures.fake_dns import FakeNameServer
from veriflow.core.db import get_engine, normalise_url, session_scope
from veriflow.core.migrations import alembic_config, current_revision, upgrade
from veriflow.core.types import utcnow
from veriflow.identity.issuer import record_check
from veriflow.identity.org_models import Organization

pytestmark = pytest.mark.postgres


def _org(domain: str | None, token: str, *, proven: bool = False) -> uuid.UUID:
    with session_scope() as session:
        org = Organization(name="Acme", slug=f"org-{uuid.uuid4().hex[:12]}", domain=domain, domain_token=token,
                           domain_proven_at=utcnow() if proven else None)
        session.add(org)
        session.flush()
        return org.id


def test_0007_keeps_organizations_and_their_members_both_ways(postgres_database: str) -> None:
    # GIVEN a database at 0006 with an organization and its owner
    url = normalise_url(postgres_database)
    upgrade(url, "0006_login_failures")
    with get_engine().begin() as connection:
        connection.execute(text(
            "INSERT INTO users (id, email, display_name, status, failed_logins, updated_at, created_at) "
            "VALUES ('00000000-0000-7000-8000-000000000001', 'ada@example.com', '', 'active', 0, now(), now())"))
        connection.execute(text(
            "INSERT INTO organizations (id, name, slug, description, created_by, updated_at, created_at) "
            "VALUES ('00000000-0000-7000-8000-000000000002', 'Acme', 'acme', '', "
            "'00000000-0000-7000-8000-000000000001', now(), now())"))
        connection.execute(text(
            "INSERT INTO org_memberships (org_id, user_id, role, created_at) VALUES "
            "('00000000-0000-7000-8000-000000000002', '00000000-0000-7000-8000-000000000001', 'owner', now())"))
    # WHEN migrated to 0007 THEN the rows are there, with no domain and not verified
    upgrade(url, "0007_issuer_identity")
    assert current_revision(url) == "0007_issuer_identity"
    with get_engine().connect() as connection:
        row = connection.execute(text("SELECT slug, domain, domain_proven_at, verified_at FROM organizations")).one()
        assert tuple(row) == ("acme", None, None, None)
        assert connection.execute(text("SELECT count(*) FROM org_memberships")).scalar_one() == 1
    # WHEN migrated back THEN the columns are gone and the rows stay
    command.downgrade(alembic_config(url), "0006_login_failures")
    with get_engine().connect() as connection:
        columns = set(connection.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'organizations'")).scalars())
        assert columns.isdisjoint({"domain", "domain_token", "verified_at", "verified_by"})
        assert connection.execute(text("SELECT count(*) FROM org_memberships")).scalar_one() == 1
    upgrade(url)


def test_a_domain_is_proven_by_one_organization_at_most(postgres_database: str) -> None:
    upgrade(normalise_url(postgres_database))
    # GIVEN any number of unproven claims of one domain, and one proven
    for _ in range(3):
        _org("example.org", "a" * 32)
    _org("example.org", "b" * 32, proven=True)
    _org("other.example", "c" * 32, proven=True)
    # WHEN a second organization's proof of it is written THEN the database refuses it
    with pytest.raises(IntegrityError, match="uq_organizations_proven_domain"):
        _org("example.org", "d" * 32, proven=True)


def test_two_proofs_racing_for_one_domain_admit_one(postgres_database: str) -> None:
    # GIVEN two organizations claiming example.org, both records published (one name server)
    upgrade(normalise_url(postgres_database))
    dns = FakeNameServer()
    orgs = [_org("example.org", token) for token in ("a" * 32, "b" * 32)]
    for token in ("a" * 32, "b" * 32):
        dns.publish("example.org", token)
    barrier = threading.Barrier(2)
    outcomes: dict[uuid.UUID, tuple[str, bool]] = {}

    def check(org_id: uuid.UUID) -> None:
        with session_scope() as session:
            org = session.get(Organization, org_id)
            assert org is not None
            barrier.wait()
            outcomes[org_id] = record_check(session, org, dns.resolver(), utcnow())

    # WHEN both check at the same moment, as two Lambda containers
    threads = [threading.Thread(target=check, args=(org_id,)) for org_id in orgs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # THEN one proves the domain and the other is told it is proven elsewhere
    assert sorted(outcomes.values()) == [("invalid", True), ("valid", False)]
    with session_scope() as session:
        proven = [org.id for org in session.query(Organization).filter(Organization.domain_proven_at.is_not(None))]
    assert proven == [org_id for org_id, outcome in outcomes.items() if outcome == ("valid", False)]


def test_a_proof_the_index_refuses_leaves_the_transaction_usable(
    postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN A's proof committed, and B's check not seeing it first (as when both raced past that look)
    from veriflow.identity import issuer

    upgrade(normalise_url(postgres_database))
    _org("example.org", "a" * 32, proven=True)
    org_b = _org("example.org", "b" * 32)
    dns = FakeNameServer()
    dns.publish("example.org", "b" * 32)
    monkeypatch.setattr(issuer, "_held_elsewhere", lambda *_: False)
    # WHEN B records its check THEN the unique index decides: proven elsewhere, and the transaction
    # (only its savepoint rolled back) still stores B's outcome
    with session_scope() as session:
        org = session.get(Organization, org_b)
        assert org is not None
        assert record_check(session, org, dns.resolver(), utcnow()) == ("invalid", True)
    with session_scope() as session:
        stored = session.get(Organization, org_b)
        assert stored is not None
        assert (stored.domain_check_result, stored.domain_proven_at) == ("invalid", None)
        assert stored.domain_checked_at is not None
