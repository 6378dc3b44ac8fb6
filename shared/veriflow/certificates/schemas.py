"""What the certificate routes accept and return."""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import rfc8785
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from veriflow.core.fields import AwareDateTimeText
from veriflow.identity.emails import Email

MAX_BULK = 1000
MAX_METADATA_KEYS = 20
MAX_METADATA_BYTES = 4096
SAFE_INTEGER = 2**53 - 1  # what JSON numbers carry exactly everywhere (RFC 8785 refuses larger)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"\S")]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
ClientKey = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")]
MetadataKey = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
MetadataValue = Annotated[str, StringConstraints(max_length=500)] | bool | int | float
ImageType = Literal["image/jpeg", "image/png"]
Status = Literal["awaiting_image", "issued", "anchored", "revoked", "expired"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CertificateFields(_In):
    recipient_name: Text
    recipient_email: Email
    title: Text
    description: Description = ""
    issued_at: AwareDateTimeText = Field(description="when it was awarded (with a time zone)")
    expires_at: AwareDateTimeText | None = Field(default=None, description="after this it is no longer valid")
    metadata: dict[MetadataKey, MetadataValue] = Field(
        default_factory=dict, max_length=MAX_METADATA_KEYS,
        description=f"free fields: at most {MAX_METADATA_KEYS}, {MAX_METADATA_BYTES} bytes as JSON",
    )
    image_type: ImageType = Field(description="the certificate image's type, enforced by the upload policy")
    client_key: ClientKey | None = Field(default=None, description="the same key returns the same certificate")

    @field_validator("metadata")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        for item in value.values():
            if isinstance(item, float) and not math.isfinite(item):
                raise ValueError("Metadata numbers must be finite.")
            if isinstance(item, int) and not isinstance(item, bool) and abs(item) > SAFE_INTEGER:
                raise ValueError(f"Metadata integers must lie within ±{SAFE_INTEGER}.")
        if len(rfc8785.dumps(value)) > MAX_METADATA_BYTES:
            raise ValueError(f"Metadata takes more than {MAX_METADATA_BYTES} bytes as JSON.")
        return value

    @model_validator(mode="after")
    def _expiry_after_issue(self) -> CertificateFields:
        if self.expires_at is not None and self.expires_at <= self.issued_at:
            raise ValueError("expires_at must be later than issued_at.")
        return self


class CertificateCreate(CertificateFields):
    org_id: uuid.UUID | None = Field(default=None, description="the issuing organization (an API key: its own)")


class BulkItem(CertificateFields):
    client_key: ClientKey = Field(description="required in bulk: a retried request returns the same rows")


class BulkCreate(_In):
    org_id: uuid.UUID | None = None
    items: list[BulkItem] = Field(min_length=1, max_length=MAX_BULK)

    @model_validator(mode="after")
    def _unique_keys(self) -> BulkCreate:
        seen: dict[str, int] = {}
        for index, item in enumerate(self.items):
            if item.client_key in seen:
                raise ValueError(f"items {seen[item.client_key]} and {index} have the same client_key.")
            seen[item.client_key] = index
        return self


class Revoke(_In):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=r"\S")]


class Upload(BaseModel):
    """A presigned POST: send `fields` and then the file as multipart/form-data to `url`."""

    url: str
    fields: dict[str, str]
    expires_at: datetime
    max_bytes: int


class CertificatePublic(BaseModel):
    id: uuid.UUID
    org_id: uuid.UUID
    client_key: str | None
    recipient_name: str
    recipient_email: str
    title: str
    description: str
    issued_at: datetime
    expires_at: datetime | None
    metadata: dict[str, Any]
    status: Status
    image_rejection: str | None = Field(description="why the last image was refused (status awaiting_image)")
    image_sha256: str | None
    image_phash: str | None
    document_sha256: str | None
    revoked_at: datetime | None
    revoked_reason: str | None
    verify_url: str
    created_at: datetime


class Issued(BaseModel):
    certificate: CertificatePublic
    upload: Upload | None = Field(description="where to send the image (none once one was accepted)")


class BulkRow(Issued):
    row: int
    created: bool = Field(description="false when the client key named a certificate issued before")


class BulkIssued(BaseModel):
    data: list[BulkRow]


class CertificatePage(BaseModel):
    data: list[CertificatePublic]
    next_cursor: str | None


Result = Literal["valid", "invalid", "pending", "unavailable"]


class CheckPublic(BaseModel):
    """One of the three results; the facts it rests on come beside it (hashes, the anchor
    transaction and block, the revocation, the issuer's domain), as far as they are known."""

    model_config = ConfigDict(extra="allow")

    result: Result
    reason: str = Field(description="why, in a sentence")


class VerifiedCertificate(BaseModel):
    title: str
    recipient_name: str
    issuer_name: str
    issued_at: datetime
    expires_at: datetime | None


class VerificationPublic(BaseModel):
    """What anyone may learn about a certificate: three separate results and the worst of them."""

    certificate_id: uuid.UUID
    verdict: Result
    integrity: CheckPublic
    issuance: CheckPublic
    issuer: CheckPublic
    certificate: VerifiedCertificate
    verify_url: str
    proof_url: str
    checked_at: datetime
