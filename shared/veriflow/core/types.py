"""Column types and mixins shared by every domain's tables."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from veriflow.core.text import NUL, contains_nul_escape

# JSONB on PostgreSQL (indexable, compact), plain JSON text on SQLite.
JsonType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): time-ordered, so primary-key indexes stay compact and ids sort by
    creation. (Python 3.13's uuid module has no uuid7 yet.)"""
    millis = time.time_ns() // 1_000_000
    value = (millis & 0xFFFF_FFFF_FFFF) << 80 | int.from_bytes(secrets.token_bytes(10)) & ((1 << 80) - 1)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


class CreatedMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def json_column(**kwargs: Any) -> Any:
    return mapped_column(JsonType, **kwargs)


class NulInText(ValueError):
    """Text for the database holds NUL (U+0000), which PostgreSQL cannot store."""


def refuse_nul_parameters(
    _connection: Any, _cursor: Any, statement: str, parameters: Any, context: Any, _executemany: bool
) -> None:
    """Every statement, on every engine and dialect, before it is sent: text and JSON values with
    NUL are refused by name, so SQLite fails where PostgreSQL would, with a clear error."""
    # A list holds one row per execution (executemany); a tuple or dict is one statement's
    # parameters, a batch of many VALUES rows flattened into it included (insertmanyvalues).
    rows = parameters if isinstance(parameters, list) else [parameters]
    for row in rows or ():
        items = row.items() if isinstance(row, Mapping) else enumerate(row or ())
        for key, value in items:
            if not isinstance(value, str):
                continue
            if NUL in value or (_is_json_bind(context, key) and contains_nul_escape(value)):
                raise NulInText(
                    f"The value of {_bind_name(context, key)} holds NUL (U+0000), which PostgreSQL cannot store; "
                    f"refused in {' '.join(statement.split()[:3])} ..."
                )


def _bind_name(context: Any, key: int | str) -> str:
    compiled = getattr(context, "compiled", None)
    positions = getattr(compiled, "positiontup", None)
    if isinstance(key, int) and positions:
        return str(positions[key % len(positions)])  # a batch of VALUES rows repeats the row's names
    return str(key)


def _is_json_bind(context: Any, key: int | str) -> bool:
    binds = getattr(getattr(context, "compiled", None), "binds", None) or {}
    bind = binds.get(_bind_name(context, key))
    return bind is not None and isinstance(bind.type, JSON)  # JSONB is a JSON too


event.listen(Engine, "before_cursor_execute", refuse_nul_parameters)
