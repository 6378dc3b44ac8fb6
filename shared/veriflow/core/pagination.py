"""Keyset (cursor) pagination: newest first, stable under inserts, one query per page."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Select, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from veriflow.core.errors import BadRequest

MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Page[T]:
    items: list[T]
    next_cursor: str | None


def encode_cursor(at: datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps([at.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The (time, id) a cursor holds; 400 for anything `encode_cursor` would not have written,
    a time without an offset included (the columns hold aware UTC and refuse naive values)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, row_id = json.loads(raw)
        if not isinstance(at, str) or not isinstance(row_id, str):
            raise TypeError("cursor parts are not strings")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("naive cursor time")
        return moment.astimezone(UTC), uuid.UUID(row_id)
    except (ValueError, TypeError, OverflowError) as exc:
        raise BadRequest("The cursor is not one this API gave out.", details={"cursor": "invalid"}) from exc


def paginate[T](
    session: Session,
    query: Select[tuple[T]],
    time_column: InstrumentedAttribute[Any],
    id_column: InstrumentedAttribute[Any],
    *,
    limit: int,
    cursor: str | None,
) -> Page[T]:
    """One page of `query` ordered by (time, id) descending, after `cursor` when given."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    if cursor:
        at, row_id = decode_cursor(cursor)
        query = query.where(or_(time_column < at, (time_column == at) & (id_column < row_id)))
    ordered = query.order_by(time_column.desc(), id_column.desc()).limit(limit + 1)
    rows = cast(list[T], list(session.scalars(ordered)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, time_column.key), getattr(last, id_column.key))
    return Page(rows, next_cursor)
