"""issuer_identity, the read model certificates show: the cached check answers while it is fresh
(no DNS), a stale one is checked again and stored, an outage is never `invalid`."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.fixtures.fake_dns import FakeNameServer
from veriflow.core.db import session_scope
from veriflow.core.errors import NotFound
from veriflow.core.types import utcnow
from veriflow.identity.issuer import IssuerIdentity, issuer_identity
from veriflow.identity.org_models import Organization

HOUR = timedelta(hours=1)
TOKEN = "7f3c" * 8


@pytest.fixture
def make_org(any_database: str) -> Callable[..., uuid.UUID]:
    def make(domain: str | None = "example.org", *, verified: bool = False) -> uuid.UUID:
        with session_scope() as session:
            org = Organization(name="Acme Academy", slug=f"org-{uuid.uuid4().hex[:12]}", domain=domain,
                               domain_token=TOKEN if domain else None, verified_at=utcnow() if verified else None)
            session.add(org)
            session.flush()
            return org.id
    return make


def _identity(org_id: uuid.UUID, dns: FakeNameServer, now: datetime, max_age: timedelta = HOUR) -> IssuerIdentity:
    with session_scope() as session:
        return issuer_identity(session, org_id, dns.resolver(), now, max_age)


def _stored(org_id: uuid.UUID) -> tuple[Any, ...]:
    with session_scope() as session:
        org = session.get(Organization, org_id)
        assert org is not None
        return org.domain_check_result, org.domain_checked_at, org.domain_proven_at


def test_nothing_claimed_or_verified_is_pending(make_org: Any, dns_server: FakeNameServer) -> None:
    org_id = make_org(None)
    identity = _identity(org_id, dns_server, utcnow())
    assert identity == IssuerIdentity(org_id, "Acme Academy", None, "none", False, "pending")
    assert dns_server.queries == []


def test_an_admin_verification_is_valid_without_a_domain(make_org: Any, dns_server: FakeNameServer) -> None:
    identity = _identity(make_org(None, verified=True), dns_server, utcnow())
    assert (identity.status, identity.admin_verified, identity.domain_status) == ("valid", True, "none")


def test_a_proven_domain_is_valid_and_answers_from_the_cache_while_fresh(
    make_org: Any, dns_server: FakeNameServer, count_queries: Any
) -> None:
    # GIVEN a claim never checked, and its record published
    org_id = make_org()
    dns_server.publish("example.org", TOKEN)
    now = utcnow()
    # WHEN read THEN it is checked at once, found valid and stored
    first = _identity(org_id, dns_server, now)
    assert (first.status, first.domain_status, first.domain) == ("valid", "valid", "example.org")
    assert _stored(org_id) == ("valid", now, now)
    # WHEN read again within max_age THEN no DNS at all, and one query (the organization's row)
    with count_queries() as statements:
        again = _identity(org_id, dns_server, now + HOUR - timedelta(seconds=1))
    assert again == first
    assert dns_server.queries == ["_veriflow.example.org"]
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    # WHEN max_age has passed and the record is gone THEN it is checked again: invalid, proof ended
    dns_server.unpublish("example.org")
    later = now + HOUR
    stale = _identity(org_id, dns_server, later)
    assert (stale.status, stale.domain_status) == ("invalid", "invalid")
    assert _stored(org_id) == ("invalid", later, None)


@pytest.mark.parametrize("failure", ["timeout", "servfail", "network"])
def test_an_outage_is_unavailable_never_invalid(make_org: Any, dns_server: FakeNameServer, failure: str) -> None:
    # GIVEN a domain proven an hour ago, and DNS down now
    org_id = make_org()
    dns_server.publish("example.org", TOKEN)
    proven = utcnow()
    _identity(org_id, dns_server, proven)
    dns_server.fail(failure)
    # WHEN read after max_age THEN unavailable, and the proof is kept for when DNS answers again
    identity = _identity(org_id, dns_server, proven + HOUR)
    assert (identity.status, identity.domain_status) == ("unavailable", "unavailable")
    assert _stored(org_id) == ("unavailable", proven + HOUR, proven)
    dns_server.fail(None)
    assert _identity(org_id, dns_server, proven + 2 * HOUR).status == "valid"


def test_an_outage_is_asked_again_after_a_minute_not_after_max_age(
    make_org: Any, dns_server: FakeNameServer
) -> None:
    org_id = make_org()
    dns_server.fail("timeout")
    now = utcnow()
    assert _identity(org_id, dns_server, now).status == "unavailable"
    # Within the minute: the cached outage answers (each try may cost the resolver's 2 s)
    assert _identity(org_id, dns_server, now + timedelta(seconds=59)).status == "unavailable"
    assert len(dns_server.queries) == 1
    # After it: DNS is asked again, though max_age is an hour
    dns_server.fail(None)
    dns_server.publish("example.org", TOKEN)
    assert _identity(org_id, dns_server, now + timedelta(seconds=60)).status == "valid"
    assert len(dns_server.queries) == 2


@pytest.mark.parametrize(("verified", "status"), [(False, "invalid"), (True, "valid")])
def test_a_wrong_record_is_invalid_unless_an_admin_verified_the_organization(
    make_org: Any, dns_server: FakeNameServer, verified: bool, status: str
) -> None:
    org_id = make_org(verified=verified)
    dns_server.publish("example.org", "0" * 32)
    identity = _identity(org_id, dns_server, utcnow())
    assert (identity.status, identity.domain_status, identity.admin_verified) == (status, "invalid", verified)


def test_admin_verification_stands_through_an_outage(make_org: Any, dns_server: FakeNameServer) -> None:
    dns_server.fail("servfail")
    identity = _identity(make_org(verified=True), dns_server, utcnow())
    assert (identity.status, identity.domain_status) == ("valid", "unavailable")


def test_a_domain_another_organization_proved_is_invalid_here(make_org: Any, dns_server: FakeNameServer) -> None:
    # GIVEN A proved example.org; B claims it with a record published too
    org_a, org_b = make_org(), make_org()
    with session_scope() as session:
        other = session.get(Organization, org_b)
        assert other is not None
        other.domain_token = "b" * 32
    dns_server.publish("example.org", TOKEN)
    dns_server.publish("example.org", "b" * 32)
    now = utcnow()
    assert _identity(org_a, dns_server, now).status == "valid"
    # WHEN B's identity is read THEN its record does not prove it: the domain is A's
    assert _identity(org_b, dns_server, now).status == "invalid"
    assert _identity(org_a, dns_server, now).status == "valid"


def test_an_unknown_organization_is_not_found(any_database: str, dns_server: FakeNameServer) -> None:
    with pytest.raises(NotFound):
        _identity(uuid.uuid4(), dns_server, utcnow())
