"""The pipeline's layer tasks (one Lambda each, run in parallel by the state machine): read the
file, run the layer's analysis, store its evidence files, return the layer's result. A task
touches no row; the verdict stores everything once. Transient AWS trouble raises
`LayerUnavailable`, which the state machine retries; anything else is caught there and becomes
that layer's `error`."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import Uuid, column, select, table
from sqlalchemy.orm import Session

from veriflow.core import aws
from veriflow.core.db import session_scope
from veriflow.core.settings import SettingsError
from veriflow.forensics.assessment import Assessment
from veriflow.identity.org_models import Organization
from veriflow.verification import offline, storage
from veriflow.verification.models import Upload
from veriflow.verification.schemas import LayerInput, LayerName, LayerResult, PipelineInput
from veriflow.verification.scoring import WEIGHTS
from veriflow.verification.settings import get_verification_settings

MAX_FINDINGS = 40  # a layer's result travels in the execution's state (256 KiB in all)
HISTORY_DAYS = 30
HISTORY_UPLOADS = 20
_TRANSIENT = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "Throttling"}


class LayerUnavailable(Exception):
    """A dependency of the layer failed in a way worth retrying (the ASL's Retry names this class)."""


def run(layer: LayerName, event: dict[str, Any]) -> dict[str, Any]:
    task = LayerInput.model_validate(event)
    started = time.perf_counter()
    assessment = ANALYSES[layer](task)
    evidence = {name: _store(task, layer, name, body) for name, body in sorted(assessment.artifacts.items())}
    result = LayerResult(
        layer=layer, status=assessment.status, score=assessment.score if assessment.status == "ok" else None,
        weight=WEIGHTS[layer], duration_ms=round((time.perf_counter() - started) * 1000),
        reason=assessment.reason, findings=assessment.findings[:MAX_FINDINGS], facts=assessment.facts,
        evidence=evidence,
    )
    return result.model_dump(mode="json")


def _read(task: PipelineInput) -> bytes:
    return _read_object(task.bucket, task.key)


def _read_object(bucket: str, key: str) -> bytes:
    try:
        body: bytes = aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response["Error"]["Code"] in _TRANSIENT:
            raise LayerUnavailable(f"The file could not be read: {error.response['Error']['Code']}.") from error
        raise
    except BotoCoreError as error:
        raise LayerUnavailable(f"The file could not be read: {type(error).__name__}.") from error
    return body


def _store(task: PipelineInput, layer: str, name: str, body: bytes) -> str:
    key = storage.evidence_key(task.upload_id, layer, name)
    aws.client("s3").put_object(Bucket=task.bucket, Key=key, Body=body, ContentType="image/png")
    return key


def metadata(task: PipelineInput) -> Assessment:
    return offline.analyse("metadata", _read(task), task.kind)


def ela(task: PipelineInput) -> Assessment:
    return offline.analyse("ela", _read(task), task.kind)


def geo(task: PipelineInput) -> Assessment:
    from veriflow.forensics import geo as analysis

    with session_scope() as session:
        upload = session.get(Upload, task.upload_id)
        if upload is None:
            raise LookupError(f"No upload {task.upload_id}.")
        owner = (Upload.owner_user_id == upload.owner_user_id if upload.owner_user_id is not None
                 else Upload.owner_org_id == upload.owner_org_id)
        since = upload.created_at - timedelta(days=HISTORY_DAYS)
        earlier = session.execute(
            select(Upload.created_at, Upload.client_ip, Upload.gps_lat, Upload.gps_lon)
            .where(owner, Upload.id != upload.id, Upload.status == "done", Upload.created_at >= since,
                   Upload.created_at <= upload.created_at)
            .order_by(Upload.created_at.desc()).limit(HISTORY_UPLOADS)
        ).all()
        uploaded_at, ip = upload.created_at, upload.client_ip
        issuer_country = _issuer_country(session, upload.claimed_certificate_id)
    data = _read(task)
    history = [analysis.PastUpload(at=at, country=analysis.country_of_ip(past_ip) if past_ip else None,
                                   lat=lat, lon=lon) for at, past_ip, lat, lon in earlier]
    return analysis.analyse(analysis.GeoInput(
        uploaded_at=uploaded_at, ip=ip, gps=analysis.gps_of(data, task.kind), taken_at=None,
        issuer_country=issuer_country, history=history))


# The certificate an upload claims to be, read as a plain table: the issuer's country is all it needs.
_CERTIFICATES = table("certificates", column("id", Uuid()), column("org_id", Uuid()))


def _issuer_country(session: Session, certificate_id: uuid.UUID | None) -> str | None:
    if certificate_id is None:
        return None
    country: str | None = session.scalar(
        select(Organization.country).join(_CERTIFICATES, _CERTIFICATES.c.org_id == Organization.id)
        .where(_CERTIFICATES.c.id == certificate_id))
    return country


def registry(task: LayerInput) -> Assessment:
    from veriflow.forensics.registry_diff import compare
    from veriflow.imaging.phash import phash
    from veriflow.verification import registry as layer

    data = _read(task)
    max_pixels = get_verification_settings().upload_max_pixels
    image = layer.decode(data, task.kind, max_pixels)
    with session_scope() as session:
        upload = session.get(Upload, task.upload_id)
        if upload is None:
            raise LookupError(f"No upload {task.upload_id}.")
        lookup = layer.find_candidates(session, hashlib.sha256(data).hexdigest(), phash(image),
                                       upload.claimed_certificate_id)

    def load(record: layer.Registered) -> Any:
        # Only a pixel comparison reads a registered image (an exact copy or no candidate reads none).
        return layer.decode(_read_object(_certificates_bucket(), record.image_key), "image", max_pixels)

    return layer.assess(image, lookup, load, compare)


def _certificates_bucket() -> str:
    # Read per call: locally every function shares one process, and only some are given the bucket.
    bucket = os.environ.get("CERTIFICATE_IMAGES_BUCKET")
    if not bucket:
        raise SettingsError("CERTIFICATE_IMAGES_BUCKET", "required by the registry layer; the template sets it")
    return bucket


def chain(task: LayerInput) -> Assessment:
    from veriflow.chain.reader import connect_reader
    from veriflow.verification import chain_check

    certificate_id = chain_check.matched_certificate(task.registry)
    if certificate_id is None:
        return Assessment.skipped(chain_check.skipped_reason(task.registry))
    with session_scope() as session:
        document = chain_check.proof_of(session, certificate_id)
    if document is None:
        return Assessment.skipped(f"Certificate {certificate_id} is not anchored yet; its proof exists once it is.",
                                  certificate_id=str(certificate_id))
    try:
        reader = connect_reader()
    except SettingsError:
        return Assessment.skipped("This service has no chain node configured to check proofs.")
    return chain_check.check(certificate_id, document, reader)


VISION_MAX_SIDE = 2048  # what providers read well and accept (Bedrock: 8,000 px and 3.75 MB at most)


def vision(task: LayerInput) -> Assessment:
    from veriflow.ai.chain import chain_from_settings
    from veriflow.ai.settings import get_ai_settings
    from veriflow.forensics import vision as analysis

    settings = get_ai_settings()
    chain = chain_from_settings(settings)
    if not chain.providers:
        return Assessment.skipped("No AI provider is configured.")
    registry: dict[str, Any] = task.registry or {}
    facts = registry.get("facts")
    matched = registry.get("status") == "ok" and isinstance(facts, dict)
    record = analysis.RegistryRecord.from_facts(facts.get("record")) if matched and isinstance(facts, dict) else None
    image, media_type = _for_model(_read(task), task.kind)
    return analysis.analyse(image, media_type, record, chain, settings.ai_max_tokens)


def _for_model(data: bytes, kind: str) -> tuple[bytes, Any]:
    """The file as a provider reads it: a JPEG or PNG no larger than VISION_MAX_SIDE (a PDF's first page)."""
    import io

    from veriflow.verification.registry import decode

    if kind in ("jpeg", "png") and len(data) <= 3_500_000:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as opened:
            if max(opened.size) <= VISION_MAX_SIDE:
                return data, f"image/{kind}"
    image = decode(data, kind, get_verification_settings().upload_max_pixels)
    image.thumbnail((VISION_MAX_SIDE, VISION_MAX_SIDE))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue(), "image/jpeg"


ANALYSES: dict[LayerName, Callable[[LayerInput], Assessment]] = {
    "metadata": metadata,
    "ela": ela,
    "geo": geo,
    "vision": vision,
    "registry": registry,
    "chain": chain,
}
