"""Request id, body-size limit and the last-resort 500, as one ASGI middleware."""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veriflow.core.errors import AppError, InternalError, PayloadTooLarge
from veriflow.core.observability import RequestInfo, bind_request, logger, unbind_request
from veriflow.core.responses import error_response
from veriflow.core.settings import get_settings

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._=-]{1,128}$")


def request_id_for(scope: Scope) -> str:
    """API Gateway's request id; else a well-formed client `x-request-id`; else a new one."""
    event: dict[str, Any] = scope.get("aws.event") or {}
    from_gateway = (event.get("requestContext") or {}).get("requestId")
    if from_gateway:
        return str(from_gateway)
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _SAFE_REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


def client_ip(scope: Scope) -> str | None:
    """The caller's address as API Gateway saw it (never a client-supplied X-Forwarded-For)."""
    event: dict[str, Any] = scope.get("aws.event") or {}
    source: str | None = ((event.get("requestContext") or {}).get("http") or {}).get("sourceIp")
    if source:
        return source
    client = scope.get("client")
    return str(client[0]) if client else None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))[:512]
    return None


class RequestContextMiddleware:
    """Binds the request id, refuses bodies over the limit, turns crashes into a 500 envelope."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_for(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        token = bind_request(RequestInfo(request_id, client_ip(scope), _header(scope, b"user-agent")))
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)["x-request-id"] = request_id
            await send(message)

        try:
            body = await _read_body(scope, receive, get_settings().max_body_bytes)
            await self.app(scope, _replay(body, receive), send_with_id)
        except AppError as exc:
            if not started:
                await error_response(exc, request_id)(scope, receive, send_with_id)
        except Exception:
            logger.exception("unhandled error")
            if not started:
                error = InternalError("An unexpected error occurred; quote the request id when reporting it.")
                await error_response(error, request_id, logged=True)(scope, receive, send_with_id)
        finally:
            unbind_request(token)


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole body, refusing it as soon as it (or its declared length) passes `limit`."""
    too_large = PayloadTooLarge(f"The request body exceeds {limit} bytes.", details={"max_bytes": limit})
    for name, value in scope.get("headers", ()):
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            message: dict[str, Any] = {"type": "http.request", "body": body, "more_body": False}
            return message
        return await receive()

    return replay
