"""What the domain routes of an organization accept and return (its issuer identity by DNS)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from veriflow.identity import issuer

if TYPE_CHECKING:
    from veriflow.identity.org_models import Organization

# A host name of two or more labels in ASCII (an internationalised name in its xn-- form), no
# trailing dot; the last label starts with a letter, so an IP address is not a domain.
DOMAIN_PATTERN = r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
Domain = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=253,
                                          pattern=DOMAIN_PATTERN)]


class DomainClaim(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domain: Domain = Field(description="the domain to prove, e.g. `example.org` (stored lower-case)")


class TxtRecord(BaseModel):
    name: str = Field(description="`_veriflow.<domain>`")
    type: Literal["TXT"] = "TXT"
    value: str = Field(description="`veriflow-verify=<token>`; the token is new with every claim")


class OrgDomainPublic(BaseModel):
    name: str
    status: Literal["pending", "valid", "invalid", "unavailable"] = Field(
        description="as last checked: pending (never checked), valid (the record is published), invalid "
                    "(missing or wrong, or the domain is proven by another organization), unavailable (DNS "
                    "did not answer)")
    txt_record: TxtRecord = Field(description="the record to publish in the domain's DNS")
    proven_at: datetime | None = Field(description="since when this claim is proven")
    checked_at: datetime | None

    @classmethod
    def of(cls, org: Organization) -> OrgDomainPublic | None:
        if org.domain is None or org.domain_token is None:
            return None
        status = issuer.domain_status(org)
        assert status != "none"
        record = TxtRecord(name=issuer.record_name(org.domain), value=issuer.record_value(org.domain_token))
        return cls(name=org.domain, status=status, txt_record=record, proven_at=org.domain_proven_at,
                   checked_at=org.domain_checked_at)
