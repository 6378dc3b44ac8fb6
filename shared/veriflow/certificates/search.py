"""Listing an organization's certificates: filters, full-text search on the recipient's name and
the title (PostgreSQL: a GIN index over `to_tsvector('simple', ...)`, word prefixes; SQLite: the
same word-prefix match with LIKE), or an exact certificate id. Newest first, cursor pages."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import cast

from sqlalchemy import Select, and_, false, func, or_, select, text
from sqlalchemy.orm import Session

from veriflow.access.deps import check_org_permission
from veriflow.access.permissions import CERTIFICATES_READ
from veriflow.access.principal import Principal
from veriflow.certificates.models import Certificate
from veriflow.core.pagination import Page, paginate

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8
# Must stay the expression of the index in migration 0008, or PostgreSQL cannot use it.
_TSVECTOR = "to_tsvector('simple', certificates.recipient_name || ' ' || certificates.title)"


def _status(query: Select[tuple[Certificate]], status: str, now: datetime) -> Select[tuple[Certificate]]:
    live = and_(Certificate.revoked_at.is_(None),
                or_(Certificate.expires_at.is_(None), Certificate.expires_at > now))
    if status == "revoked":
        return query.where(Certificate.revoked_at.is_not(None))
    if status == "expired":
        return query.where(Certificate.revoked_at.is_(None), Certificate.expires_at <= now)
    return query.where(Certificate.status == status, live)


def _text(query: Select[tuple[Certificate]], q: str, dialect: str) -> Select[tuple[Certificate]]:
    try:
        return query.where(Certificate.id == uuid.UUID(q.strip()))
    except ValueError:
        pass
    terms = [term.lower() for term in _WORD.findall(q)][:MAX_TERMS]
    if not terms:
        return query.where(false())
    if dialect == "postgresql":
        tsquery = " & ".join(f"{term}:*" for term in terms)  # \w+ only: nothing to_tsquery would parse
        return query.where(text(f"{_TSVECTOR} @@ to_tsquery('simple', :tsquery)").bindparams(tsquery=tsquery))
    haystack = func.lower(" " + Certificate.recipient_name + " " + Certificate.title)
    for term in terms:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(haystack.like(f"% {escaped}%", escape="\\"))
    return query


def list_certificates(
    session: Session, principal: Principal, org_id: uuid.UUID, *, now: datetime, q: str | None = None,
    status: str | None = None, recipient_email: str | None = None, issued_from: datetime | None = None,
    issued_to: datetime | None = None, limit: int, cursor: str | None,
) -> Page[Certificate]:
    check_org_permission(session, principal, org_id, CERTIFICATES_READ)
    query = cast("Select[tuple[Certificate]]", select(Certificate).where(Certificate.org_id == org_id))
    if status:
        query = _status(query, status, now)
    if recipient_email:
        query = query.where(Certificate.recipient_email == recipient_email)
    if issued_from:
        query = query.where(Certificate.issued_at >= issued_from)
    if issued_to:
        query = query.where(Certificate.issued_at < issued_to)
    if q:
        query = _text(query, q, session.get_bind().dialect.name)
    return paginate(session, query, Certificate.created_at, Certificate.id, limit=limit, cursor=cursor)
