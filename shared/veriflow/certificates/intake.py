"""A certificate image landing in S3: checked by what it is (the imaging package), then either
accepted (moved under `issued/`, the certificate's canonical document and hashes stored, the
organization's webhook and the recipient's email queued) or refused with the reason kept on the
certificate. Duplicate and late events change nothing: only the upload the certificate waits for,
while it waits, is looked at."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from aws_lambda_powertools import Logger

from veriflow.certificates import document, uploads
from veriflow.certificates.models import Certificate, find_certificate
from veriflow.certificates.settings import get_certificate_settings
from veriflow.core import aws
from veriflow.core.db import session_scope
from veriflow.core.types import utcnow
from veriflow.identity.org_models import Organization
from veriflow.messaging.notification import Category, Channel, NotificationMessage, Recipients
from veriflow.messaging.notify import email_after_commit, enqueue_after_commit

logger = Logger(child=True)

Outcome = Literal["accepted", "rejected", "ignored"]


@dataclass(frozen=True)
class Landed:
    bucket: str
    key: str


def handle(landed: Landed) -> Outcome:
    """Checks one landed object; idempotent."""
    ids = uploads.parse_incoming(landed.key)
    if ids is None:
        logger.warning("object outside incoming/ ignored", extra={"key": landed.key})
        return "ignored"
    org_id, certificate_id = ids
    with session_scope() as session:
        certificate = session.get(Certificate, certificate_id)
        waiting = _is_waiting(certificate, org_id, landed.key)
        # The type the upload policy enforced (S3 keeps the form's Content-Type; the row says it too).
        declared = certificate.image_content_type if certificate is not None else None
    s3 = aws.client("s3")
    if not waiting:
        _delete(s3, landed)  # stale, repeated or unknown: nothing in it is ours to keep
        return "ignored"
    checked = _check(s3, landed, declared)
    if isinstance(checked, str):
        _record_rejection(certificate_id, org_id, landed.key, checked)
        _delete(s3, landed)
        return "rejected"
    from veriflow.imaging.inspect import InspectedImage

    assert isinstance(checked, InspectedImage)
    issued_key = uploads.issued_key(org_id, certificate_id, checked.content_type)
    s3.copy_object(Bucket=landed.bucket, Key=issued_key, CopySource={"Bucket": landed.bucket, "Key": landed.key},
                   ContentType=checked.content_type, MetadataDirective="REPLACE")
    accepted = _accept(certificate_id, org_id, landed.key, issued_key, checked)
    _delete(s3, landed)
    return "accepted" if accepted else "ignored"


def _is_waiting(certificate: Certificate | None, org_id: uuid.UUID, key: str) -> bool:
    return (certificate is not None and certificate.org_id == org_id and certificate.image_key == key
            and certificate.status == "awaiting_image" and certificate.revoked_at is None)


def _check(s3: Any, landed: Landed, declared: str | None) -> object:
    """The inspected image, or the refusal's text."""
    from veriflow.imaging.inspect import ImageLimits, RejectedImage, inspect_image

    settings = get_certificate_settings()
    head = s3.head_object(Bucket=landed.bucket, Key=landed.key)
    if head["ContentLength"] > settings.certificate_image_max_bytes:
        return f"too_large: The file is larger than {settings.certificate_image_max_bytes} bytes."
    data = s3.get_object(Bucket=landed.bucket, Key=landed.key)["Body"].read()
    limits = ImageLimits(max_bytes=settings.certificate_image_max_bytes,
                         max_pixels=settings.certificate_image_max_pixels)
    try:
        return inspect_image(data, limits, declared_type=declared)
    except RejectedImage as refused:
        return f"{refused.code}: {refused.message}"


def _record_rejection(certificate_id: uuid.UUID, org_id: uuid.UUID, key: str, reason: str) -> None:
    with session_scope() as session:
        certificate = find_certificate(session, certificate_id, for_update=True)
        if _is_waiting(certificate, org_id, key):
            assert certificate is not None
            certificate.image_rejection = reason[:300]
    logger.info("certificate image refused", extra={"certificate_id": str(certificate_id), "reason": reason})


def _accept(certificate_id: uuid.UUID, org_id: uuid.UUID, key: str, issued_key: str, image: Any) -> bool:
    from veriflow.imaging import phash

    with session_scope() as session:
        certificate = find_certificate(session, certificate_id, for_update=True)
        if not _is_waiting(certificate, org_id, key):
            return False
        assert certificate is not None
        org = session.get(Organization, org_id)
        assert org is not None
        certificate.image_key = issued_key
        certificate.image_rejection = None
        certificate.image_content_type = image.content_type
        certificate.image_width, certificate.image_height = image.width, image.height
        certificate.image_sha256 = image.sha256
        certificate.image_phash = phash.to_hex(image.phash)
        (certificate.phash_band0, certificate.phash_band1, certificate.phash_band2,
         certificate.phash_band3) = phash.bands(image.phash)
        canonical = document.canonical(document.build(certificate, org.name))
        certificate.document = canonical
        certificate.document_sha256 = document.sha256_hex(canonical)
        certificate.status = "issued"
        certificate.accepted_at = utcnow()
        _announce(session, certificate, org.name)
    return True


def _announce(session: Any, certificate: Certificate, issuer_name: str) -> None:
    verify_url = get_certificate_settings().verify_url(certificate.id)
    enqueue_after_commit(session, NotificationMessage(
        idempotency_key=f"certificate.issued:{certificate.id}", recipients=Recipients(org_id=certificate.org_id),
        category=Category.VERIFICATION, template="certificate.issued", channels=[Channel.WEBHOOK],
        data={"certificate_id": str(certificate.id), "title": certificate.title,
              "recipient_name": certificate.recipient_name, "document_sha256": certificate.document_sha256,
              "image_sha256": certificate.image_sha256, "verify_url": verify_url},
    ))
    email_after_commit(
        session, certificate.recipient_email, template="certificates.issued",
        idempotency_key=f"certificate.issued.email:{certificate.id}", category=Category.VERIFICATION,
        data={"recipient_name": certificate.recipient_name, "title": certificate.title,
              "issuer_name": issuer_name, "verify_url": verify_url},
    )


def _delete(s3: Any, landed: Landed) -> None:
    s3.delete_object(Bucket=landed.bucket, Key=landed.key)
