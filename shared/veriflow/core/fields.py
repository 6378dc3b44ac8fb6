"""Field helpers for request bodies whose published schema must say exactly what is accepted."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, Field
from pydantic_core import PydanticCustomError

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable() -> Any:
    """An optional field that may be left out but never sent as null: its published schema shows
    neither `null` (type it `X | SkipJsonSchema[None]`) nor a `default: null`; a validator refuses null."""
    return Field(default=None, json_schema_extra=_drop_default)


def _date_time_text(value: Any) -> Any:
    # pydantic reads a number, or text that is one, as seconds since 1970; the published schema
    # says `format: date-time`, so only RFC 3339 text is a date and time here.
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value.strip())):
        raise PydanticCustomError("datetime_type", "Input should be a date and time such as 2026-01-31T09:30:00Z")
    return value


# A date and time given as RFC 3339 text (a query parameter, or a body field with a time zone).
DateTimeText = Annotated[datetime, BeforeValidator(_date_time_text)]
AwareDateTimeText = Annotated[AwareDatetime, BeforeValidator(_date_time_text)]
