"""The app-wide dependency refusing NUL (U+0000) in any text of a request: 422 before any route runs."""

from __future__ import annotations

from fastapi import Request

from veriflow.core.errors import ValidationFailed, field_error
from veriflow.core.text import NUL, NUL_MESSAGE, NUL_RULE, Location, nul_locations


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
        errors = [field_error(loc, NUL_MESSAGE, NUL_RULE) for loc in dict.fromkeys(found)]
        raise ValidationFailed("The request is invalid.", errors=errors)
