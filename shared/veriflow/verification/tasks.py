"""The pipeline's layer tasks (one Lambda each, run in parallel by the state machine): read the
file, run the layer's analysis, store its evidence files, return the layer's result. A task
touches no row; the verdict stores everything once. Transient AWS trouble raises
`LayerUnavailable`, which the state machine retries; anything else is caught there and becomes
that layer's `error`."""

from __future__ import annotations

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
from veriflow.forensics.assessment import Assessment
from veriflow.identity.org_models import Organization
from veriflow.verification import offline, storage
from veriflow.verification.models import Upload
from veriflow.verification.schemas import LayerName, LayerResult, PipelineInput
from veriflow.verification.scoring import WEIGHTS

MAX_FINDINGS = 40  # a layer's result travels in the execution's state (256 KiB in all)
HISTORY_DAYS = 30
HISTORY_UPLOADS = 20
_TRANSIENT = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "Throttling"}


class LayerUnavailable(Exception):
    """A dependency of the layer failed in a way worth retrying (the ASL's Retry names this class)."""


def run(layer: LayerName, event: dict[str, Any]) -> dict[str, Any]:
    task = PipelineInput.model_validate(event)
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
    try:
        body: bytes = aws.client("s3").get_object(Bucket=task.bucket, Key=task.key)["Body"].read()
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


def _not_yet(reason: str) -> Callable[[PipelineInput], Assessment]:
    def skipped(task: PipelineInput) -> Assessment:
        return Assessment.skipped(reason)

    return skipped


ANALYSES: dict[LayerName, Callable[[PipelineInput], Assessment]] = {
    "metadata": metadata,
    "ela": ela,
    "geo": geo,
    # Completed by the registry, chain and vision work; until then they say so and weigh nothing.
    "vision": _not_yet("The AI vision layer is not available yet: no provider is configured."),
    "registry": _not_yet("Registry matching against issued certificates is not available yet."),
    "chain": _not_yet("The on-chain proof check needs a registry match, which is not available yet."),
}
