"""Field helpers for request bodies whose published schema must say exactly what is accepted."""

from __future__ import annotations

from typing import Any

from pydantic import Field


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable() -> Any:
    """An optional field that may be left out but never sent as null: its published schema shows
    neither `null` (type it `X | SkipJsonSchema[None]`) nor a `default: null`; a validator refuses null."""
    return Field(default=None, json_schema_extra=_drop_default)
