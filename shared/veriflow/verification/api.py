"""/v1/uploads (ask for a presigned POST, follow the upload) and /v1/verifications (the report)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import Depends, Request

from veriflow.access.deps import CurrentPrincipal
from veriflow.access.limits import per_principal
from veriflow.core.deps import SessionDep
from veriflow.core.middleware import client_ip
from veriflow.core.routing import APIRouter
from veriflow.core.types import utcnow
from veriflow.verification import service, storage
from veriflow.verification.models import Upload, VerificationReport
from veriflow.verification.schemas import (
    EvidenceLink,
    LayerPublic,
    LayerResult,
    UploadCreate,
    UploadCreated,
    UploadPublic,
    VerificationPublic,
)
from veriflow.verification.settings import get_verification_settings

router = APIRouter(prefix="/v1/uploads", tags=["uploads"])
reports_router = APIRouter(prefix="/v1/verifications", tags=["verifications"])
Limited = [Depends(per_principal)]


def to_public(upload: Upload) -> UploadPublic:
    return UploadPublic(
        id=upload.id, status=upload.status, purpose=upload.purpose,
        certificate_id=upload.claimed_certificate_id, owner_user_id=upload.owner_user_id,
        owner_org_id=upload.owner_org_id, kind=upload.kind, size=upload.size,
        sha256=upload.sha256, rejection_code=upload.rejection_code, rejection=upload.rejection,
        verification_id=upload.id if upload.status == "done" else None, created_at=upload.created_at,
        received_at=upload.received_at, completed_at=upload.completed_at,
    )


def report_public(report: VerificationReport, whole: bool = True) -> VerificationPublic:
    """The report; for the issuer of a forged certificate (`whole` False), its registry and chain layers."""
    expires_at = utcnow() + timedelta(seconds=get_verification_settings().evidence_link_expiry_s)
    layers = []
    for stored in report.layers:
        layer = LayerResult.model_validate(stored)
        if not whole and layer.layer not in service.ISSUER_LAYERS:
            continue
        links = [EvidenceLink(name=name, url=storage.evidence_link(key), expires_at=expires_at)
                 for name, key in sorted(layer.evidence.items())]
        layers.append(LayerPublic(layer=layer.layer, status=layer.status, score=layer.score, weight=layer.weight,
                                  duration_ms=layer.duration_ms, reason=layer.reason, findings=layer.findings,
                                  facts=layer.facts, evidence=links))
    return VerificationPublic(id=report.upload_id, upload_id=report.upload_id, trust_score=report.trust_score,
                              confidence=report.confidence, verdict=report.verdict,
                              layers=layers, created_at=report.created_at)


@router.post("", status_code=201, dependencies=Limited)
def create_upload(body: UploadCreate, request: Request, session: SessionDep,
                  principal: CurrentPrincipal) -> UploadCreated:
    """A presigned POST for one file (JPEG, PNG or PDF); its verification starts when the file lands."""
    upload, post = service.create(session, principal, body, client_ip(request.scope))
    return UploadCreated(upload=to_public(upload), post=post)


@router.get("/{upload_id}", dependencies=Limited)
def get_upload(upload_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> UploadPublic:
    return to_public(service.get(session, principal, upload_id))


@reports_router.get("/{verification_id}", dependencies=Limited)
def get_verification(verification_id: uuid.UUID, session: SessionDep,
                     principal: CurrentPrincipal) -> VerificationPublic:
    """The report: trust score, confidence, verdict, and each layer with its evidence."""
    return report_public(*service.report(session, principal, verification_id))
