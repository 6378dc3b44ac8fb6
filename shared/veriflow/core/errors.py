"""One error family, one envelope: {"error": {"code", "message", "details", "request_id"}}."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, TypedDict


class AppError(Exception):
    """Base of every error a client may see. Subclasses fix `status` and `code`."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    headers: dict[str, str]

    def __init__(self, message: str, *, details: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}


class BadRequest(AppError):
    status, code = 400, "bad_request"


class MalformedJson(AppError):
    status, code = 400, "malformed_json"


class FieldError(TypedDict):
    """One problem of a 422: where (`loc`, e.g. ["body", "email"]), a sentence, and the rule's code."""

    loc: list[str]
    msg: str
    type: str


def field_error(loc: Sequence[str | int], msg: str, rule: str) -> FieldError:
    """A 422 detail; it names the field and the rule, never the value that broke it."""
    return {"loc": [str(part) for part in loc], "msg": msg, "type": rule}


class ValidationFailed(AppError):
    """422: `details` is a list of FieldError, the same shape for schema and domain validation."""

    status, code = 422, "validation_failed"

    def __init__(self, message: str, *, errors: Sequence[FieldError], headers: dict[str, str] | None = None) -> None:
        super().__init__(message, details=list(errors), headers=headers)


class Unauthorized(AppError):
    status, code = 401, "unauthorized"


class Forbidden(AppError):
    status, code = 403, "forbidden"


class NotFound(AppError):
    status, code = 404, "not_found"


class MethodNotAllowed(AppError):
    status, code = 405, "method_not_allowed"


class Conflict(AppError):
    status, code = 409, "conflict"


class PayloadTooLarge(AppError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(AppError):
    status, code = 415, "unsupported_media_type"


class Locked(AppError):
    status, code = 423, "locked"


class TooManyRequests(AppError):
    status, code = 429, "rate_limited"


class InternalError(AppError):
    status, code = 500, "internal_error"


class ServiceUnavailable(AppError):
    status, code = 503, "service_unavailable"


_BY_STATUS: dict[int, type[AppError]] = {
    cls.status: cls
    for cls in (BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, Conflict, PayloadTooLarge,
                UnsupportedMediaType, Locked, TooManyRequests, InternalError, ServiceUnavailable)
}


NO_ROUTE = "No route has this path."


def method_not_allowed(allow: str) -> MethodNotAllowed:
    """405 with `Allow`; the message names the methods the path has, not the one that was sent."""
    return MethodNotAllowed(f"This path does not take this method; it takes {allow}.", headers={"Allow": allow})


def error_for_status(status: int, message: str) -> AppError:
    """The AppError matching an HTTP status (for errors raised by the framework itself)."""
    cls = _BY_STATUS.get(status, InternalError if status >= 500 else BadRequest)
    return cls(message)


def envelope(code: str, message: str, details: Any, request_id: str | None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details, "request_id": request_id}}
