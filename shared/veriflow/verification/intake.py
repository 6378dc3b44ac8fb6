"""A file landing under `incoming/`: checked by what it is (the imaging package: real size, magic
bytes, pixel cap with the bomb warning as an error, one frame, a full decode; a PDF's page cap and
first page rendered), then either refused (the upload `rejected` with its reason, no execution) or
verified: `StartExecution` named by the upload id, so a repeated S3 event starts nothing new."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError
from sqlalchemy import select

from veriflow.core import aws
from veriflow.core.db import session_scope
from veriflow.core.types import utcnow
from veriflow.verification import storage
from veriflow.verification.models import Upload
from veriflow.verification.schemas import PipelineInput
from veriflow.verification.settings import get_verification_settings

logger = Logger(child=True)

Outcome = Literal["started", "rejected", "ignored"]


@dataclass(frozen=True)
class Landed:
    bucket: str
    key: str


@dataclass(frozen=True)
class Checked:
    kind: Literal["jpeg", "png", "pdf"]
    size: int
    sha256: str
    width: int
    height: int
    pages: int | None


def handle(landed: Landed) -> Outcome:
    """Checks one landed object and starts its verification; idempotent."""
    ids = storage.parse_incoming(landed.key)
    if ids is None:
        logger.warning("object outside incoming/ ignored", extra={"key": landed.key})
        return "ignored"
    owner_id, upload_id = ids
    with session_scope() as session:
        upload = session.get(Upload, upload_id)
        if upload is None or upload.object_key != landed.key or owner_id not in (upload.owner_user_id,
                                                                                 upload.owner_org_id):
            logger.warning("object with no upload ignored", extra={"key": landed.key})
            return "ignored"
        status, declared = upload.status, upload.content_type
    if status == "processing":
        _start(landed, upload_id, None)  # a retried event after a crash: the named execution makes it once
        return "started"
    if status != "awaiting_file":
        return "ignored"
    checked = _check(landed, declared)
    if isinstance(checked, tuple):
        _reject(upload_id, *checked)
        aws.client("s3").delete_object(Bucket=landed.bucket, Key=landed.key)
        return "rejected"
    if not _mark_processing(upload_id, checked):
        return "ignored"
    _start(landed, upload_id, checked.kind)
    return "started"


def _check(landed: Landed, declared: str) -> Checked | tuple[str, str]:
    """What the object is, or (code, reason) for a refusal."""
    from veriflow.imaging import pdf
    from veriflow.imaging.inspect import ImageLimits, RejectedImage, inspect_image

    settings = get_verification_settings()
    s3 = aws.client("s3")
    head = s3.head_object(Bucket=landed.bucket, Key=landed.key)
    if head["ContentLength"] > settings.upload_max_bytes:
        return "too_large", f"The file is larger than {settings.upload_max_bytes} bytes."
    data: bytes = s3.get_object(Bucket=landed.bucket, Key=landed.key)["Body"].read()
    try:
        if pdf.is_pdf(data):
            if declared != "application/pdf":
                return "type_mismatch", f"The file is a PDF document but was sent as {declared}."
            found = pdf.inspect_pdf(data, pdf.PdfLimits(settings.upload_max_bytes, settings.upload_max_pdf_pages,
                                                        settings.upload_max_pixels))
            return Checked("pdf", found.size, found.sha256, found.width, found.height, found.pages)
        image = inspect_image(data, ImageLimits(max_bytes=settings.upload_max_bytes,
                                                max_pixels=settings.upload_max_pixels,
                                                max_metadata_bytes=settings.upload_max_metadata_bytes),
                              declared_type=declared)
    except RejectedImage as refused:
        return refused.code, refused.message
    kind: Literal["jpeg", "png"] = "jpeg" if image.kind == "jpeg" else "png"
    return Checked(kind, image.size, image.sha256, image.width, image.height, None)


def _reject(upload_id: uuid.UUID, code: str, reason: str) -> None:
    with session_scope() as session:
        upload = session.scalars(select(Upload).where(Upload.id == upload_id).with_for_update()).one()
        if upload.status == "awaiting_file":
            upload.status, upload.rejection_code, upload.rejection = "rejected", code[:40], reason[:300]
            upload.received_at = utcnow()
    logger.info("upload refused", extra={"upload_id": str(upload_id), "code": code, "reason": reason})


def _mark_processing(upload_id: uuid.UUID, checked: Checked) -> bool:
    with session_scope() as session:
        upload = session.scalars(select(Upload).where(Upload.id == upload_id).with_for_update()).one()
        if upload.status != "awaiting_file":
            return False
        upload.status, upload.received_at = "processing", utcnow()
        upload.kind, upload.size, upload.sha256 = checked.kind, checked.size, checked.sha256
        upload.width, upload.height, upload.pages = checked.width, checked.height, checked.pages
    return True


def _start(landed: Landed, upload_id: uuid.UUID, kind: str | None) -> None:
    if kind is None:
        with session_scope() as session:
            upload = session.get(Upload, upload_id)
            assert upload is not None
            assert upload.kind is not None
            kind = upload.kind
    payload = PipelineInput(upload_id=upload_id, bucket=landed.bucket, key=landed.key,
                            kind=kind)
    sfn = aws.client("stepfunctions")
    try:
        started: dict[str, Any] = sfn.start_execution(
            stateMachineArn=get_verification_settings().state_machine(), name=str(upload_id),
            input=json.dumps(payload.model_dump(mode="json")))
    except ClientError as error:
        if error.response["Error"]["Code"] != "ExecutionAlreadyExists":
            raise
        logger.info("verification already started", extra={"upload_id": str(upload_id)})
        return
    with session_scope() as session:
        upload = session.get(Upload, upload_id)
        if upload is not None and upload.execution_arn is None:
            upload.execution_arn = started["executionArn"]
