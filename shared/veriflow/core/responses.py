"""Maps every error (ours, validation, routing) to the one envelope, with the right status."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from veriflow.core.errors import (
    NO_ROUTE,
    AppError,
    FieldError,
    MalformedJson,
    MethodNotAllowed,
    NotFound,
    ValidationFailed,
    envelope,
    error_for_status,
    field_error,
)
from veriflow.core.observability import logger


def error_response(exc: AppError, request_id: str | None, *, logged: bool = False) -> JSONResponse:
    """The envelope for `exc`; client errors are logged as facts, server errors at ERROR
    (`logged` when the caller already logged the cause with its traceback)."""
    if not logged:
        log = logger.error if exc.status >= 500 else logger.info
        log("request failed", extra={"status": exc.status, "code": exc.code, "error_message": exc.message})
    return JSONResponse(
        envelope(exc.code, exc.message, exc.details, request_id), status_code=exc.status, headers=exc.headers
    )


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return error_response(exc, _request_id(request))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(error.get("type") == "json_invalid" for error in errors):
        return error_response(MalformedJson("The request body is not valid JSON."), _request_id(request))
    details = [_public_error(error) for error in errors]
    return error_response(ValidationFailed("The request is invalid.", errors=details), _request_id(request))


def _public_error(error: Any) -> FieldError:
    # pydantic's `input` and `ctx` are left out: the input may be a password or a token, and `ctx`
    # may quote it. A validator's own ValueError reads "Value error, <ours>": ours is the sentence.
    message = str(error.get("msg") or "The value is not valid.").removeprefix("Value error, ")
    return field_error(error.get("loc", ()), message, str(error.get("type") or "value_error"))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    error: AppError
    if exc.status_code == 404:
        # Starlette's own "Not Found" is a route miss; the message never quotes the path.
        error = NotFound(NO_ROUTE if exc.detail in (None, "Not Found") else str(exc.detail))
    elif exc.status_code == 405:
        error = MethodNotAllowed("This path does not take this method.", headers=dict(exc.headers or {}))
    else:
        error = error_for_status(exc.status_code, str(exc.detail))
        error.headers = dict(exc.headers or {})
    return error_response(error, _request_id(request))


def install_error_handlers(app: FastAPI) -> None:
    """Registers the handlers; unexpected exceptions are caught by the request middleware."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
