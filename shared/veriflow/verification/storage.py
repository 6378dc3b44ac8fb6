"""Keys in the uploads bucket and the presigned POST whose policy fixes the key, the content type
and the size range (the intake still checks what lands: moto accepts any presigned URL, and a
policy says nothing about what the bytes are)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from veriflow.core import aws
from veriflow.core.types import utcnow
from veriflow.verification.schemas import PresignedPost
from veriflow.verification.settings import get_verification_settings

INCOMING = "incoming/"
EVIDENCE = "evidence/"


def incoming_key(owner_id: uuid.UUID, upload_id: uuid.UUID) -> str:
    return f"{INCOMING}{owner_id}/{upload_id}"


def parse_incoming(key: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(owner id, upload id) of an incoming key, or None for any other key."""
    if not key.startswith(INCOMING):
        return None
    parts = key[len(INCOMING):].split("/")
    if len(parts) != 2:
        return None
    try:
        return uuid.UUID(parts[0]), uuid.UUID(parts[1])
    except ValueError:
        return None


def evidence_key(upload_id: uuid.UUID, layer: str, name: str) -> str:
    return f"{EVIDENCE}{upload_id}/{layer}/{name}"


def presigned_post(key: str, content_type: str) -> PresignedPost:
    settings = get_verification_settings()
    post = aws.client("s3").generate_presigned_post(
        Bucket=settings.bucket(), Key=key, Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, settings.upload_max_bytes]],
        ExpiresIn=settings.upload_expiry_s,
    )
    return PresignedPost(url=post["url"], fields=post["fields"], max_bytes=settings.upload_max_bytes,
                         expires_at=utcnow() + timedelta(seconds=settings.upload_expiry_s))


def evidence_link(key: str) -> str:
    settings = get_verification_settings()
    url: str = aws.client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": settings.bucket(), "Key": key}, ExpiresIn=settings.evidence_link_expiry_s)
    return url
