"""Who issued a certificate, and whether that is proven: an organization's issuer identity.

Proven by a DNS TXT record on a domain the organization claims (as OpenAttestation's DNS-TXT
identity), `_veriflow.<domain>` holding `veriflow-verify=<token>`, or by a platform admin who
verified the organization. A read model on the identity floor: the certificates domain reads it
without importing orgs, and orgs records its checks through the same `record_check`.

DNS stays off the hot path: a check younger than `max_age` is the answer. An outage is never
`invalid`: a record that cannot be read proves nothing, and disproves nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from veriflow.core.errors import NotFound
from veriflow.identity.dns_txt import DnsPythonResolver, DnsUnavailable, NoTxtRecord, TxtResolver
from veriflow.identity.org_models import Organization

CheckResult = Literal["valid", "invalid", "unavailable"]
# `none`: nothing claimed; `pending`: claimed, never checked (seen in org responses, which never
# resolve; issuer_identity checks a claim at once).
DomainStatus = Literal["none", "pending", "valid", "invalid", "unavailable"]
IssuerStatus = Literal["valid", "invalid", "unavailable", "pending"]

RECORD_PREFIX = "_veriflow."
VALUE_PREFIX = "veriflow-verify="
DEFAULT_MAX_AGE = timedelta(hours=1)
# An outage is asked again sooner than a definite answer, yet not on every request: each try may
# cost the resolver's whole lifetime (2 s) while the name servers are down.
UNAVAILABLE_MAX_AGE = timedelta(minutes=1)

__all__ = [
    "DEFAULT_MAX_AGE", "CheckResult", "DnsPythonResolver", "DnsUnavailable", "DomainStatus", "IssuerIdentity",
    "IssuerStatus", "NoTxtRecord", "TxtResolver", "check_domain", "current_resolver", "domain_status",
    "issuer_identity", "record_check", "record_name", "record_value",
]


@dataclass(frozen=True, slots=True)
class IssuerIdentity:
    org_id: uuid.UUID
    name: str
    domain: str | None
    domain_status: DomainStatus
    admin_verified: bool
    status: IssuerStatus


def record_name(domain: str) -> str:
    return RECORD_PREFIX + domain


def record_value(token: str) -> str:
    return VALUE_PREFIX + token


# The resolver every request uses; tests replace this hook with a fake (they never reach real DNS).
resolver_factory: Callable[[], TxtResolver] = DnsPythonResolver.shared


def current_resolver() -> TxtResolver:
    """FastAPI dependency and plain call alike: the resolver `resolver_factory` gives."""
    return resolver_factory()


def check_domain(resolver: TxtResolver, domain: str, token: str) -> CheckResult:
    """`valid` when a TXT record of `_veriflow.<domain>` is `veriflow-verify=<token>`; `invalid` when
    the name or record is missing or holds other values; `unavailable` when DNS did not answer."""
    try:
        values = resolver.txt(record_name(domain))
    except NoTxtRecord:
        return "invalid"
    except DnsUnavailable:
        return "unavailable"
    return "valid" if record_value(token) in {value.strip() for value in values} else "invalid"


def record_check(session: Session, org: Organization, resolver: TxtResolver, now: datetime) -> tuple[CheckResult, bool]:
    """Checks the organization's claim now and stores the outcome; returns it, and whether the
    domain is proven by another organization (then this claim is `invalid`, its record notwithstanding)."""
    assert org.domain is not None
    assert org.domain_token is not None
    result = check_domain(resolver, org.domain, org.domain_token)
    if result != "valid" or org.domain_proven_at is not None:
        _store(org, result, now)
        return result, False
    if _held_elsewhere(session, org, resolver, now):
        _store(org, "invalid", now)
        return "invalid", True
    try:
        with session.begin_nested():
            _store(org, "valid", now)
            session.flush()
    except IntegrityError:
        # Another organization proved the domain in the meantime (the partial unique index).
        _store(org, "invalid", now)
        return "invalid", True
    return "valid", False


def _held_elsewhere(session: Session, org: Organization, resolver: TxtResolver, now: datetime) -> bool:
    """Whether another organization holds the proof of `org`'s domain. Domains change hands: the
    holder keeps its proof only while its own record is still there (an outage strips nothing)."""
    holder = session.scalars(select(Organization).where(
        Organization.domain == org.domain, Organization.domain_proven_at.is_not(None), Organization.id != org.id,
    ).with_for_update()).first()
    if holder is None:
        return False
    assert holder.domain is not None
    assert holder.domain_token is not None
    _store(holder, check_domain(resolver, holder.domain, holder.domain_token), now)
    session.flush()  # frees the index entry when the holder lost it
    return holder.domain_proven_at is not None


def _store(org: Organization, result: CheckResult, now: datetime) -> None:
    org.domain_checked_at, org.domain_check_result = now, result
    if result == "valid":
        org.domain_proven_at = org.domain_proven_at or now
    elif result == "invalid":
        org.domain_proven_at = None


_CHECKED: dict[str | None, DomainStatus] = {"valid": "valid", "invalid": "invalid", "unavailable": "unavailable"}
_ISSUER_STATUS: dict[DomainStatus, IssuerStatus] = {
    "none": "pending", "pending": "pending", "valid": "valid", "invalid": "invalid", "unavailable": "unavailable",
}


def domain_status(org: Organization) -> DomainStatus:
    """The claim's status as last checked (no DNS)."""
    if org.domain is None:
        return "none"
    return _CHECKED.get(org.domain_check_result, "pending")


def _fresh(org: Organization, now: datetime, max_age: timedelta) -> bool:
    if org.domain_checked_at is None:
        return False
    if org.domain_check_result == "unavailable":
        max_age = min(max_age, UNAVAILABLE_MAX_AGE)
    return now - org.domain_checked_at < max_age


def issuer_identity(
    session: Session, org_id: uuid.UUID, resolver: TxtResolver, now: datetime, max_age: timedelta = DEFAULT_MAX_AGE,
) -> IssuerIdentity:
    """The organization's issuer identity as of `now`. A claim last checked `max_age` ago or more is
    checked again and the outcome stored in `session` (the caller's transaction commits it).

    `status`: `valid` when a platform admin verified the organization or its domain is proven;
    else `unavailable` when DNS could not be read, `invalid` when the claimed domain's record is
    missing or wrong, `pending` when nothing is claimed or verified yet."""
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound("No such organization.")
    if org.domain is not None and not _fresh(org, now, max_age):
        record_check(session, org, resolver, now)
    domain = domain_status(org)
    admin_verified = org.verified_at is not None
    status: IssuerStatus = "valid" if admin_verified else _ISSUER_STATUS[domain]
    return IssuerIdentity(org.id, org.name, org.domain, domain, admin_verified, status)
