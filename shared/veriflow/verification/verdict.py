"""The pipeline's last task: the layers' results combined as DESIGN §3 says, the report stored once
(keyed by the upload: a re-run of the execution finds it and changes nothing), the upload `done`,
the uploader told (in-app) or the uploading organization (a `verification.completed` webhook), and
metrics for the verdict, the score and each layer."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from sqlalchemy import select
from sqlalchemy.orm import Session

from veriflow.core.db import session_scope
from veriflow.core.observability import logger, metrics
from veriflow.core.types import utcnow
from veriflow.messaging.notification import Category, Channel, NotificationMessage, Recipients
from veriflow.messaging.notify import enqueue_after_commit
from veriflow.verification.models import Upload, VerificationReport
from veriflow.verification.schemas import LayerName, LayerResult, VerdictInput
from veriflow.verification.scoring import LAYERS, WEIGHTS, Score, score
from veriflow.verification.settings import get_verification_settings

NAMESPACE_DIMENSION = "Verification"


def complete(event: dict[str, Any], execution_name: str) -> dict[str, Any]:
    # The registry's branch reports its layers and those built on its match as one nested list.
    task = VerdictInput.model_validate({**event, "layers": list(_flatten(event.get("layers") or []))})
    layers = _all_layers(task.layers)
    result = score(layers, get_verification_settings().verification_min_confidence)
    with session_scope() as session:
        upload = session.scalars(select(Upload).where(Upload.id == task.upload_id).with_for_update()).one_or_none()
        if upload is None:
            raise LookupError(f"No upload {task.upload_id}.")
        stored = session.get(VerificationReport, task.upload_id)
        if stored is not None:
            logger.info("report already stored", extra={"upload_id": str(task.upload_id)})
            return _summary(stored.upload_id, Score(stored.trust_score, stored.confidence,
                                                    stored.verdict))  # type: ignore[arg-type]
        session.add(VerificationReport(
            upload_id=upload.id, trust_score=result.trust_score, confidence=result.confidence,
            verdict=result.verdict, layers=[layer.model_dump(mode="json") for layer in layers],
            execution_name=execution_name[:80]))
        upload.status, upload.completed_at = "done", utcnow()
        _remember_place(upload, layers)
        _notify(session, upload, result)
        _tell_issuer(session, upload, layers)
    _measure(layers, result)
    return _summary(task.upload_id, result)


def _flatten(items: list[Any]) -> Iterator[Any]:
    for item in items:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


def _all_layers(reported: list[LayerResult | dict[str, Any]]) -> list[LayerResult]:
    """Every layer once, in the weights' order; a caught failure or a missing branch is `error`."""
    found: dict[LayerName, LayerResult] = {}
    for item in reported:
        layer = item if isinstance(item, LayerResult) else _from_catch(item)
        if layer is not None:
            found.setdefault(layer.layer, layer)
    return [found.get(name) or LayerResult(layer=name, status="error", weight=WEIGHTS[name],
                                           reason="The layer reported no result.") for name in LAYERS]


def _from_catch(item: dict[str, Any]) -> LayerResult | None:
    name = item.get("layer")
    if name not in WEIGHTS:
        return None
    if item.get("status") != "error":
        return LayerResult.model_validate(item)
    error = str(item.get("error") or "Error")[:80]
    cause = _cause(item.get("cause"))
    reason = f"The layer failed ({error}){': ' + cause if cause else ''}."
    return LayerResult(layer=name, status="error", weight=WEIGHTS[name], reason=reason[:300])


def _cause(cause: object) -> str:
    """The failure's message: Lambda's error document carries it as `errorMessage`."""
    import json

    if not isinstance(cause, str) or not cause:
        return ""
    try:
        parsed = json.loads(cause)
    except ValueError:
        return cause[:200].rstrip(".")
    message = parsed.get("errorMessage") if isinstance(parsed, dict) else None
    return str(message or cause)[:200].rstrip(".")


def _remember_place(upload: Upload, layers: list[LayerResult]) -> None:
    """Where the file says it was made and where it came from, for later uploads' travel checks."""
    geo = next((layer for layer in layers if layer.layer == "geo" and layer.status == "ok"), None)
    if geo is None:
        return
    country, gps = geo.facts.get("ip_country"), geo.facts.get("gps")
    if isinstance(country, str) and len(country) == 2:
        upload.ip_country = country
    if isinstance(gps, list) and len(gps) == 2 and all(isinstance(v, (int, float)) for v in gps):
        upload.gps_lat, upload.gps_lon = float(gps[0]), float(gps[1])  # type: ignore[arg-type]


def _notify(session: Session, upload: Upload, result: Score) -> None:
    data = {"upload_id": str(upload.id), "verification_id": str(upload.id), "verdict": result.verdict,
            "trust_score": result.trust_score, "confidence": result.confidence, "purpose": upload.purpose,
            "certificate_id": str(upload.claimed_certificate_id) if upload.claimed_certificate_id else None}
    if upload.owner_user_id is not None:
        enqueue_after_commit(session, NotificationMessage(
            idempotency_key=f"verification.completed:{upload.id}",
            recipients=Recipients(user_ids=[upload.owner_user_id]),
            category=Category.VERIFICATION, template="verification.completed", data=data,
            channels=[Channel.IN_APP]))
    if upload.owner_org_id is not None:
        enqueue_after_commit(session, NotificationMessage(
            idempotency_key=f"verification.completed:{upload.id}:webhook",
            recipients=Recipients(org_id=upload.owner_org_id), category=Category.VERIFICATION,
            template="verification.completed", data=data, channels=[Channel.WEBHOOK]))


def _tell_issuer(session: Session, upload: Upload, layers: list[LayerResult]) -> None:
    """An altered copy of a certificate: its issuer hears of it in the app and by webhook, with
    where the copy differs (the report's evidence is theirs to read)."""
    registry = next((layer for layer in layers if layer.layer == "registry" and layer.status == "ok"), None)
    if registry is None or registry.facts.get("match") != "edited":
        return
    facts, record = registry.facts, registry.facts.get("record")
    record = record if isinstance(record, dict) else {}
    data = {"upload_id": str(upload.id), "verification_id": str(upload.id),
            "certificate_id": facts.get("certificate_id"), "title": record.get("title"),
            "recipient_name": record.get("recipient_name"), "regions": facts.get("regions") or [],
            "note": facts.get("note"), "evidence": sorted(registry.evidence)}
    issuer = Recipients(org_id=uuid.UUID(str(facts["org_id"])))
    enqueue_after_commit(session, NotificationMessage(
        idempotency_key=f"certificate.tamper_detected:{upload.id}", recipients=issuer,
        category=Category.VERIFICATION, template="certificate.tamper_detected", data=data,
        channels=[Channel.WEBHOOK]))
    enqueue_after_commit(session, NotificationMessage(
        idempotency_key=f"certificate.tamper_detected:{upload.id}:in_app", recipients=issuer,
        category=Category.VERIFICATION, template="certificates.tamper_detected", data=data,
        channels=[Channel.IN_APP]))


def _measure(layers: list[LayerResult], result: Score) -> None:
    if metrics.namespace is None:  # created before this function's environment (functions sharing a process)
        metrics.namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Veriflow")
    metrics.add_dimension(name="Pipeline", value=NAMESPACE_DIMENSION)
    metrics.add_metric(name=f"Verdict_{result.verdict}", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Confidence", unit=MetricUnit.Percent, value=round(100 * result.confidence, 1))
    if result.trust_score is not None:
        metrics.add_metric(name="TrustScore", unit=MetricUnit.Count, value=result.trust_score)
    for layer in layers:
        metrics.add_metric(name=f"Layer_{layer.layer}_{layer.status}", unit=MetricUnit.Count, value=1)
        if layer.duration_ms is not None:
            metrics.add_metric(name=f"Layer_{layer.layer}_duration", unit=MetricUnit.Milliseconds,
                               value=layer.duration_ms)


def _summary(upload_id: uuid.UUID, result: Score) -> dict[str, Any]:
    return {"upload_id": str(upload_id), "verdict": result.verdict, "trust_score": result.trust_score,
            "confidence": result.confidence}
