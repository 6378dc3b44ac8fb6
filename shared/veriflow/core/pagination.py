"""Keyset (cursor) pagination: newest first, stable under inserts, one query per page."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from veriflow.core.errors import BadRequest

MAX_PAGE_SIZE = 100
# A cursor is "<microseconds since 1970 UTC>.<row id in hex>": the published pattern says exactly
# what is accepted, and every string it admits is a position to page on from (never a 400 or 500).
CURSOR_PATTERN = r"^[0-9]{1,16}\.[0-9a-f]{32}$"
_CURSOR = re.compile(CURSOR_PATTERN)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Page[T]:
    items: list[T]
    next_cursor: str | None


def encode_cursor(at: datetime, row_id: uuid.UUID) -> str:
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # the columns hold UTC
    return f"{(moment - _EPOCH) // _MICROSECOND}.{row_id.hex}"


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The (time, id) a cursor holds; 400 for a string not of the cursor pattern (the routes'
    query validation refuses those with a 422 before this runs)."""
    if not _CURSOR.fullmatch(cursor):
        raise BadRequest("The cursor is not one this API gave out.", details={"cursor": "invalid"})
    micros, row_id = cursor.split(".")
    return _EPOCH + int(micros) * _MICROSECOND, uuid.UUID(hex=row_id)


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
