"""Text PostgreSQL can store: no NUL character (U+0000) in a request, refused before any route runs.

SQLite stores NUL in text, PostgreSQL refuses it (in text and in JSONB alike), so without this a
request that works locally is a 500 in production. The database refuses it again on write
(`veriflow.core.types`), for text that does not come from a request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import Request

from veriflow.core.errors import ValidationFailed

NUL = "\x00"
NUL_RULE = "string_nul_character"
NUL_MESSAGE = "Text must not contain the NUL character (U+0000)."

Location = tuple[str, ...]


def nul_locations(value: Any, at: Location = ()) -> Iterator[Location]:
    """Where NUL occurs in a JSON-like value (strings, object keys, nested lists and objects).
    A key holding NUL is reported at its object: the location never carries the offending text."""
    stack: list[tuple[Any, Location]] = [(value, at)]
    while stack:  # a loop, not recursion: a deeply nested body cannot exhaust the stack
        item, loc = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                yield loc
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                if isinstance(key, str) and NUL in key:
                    yield loc
                else:
                    stack.append((child, (*loc, str(key))))
        elif isinstance(item, list | tuple):
            stack.extend((child, (*loc, str(index))) for index, child in reversed(list(enumerate(item))))


def _is_json(request: Request) -> bool:
    content_type = request.headers.get("content-type", "application/json").split(";", 1)[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


async def _body_locations(request: Request) -> list[Location]:
    body = await request.body()
    # Only an escape (or a NUL byte: UTF-16 and UTF-32 JSON) can put NUL in decoded JSON text;
    # the common body is searched once and never parsed twice.
    if not body or not _is_json(request) or (b"\\u0000" not in body and b"\x00" not in body):
        return []
    try:
        parsed = await request.json()  # the route's own parse, cached on the request
    except ValueError:
        return []  # routes with a body answer malformed_json themselves; the others ignore it
    return list(nul_locations(parsed, ("body",)))


async def refuse_nul_text(request: Request) -> None:
    """App-wide dependency: 422 `validation_failed` when NUL is in the path, the query string,
    a header or a JSON body; `details` name each location and the rule, never the value."""
    found: list[Location] = []
    for name, value in request.path_params.items():
        if isinstance(value, str) and NUL in value:
            found.append(("path", name))
    for name, value in request.query_params.multi_items():
        if NUL in name:
            found.append(("query",))
        elif NUL in value:
            found.append(("query", name))
    for raw_name, raw_value in request.headers.raw:
        if b"\x00" in raw_name:
            found.append(("header",))
        elif b"\x00" in raw_value:
            found.append(("header", raw_name.decode("latin-1")))
    found += await _body_locations(request)
    if found:
        details = [{"loc": list(loc), "msg": NUL_MESSAGE, "type": NUL_RULE} for loc in dict.fromkeys(found)]
        raise ValidationFailed("The request is invalid.", details=details)


def contains_nul_escape(serialised: str) -> bool:
    """Whether JSON text encodes NUL (an unescaped `\\u0000`)."""
    if "\\u0000" not in serialised:
        return False
    try:
        return next(nul_locations(json.loads(serialised)), None) is not None
    except ValueError:
        return False
