"""/v1/certificates (issuers and readers of an organization) and /v1/verify (anyone)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, Query, Response
from fastapi.responses import HTMLResponse, JSONResponse

from veriflow.access.deps import CurrentPrincipal
from veriflow.access.limits import per_principal
from veriflow.certificates import public, search, service
from veriflow.certificates.models import Certificate
from veriflow.certificates.schemas import (
    BulkCreate,
    BulkIssued,
    BulkRow,
    CertificateCreate,
    CertificatePage,
    CertificatePublic,
    Issued,
    Revoke,
    Status,
    Upload,
    VerificationPublic,
)
from veriflow.certificates.settings import get_certificate_settings
from veriflow.core.deps import PageCursor, PageLimit, SessionDep
from veriflow.core.fields import DateTimeText
from veriflow.core.ratelimit import Limit, per_ip
from veriflow.core.routing import APIRouter
from veriflow.core.types import utcnow
from veriflow.identity.emails import Email

router = APIRouter(prefix="/v1/certificates", tags=["certificates"])
verify_router = APIRouter(prefix="/v1/verify", tags=["verify"])
Limited = [Depends(per_principal)]


def _public_limit() -> Limit:
    # Anyone may verify: a generous budget per client IP (VERIFY_PER_IP_PER_MIN), a page and its QR code.
    return Limit("verify.ip", get_certificate_settings().verify_per_ip_per_min, 60)


PUBLIC = per_ip(_public_limit)


def to_public(certificate: Certificate) -> CertificatePublic:
    return CertificatePublic(
        id=certificate.id, org_id=certificate.org_id, client_key=certificate.client_key,
        recipient_name=certificate.recipient_name, recipient_email=certificate.recipient_email,
        title=certificate.title, description=certificate.description, issued_at=certificate.issued_at,
        expires_at=certificate.expires_at, metadata=certificate.extra,
        status=service.public_status(certificate, utcnow()),
        image_rejection=certificate.image_rejection, image_sha256=certificate.image_sha256,
        image_phash=certificate.image_phash, document_sha256=certificate.document_sha256,
        revoked_at=certificate.revoked_at, revoked_reason=certificate.revoked_reason,
        verify_url=get_certificate_settings().verify_url(certificate.id), created_at=certificate.created_at,
    )


@router.post("", status_code=201, dependencies=Limited)
def issue(body: CertificateCreate, session: SessionDep, principal: CurrentPrincipal) -> Issued:
    """Issues a certificate; it waits for its image, sent with the returned presigned POST."""
    org_id = service.issuing_org(principal, body.org_id)
    [result] = service.issue_many(session, principal, org_id, [body], bulk=False)
    return Issued(certificate=to_public(result.certificate), upload=result.upload)


@router.post("/bulk", status_code=201, dependencies=Limited)
def issue_bulk(body: BulkCreate, session: SessionDep, principal: CurrentPrincipal) -> BulkIssued:
    """Up to 1,000 certificates, all or none; each row's client key makes a retry safe."""
    org_id = service.issuing_org(principal, body.org_id)
    results = service.issue_many(session, principal, org_id, body.items, bulk=True)
    return BulkIssued(data=[BulkRow(row=index, created=r.created, certificate=to_public(r.certificate),
                                    upload=r.upload) for index, r in enumerate(results)])


@router.get("", dependencies=Limited)
def list_certificates(
    session: SessionDep, principal: CurrentPrincipal,
    org_id: Annotated[uuid.UUID | None, Query(description="the organization (an API key: its own)")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200, description="words of the recipient's name or "
                                   "the title (prefixes match), or a certificate id")] = None,
    status: Status | None = None, recipient_email: Email | None = None,
    issued_from: DateTimeText | None = None, issued_to: DateTimeText | None = None,
    limit: PageLimit = 50, cursor: PageCursor = None,
) -> CertificatePage:
    page = search.list_certificates(
        session, principal, service.issuing_org(principal, org_id, listing=True), now=utcnow(), q=q, status=status,
        recipient_email=recipient_email, issued_from=issued_from, issued_to=issued_to, limit=limit, cursor=cursor)
    return CertificatePage(data=[to_public(c) for c in page.items], next_cursor=page.next_cursor)


@router.get("/{certificate_id}", dependencies=Limited)
def get_certificate(certificate_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> CertificatePublic:
    return to_public(service.get(session, principal, certificate_id))


@router.post("/{certificate_id}/image", status_code=201, dependencies=Limited)
def new_image_upload(certificate_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> Upload:
    """Another presigned POST for a certificate whose image was refused or never sent."""
    return service.new_upload(session, principal, certificate_id)


@router.post("/{certificate_id}/revoke", dependencies=Limited)
def revoke(
    certificate_id: uuid.UUID, body: Revoke, session: SessionDep, principal: CurrentPrincipal
) -> CertificatePublic:
    """Revokes for good, with the reason; verification shows it as revoked from then on."""
    return to_public(service.revoke(session, principal, certificate_id, body.reason))


@router.get("/{certificate_id}/proof", dependencies=[PUBLIC])
def proof(certificate_id: str, session: SessionDep) -> dict[str, object]:
    """Public: the self-contained proof of an anchored certificate (check it without us)."""
    return public.proof(session, certificate_id)


@verify_router.get("/{certificate_id}", dependencies=[PUBLIC], response_model=VerificationPublic,
                   responses={200: {"content": {"text/html": {}}, "description": "JSON, or a page for browsers"}})
def verify(
    certificate_id: str, session: SessionDep,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Public: integrity, issuance and issuer as separate results, and the verdict. A browser
    (Accept: text/html) gets the same as a page."""
    from veriflow.certificates import page

    result = public.verify(session, certificate_id, utcnow())
    if page.wants_html(accept):
        return HTMLResponse(page.render(public.page_context(result)), headers=page.HEADERS)
    return JSONResponse(result, headers={"Cache-Control": "no-store", "Vary": "Accept"})


@verify_router.get("/{certificate_id}/qr.png", dependencies=[PUBLIC],
                   responses={200: {"content": {"image/png": {}}, "description": "the QR code of the verify URL"}})
def qr_code(certificate_id: str, session: SessionDep) -> Response:
    return Response(public.qr_png(certificate_id, session), media_type="image/png",
                    headers={"Cache-Control": "public, max-age=86400"})
