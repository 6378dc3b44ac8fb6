"""Uploads asked for and looked at: who owns one, and who may see it and its report (the owner,
the owning organization's members with `verifications:read`, platform reviewers; everyone else 404)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from veriflow.access.deps import check_org_permission
from veriflow.access.permissions import REVIEW_QUEUE, VERIFICATIONS_CREATE, VERIFICATIONS_READ
from veriflow.access.principal import Principal
from veriflow.core.errors import Forbidden, NotFound
from veriflow.core.types import new_id
from veriflow.verification import storage
from veriflow.verification.models import Upload, VerificationReport
from veriflow.verification.schemas import PresignedPost, UploadCreate

MISSING = "No such upload."
NO_REPORT = "No such verification."


def create(session: Session, principal: Principal, body: UploadCreate,
           client_ip: str | None) -> tuple[Upload, PresignedPost]:
    """A new upload waiting for its file, and the presigned POST to send it with."""
    owner_user, owner_org = _owner(session, principal, body.org_id)
    upload_id = new_id()
    owner = owner_org if owner_org is not None else owner_user
    assert owner is not None  # a person's own upload, or an organization's
    key = storage.incoming_key(owner, upload_id)
    upload = Upload(id=upload_id, owner_user_id=owner_user, owner_org_id=owner_org,
                    created_by_key=principal.id if principal.kind == "api_key" else None, purpose=body.purpose,
                    content_type=body.content_type,
                    claimed_certificate_id=body.certificate_id, object_key=key, client_ip=client_ip)
    session.add(upload)
    session.flush()
    return upload, storage.presigned_post(key, body.content_type)


def _owner(session: Session, principal: Principal,
           org_id: uuid.UUID | None) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    if principal.kind == "api_key":
        if org_id is not None and org_id != principal.org_id:
            raise NotFound("No such organization.")
        assert principal.org_id is not None
        check_org_permission(session, principal, principal.org_id, VERIFICATIONS_CREATE)
        return None, principal.org_id
    if org_id is not None:
        check_org_permission(session, principal, org_id, VERIFICATIONS_CREATE)
        return None, org_id
    return principal.id, None


def get(session: Session, principal: Principal, upload_id: uuid.UUID) -> Upload:
    upload = session.get(Upload, upload_id)
    if upload is None or not may_read(session, principal, upload):
        raise NotFound(MISSING)
    return upload


# What the issuer of a forged certificate sees of the forgery's report: where it was altered and
# the proof, never the uploader's own data (their file's metadata, their place).
ISSUER_LAYERS = frozenset({"registry", "chain"})


def report(session: Session, principal: Principal, upload_id: uuid.UUID) -> tuple[VerificationReport, bool]:
    """The report, and whether the reader sees all of it (else only ISSUER_LAYERS)."""
    upload = session.get(Upload, upload_id)
    found = session.get(VerificationReport, upload_id) if upload is not None else None
    if upload is None or found is None:
        raise NotFound(NO_REPORT)
    if may_read(session, principal, upload):
        return found, True
    if _issuer_may_read(session, principal, found):
        return found, False
    raise NotFound(NO_REPORT)


def _issuer_may_read(session: Session, principal: Principal, found: VerificationReport) -> bool:
    """Members (with verifications:read) of the organization whose certificate the upload is an
    altered copy of: the tamper notice sends them here."""
    registry = next((layer for layer in found.layers if layer.get("layer") == "registry"), None)
    facts = (registry or {}).get("facts") or {}
    if facts.get("match") != "edited" or not facts.get("org_id"):
        return False
    try:
        check_org_permission(session, principal, uuid.UUID(str(facts["org_id"])), VERIFICATIONS_READ)
    except (NotFound, Forbidden, ValueError):
        return False
    return True


def may_read(session: Session, principal: Principal, upload: Upload) -> bool:
    if principal.kind == "user" and (upload.owner_user_id == principal.id or REVIEW_QUEUE in principal.permissions):
        return True
    if upload.owner_org_id is None:
        return False
    try:
        check_org_permission(session, principal, upload.owner_org_id, VERIFICATIONS_READ)
    except (NotFound, Forbidden):  # an outsider and a member without the permission alike: unseen
        return False
    return True
