"""Presigned POSTs for certificate images: the policy fixes the key, the content type and the
size range, so S3 refuses anything else (the image function still checks what lands)."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from veriflow.certificates.schemas import Upload
from veriflow.certificates.settings import get_certificate_settings
from veriflow.core import aws
from veriflow.core.types import utcnow

INCOMING = "incoming/"
ISSUED = "issued/"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}


def incoming_key(org_id: uuid.UUID, certificate_id: uuid.UUID) -> str:
    """A fresh key per upload: a late or repeated POST never lands on an accepted image."""
    return f"{INCOMING}{org_id}/{certificate_id}/{secrets.token_hex(8)}"


def issued_key(org_id: uuid.UUID, certificate_id: uuid.UUID, content_type: str) -> str:
    return f"{ISSUED}{org_id}/{certificate_id}.{EXTENSIONS[content_type]}"


def parse_incoming(key: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(org id, certificate id) of an incoming key, or None for any other key."""
    if not key.startswith(INCOMING):
        return None
    parts = key[len(INCOMING):].split("/")
    if len(parts) != 3:
        return None
    try:
        return uuid.UUID(parts[0]), uuid.UUID(parts[1])
    except ValueError:
        return None


def presigned_post(key: str, content_type: str) -> Upload:
    settings = get_certificate_settings()
    expires_in = settings.certificate_upload_expiry_s
    post = aws.client("s3").generate_presigned_post(
        Bucket=settings.bucket(), Key=key, Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, settings.certificate_image_max_bytes]],
        ExpiresIn=expires_in,
    )
    return Upload(url=post["url"], fields=post["fields"], expires_at=utcnow() + timedelta(seconds=expires_in),
                  max_bytes=settings.certificate_image_max_bytes)
