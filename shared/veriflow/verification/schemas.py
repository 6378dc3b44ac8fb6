"""What the upload and verification routes accept and return, and what the pipeline's tasks pass on."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from veriflow.forensics.assessment import Finding, Kind

Purpose = Literal["certificate_check", "submission"]
UploadStatus = Literal["awaiting_file", "rejected", "processing", "done"]
ContentType = Literal["image/jpeg", "image/png", "application/pdf"]
LayerName = Literal["metadata", "ela", "vision", "registry", "chain", "geo"]
LayerStatus = Literal["ok", "skipped", "error"]
Verdict = Literal["authentic", "suspicious", "tampered", "unverifiable"]


class UploadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: ContentType = Field(description="the file's type, enforced by the upload policy")
    purpose: Purpose = "certificate_check"
    certificate_id: uuid.UUID | None = Field(default=None, description="the certificate the file claims to be")
    org_id: uuid.UUID | None = Field(
        default=None, description="upload for this organization (an API key: always its own); else for yourself")


class PresignedPost(BaseModel):
    """Send `fields` and then the file as multipart/form-data to `url`."""

    url: str
    fields: dict[str, str]
    expires_at: datetime
    max_bytes: int


class UploadPublic(BaseModel):
    id: uuid.UUID
    status: UploadStatus
    purpose: Purpose
    certificate_id: uuid.UUID | None
    owner_user_id: uuid.UUID | None
    owner_org_id: uuid.UUID | None
    kind: Kind | None
    size: int | None
    sha256: str | None
    rejection_code: str | None
    rejection: str | None
    verification_id: uuid.UUID | None = Field(description="the report's id once it is done (the upload's id)")
    created_at: datetime
    received_at: datetime | None
    completed_at: datetime | None


class UploadCreated(BaseModel):
    upload: UploadPublic
    post: PresignedPost


class LayerResult(BaseModel):
    """One layer's part of the verdict. `evidence` names files in the uploads bucket (the report
    turns them into short-lived links)."""

    layer: LayerName
    status: LayerStatus
    score: float | None = Field(default=None, ge=0.0, le=1.0)
    weight: int
    duration_ms: int | None = None
    reason: str | None = None
    findings: list[Finding] = Field(default_factory=list)
    facts: dict[str, JsonValue] = Field(default_factory=dict)
    evidence: dict[str, str] = Field(default_factory=dict)


class PipelineInput(BaseModel):
    """The execution's input, which every layer task receives."""

    upload_id: uuid.UUID
    bucket: str
    key: str
    kind: Kind


class LayerInput(PipelineInput):
    """What a layer task receives: the execution's input and, for the layers that run after the
    registry layer (chain, vision), its result."""

    registry: dict[str, JsonValue] | None = None


class VerdictInput(PipelineInput):
    layers: list[LayerResult | dict[str, JsonValue]]


class EvidenceLink(BaseModel):
    name: str
    url: str
    expires_at: datetime


class LayerPublic(BaseModel):
    layer: LayerName
    status: LayerStatus
    score: float | None
    weight: int
    duration_ms: int | None
    reason: str | None
    findings: list[Finding]
    facts: dict[str, JsonValue]
    evidence: list[EvidenceLink]


class VerificationPublic(BaseModel):
    id: uuid.UUID
    upload_id: uuid.UUID
    trust_score: int | None = Field(description="0-100 over the layers that ran; null when none ran")
    confidence: float = Field(description="the share of the layers' weight that ran (0-1)")
    verdict: Verdict
    layers: list[LayerPublic]
    created_at: datetime
