"""Issuing, reading, listing and revoking certificates, always through the organization's permissions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from veriflow.access.deps import check_org_permission
from veriflow.access.permissions import CERTIFICATES_ISSUE, CERTIFICATES_READ, CERTIFICATES_REVOKE
from veriflow.access.principal import Principal
from veriflow.audit import service as audit
from veriflow.certificates import uploads
from veriflow.certificates.models import Certificate, find_certificate
from veriflow.certificates.schemas import CertificateFields, Upload
from veriflow.core.errors import BadRequest, Conflict, NotFound, ValidationFailed, field_error
from veriflow.core.types import new_id, utcnow
from veriflow.messaging.notification import Category, Channel, NotificationMessage, Recipients
from veriflow.messaging.notify import enqueue_after_commit

MISSING = "No such certificate."


@dataclass(frozen=True)
class IssuedCertificate:
    certificate: Certificate
    upload: Upload | None
    created: bool


def issuing_org(principal: Principal, org_id: uuid.UUID | None, *, listing: bool = False) -> uuid.UUID:
    """The organization a request acts for: an API key's own, or the one a person names (in the
    body when issuing, in the query when `listing`)."""
    if principal.kind == "api_key":
        if org_id is not None and org_id != principal.org_id:
            raise NotFound("No such organization.")
        assert principal.org_id is not None
        return principal.org_id
    if org_id is None:
        where, message, act = (
            ("query", "Name the organization whose certificates to list.", "lists certificates") if listing
            else ("body", "Name the issuing organization.", "issues"))
        raise ValidationFailed(message, errors=[
            field_error((where, "org_id"), f"org_id is required when a person {act}.", "missing")])
    return org_id


def _same(certificate: Certificate, fields: CertificateFields) -> bool:
    return (certificate.recipient_name, certificate.recipient_email, certificate.title, certificate.description,
            certificate.issued_at, certificate.expires_at, certificate.extra, certificate.image_content_type) == (
        fields.recipient_name, fields.recipient_email, fields.title, fields.description, fields.issued_at,
        fields.expires_at, fields.metadata, fields.image_type)


def _new(principal: Principal, org_id: uuid.UUID, fields: CertificateFields) -> Certificate:
    certificate_id = new_id()
    return Certificate(
        id=certificate_id, org_id=org_id, client_key=fields.client_key,
        issued_by_user=principal.user_id, issued_by_key=principal.id if principal.kind == "api_key" else None,
        recipient_name=fields.recipient_name, recipient_email=fields.recipient_email, title=fields.title,
        description=fields.description, issued_at=fields.issued_at, expires_at=fields.expires_at,
        extra=fields.metadata, status="awaiting_image", image_content_type=fields.image_type,
        image_key=uploads.incoming_key(org_id, certificate_id),
    )


def _upload_for(certificate: Certificate) -> Upload | None:
    if certificate.status != "awaiting_image" or certificate.revoked_at is not None:
        return None
    assert certificate.image_content_type is not None
    return uploads.presigned_post(certificate.image_key, certificate.image_content_type)


def issue_many(
    session: Session, principal: Principal, org_id: uuid.UUID, rows: Sequence[CertificateFields], *, bulk: bool,
) -> list[IssuedCertificate]:
    """Creates the certificates (awaiting their images) in one transaction, all or none. A row whose
    client key was used before returns that certificate, if it says the same; else 409 naming it."""
    check_org_permission(session, principal, org_id, CERTIFICATES_ISSUE)
    keys = [row.client_key for row in rows if row.client_key]
    existing = {c.client_key: c for c in session.scalars(
        select(Certificate).where(Certificate.org_id == org_id, Certificate.client_key.in_(keys)))} if keys else {}
    conflicts = [index for index, row in enumerate(rows)
                 if row.client_key in existing and not _same(existing[row.client_key], row)]
    if conflicts:
        raise Conflict("A client key was used before for a different certificate.", details=[
            field_error(("body", "items", index, "client_key") if bulk else ("body", "client_key"),
                        "This client key names a different certificate.", "client_key_reused")
            for index in conflicts])
    results: list[IssuedCertificate] = []
    for row in rows:
        found = existing.get(row.client_key) if row.client_key else None
        if found is not None:
            results.append(IssuedCertificate(found, None, created=False))
            continue
        certificate = _new(principal, org_id, row)
        session.add(certificate)
        results.append(IssuedCertificate(certificate, None, created=True))
    session.flush()
    created = [r.certificate.id for r in results if r.created]
    if created:
        audit.record(session, "certificate.created", actor=principal, org_id=org_id,
                     target=("certificate", created[0]) if len(created) == 1 else None, count=len(created),
                     certificate_ids=[str(i) for i in created[:1000]])
    return [IssuedCertificate(r.certificate, _upload_for(r.certificate), r.created) for r in results]


def get(session: Session, principal: Principal, certificate_id: uuid.UUID, permission: str = CERTIFICATES_READ,
        *, for_update: bool = False) -> Certificate:
    certificate = find_certificate(session, certificate_id, for_update=for_update)
    if certificate is None:
        raise NotFound(MISSING)
    try:
        check_org_permission(session, principal, certificate.org_id, permission)
    except NotFound:
        raise NotFound(MISSING) from None  # another organization's certificate: as if it never existed
    return certificate


def new_upload(session: Session, principal: Principal, certificate_id: uuid.UUID) -> Upload:
    """A fresh presigned POST for a certificate still waiting for an accepted image."""
    certificate = get(session, principal, certificate_id, CERTIFICATES_ISSUE, for_update=True)
    if certificate.status != "awaiting_image" or certificate.revoked_at is not None:
        raise Conflict("This certificate's image was accepted already, or it is revoked.")
    certificate.image_key = uploads.incoming_key(certificate.org_id, certificate.id)
    upload = _upload_for(certificate)
    assert upload is not None
    return upload


def revoke(session: Session, principal: Principal, certificate_id: uuid.UUID, reason: str) -> Certificate:
    """Revokes for good; it stays verifiable, as revoked. Revoking twice changes nothing."""
    certificate = get(session, principal, certificate_id, CERTIFICATES_REVOKE, for_update=True)
    if certificate.revoked_at is not None:
        return certificate
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    certificate.revoked_by = principal.user_id
    audit.record(session, "certificate.revoked", actor=principal, org_id=certificate.org_id,
                 target=("certificate", certificate.id), reason=reason)
    enqueue_after_commit(session, NotificationMessage(
        idempotency_key=f"certificate.revoked:{certificate.id}", recipients=Recipients(org_id=certificate.org_id),
        category=Category.VERIFICATION, template="certificate.revoked", channels=[Channel.WEBHOOK],
        data={"certificate_id": str(certificate.id), "reason": reason,
              "revoked_at": certificate.revoked_at.isoformat()},
    ))
    return certificate


def public_status(certificate: Certificate, now: datetime) -> str:
    """The status a reader sees: revocation and expiry first, then where issuing stands."""
    if certificate.revoked_at is not None:
        return "revoked"
    if certificate.expires_at is not None and certificate.expires_at <= now:
        return "expired"
    return certificate.status


def check_status_filter(status: str | None) -> None:
    if status is not None and status not in ("awaiting_image", "issued", "anchored", "revoked", "expired"):
        raise BadRequest("Unknown status.")
