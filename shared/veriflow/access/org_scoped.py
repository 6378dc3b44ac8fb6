"""Rows that belong to one organization (invitations, API keys, webhook endpoints), read through
the permission that guards them: a page of them, or one of them. Another organization's row is
not found, exactly like an id that never existed."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from veriflow.access.deps import check_org_permission
from veriflow.access.principal import Principal
from veriflow.core.db import Base
from veriflow.core.errors import NotFound
from veriflow.core.pagination import Page, paginate


def _column(model: type[Base], name: str) -> InstrumentedAttribute[Any]:
    column: InstrumentedAttribute[Any] = getattr(model, name)
    return column


def org_page[Row: Base](
    session: Session, principal: Principal, org_id: uuid.UUID, model: type[Row], permission: str,
    *, limit: int, cursor: str | None,
) -> Page[Row]:
    """The organization's rows of `model` (its `org_id`, `created_at` and `id` columns), newest
    first, one cursor page at a time."""
    check_org_permission(session, principal, org_id, permission)
    query = cast("Select[tuple[Row]]", select(model).where(_column(model, "org_id") == org_id))
    return paginate(session, query, _column(model, "created_at"), _column(model, "id"), limit=limit, cursor=cursor)


def org_row[Row: Base](
    session: Session, principal: Principal, org_id: uuid.UUID, model: type[Row], row_id: uuid.UUID,
    permission: str, missing: str,
) -> Row:
    """One of the organization's rows of `model`, or NotFound(`missing`)."""
    check_org_permission(session, principal, org_id, permission)
    row = session.get(model, row_id)
    if row is None or getattr(row, "org_id", None) != org_id:
        raise NotFound(missing)
    return row
