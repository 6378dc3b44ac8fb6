"""The published OpenAPI document: FastAPI's, with our error envelope in place of FastAPI's own
422 body, the shape of validation details, and the rules that hold for every operation."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

DESCRIPTION = """\
Veriflow's HTTP API.

**Authentication.** `Authorization: Bearer <access token>` (from `POST /v1/auth/login`), or an
organization's API key as `X-API-Key: vf_...`. Operations that list a security requirement accept
either one.

**Errors.** Every error is `{"error": {"code", "message", "details", "request_id"}}`: `code` is
machine-readable, `message` a sentence. A 422 (`validation_failed`) lists each problem as
`{loc, msg, type}` (where, why, which rule), never the value sent. A method a path does not have is
a 405 with `Allow`; an unknown path a 404.

**Text.** No text may hold the NUL character (U+0000), in the path, query, headers or body: 422
with type `string_nul_character`.

**Pages.** Lists are `{"data": [...], "next_cursor"}`; pass `next_cursor` back as `cursor`, as
given (`format: page-cursor`). A cursor the API did not write is a 400.
"""

_FIELD_ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["loc", "msg", "type"],
    "additionalProperties": False,
    "properties": {
        "loc": {"type": "array", "items": {"type": "string"},
                "description": "Where: body, query, path or header, then the field."},
        "msg": {"type": "string", "description": "Why, in a sentence."},
        "type": {"type": "string", "description": "The rule's code, e.g. string_too_short."},
    },
}


def _envelope(details: dict[str, Any], example: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details", "request_id"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": details,
                    "request_id": {"type": ["string", "null"]},
                },
            }
        },
        "example": {"error": {**example, "request_id": "Kx2bqiYEoAMEbSg="}},
    }


SCHEMAS: dict[str, Any] = {
    "FieldError": _FIELD_ERROR,
    "Error": _envelope({}, {"code": "not_found", "message": "No such organization.", "details": None}),
    "ValidationFailed": _envelope(
        {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
        {"code": "validation_failed", "message": "The request is invalid.",
         "details": [{"loc": ["body", "email"], "msg": "This is not an email address.", "type": "value_error"}]},
    ),
}
ERROR_RESPONSE: dict[str, Any] = {
    "description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_VALIDATION_RESPONSE: dict[str, Any] = {
    "description": "Validation failed",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ValidationFailed"}}},
}


def publish(spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` (FastAPI's document) as we publish it; changes it in place."""
    spec["info"]["description"] = DESCRIPTION
    for operation in (op for ops in spec.get("paths", {}).values() for op in ops.values()):
        responses = operation.setdefault("responses", {})
        if "422" in responses:
            responses["422"] = _VALIDATION_RESPONSE
        responses["default"] = ERROR_RESPONSE
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's {"detail": [...]}, never sent
        schemas.pop(unused, None)
    schemas.update(SCHEMAS)
    return spec


def install(app: FastAPI) -> None:
    """`app.openapi()` returns the published document (built once, then cached on the app)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = publish(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
