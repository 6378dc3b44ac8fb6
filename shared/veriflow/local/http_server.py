"""The local HTTP API: a stdlib threading server in front of the template's HttpApi routes.

Besides the routes it serves `/openapi.json`, `/docs` (Swagger UI, its files from the
swagger-ui-bundle package under `/docs/assets/`: no CDN), and, to loopback clients only,
`POST /_local/schedules/{name}` to fire a schedule now, `GET /_local/mail` and `GET /_local/sms` for
what the local cloud sent, and `/_local/app/...`, where email links lead (local/app_pages.py).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import sys
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from veriflow.core.errors import envelope
from veriflow.local import app_pages, outbox
from veriflow.local.apigw import HttpResponse, Route, RouteTable, build_event, to_http_response
from veriflow.local.errors import LocalCloudError

log = logging.getLogger("veriflow-local")

# (function name, event) → (result, errored): the same Lambda invocation path everything else uses.
Invoke = Callable[[str, dict[str, Any]], tuple[Any, bool]]
_SCHEDULES_PREFIX = "/_local/schedules/"
# Mail and SMS the local cloud sent, newest last.
_OUTBOX: dict[str, Callable[[str, str], list[dict[str, Any]]]] = {
    "/_local/mail": outbox.sent_email, "/_local/sms": outbox.sent_sms,
}
_MESSAGES = {
    "not_found": (404, "No route matches this path."),
    "method_not_allowed": (405, "This path does not accept this method."),
    "payload_too_large": (413, "API Gateway accepts request bodies up to 10 MB."),
}
_INTERNAL = "The function failed; its error is in the local cloud's log."
_DOCS_ASSETS = "/docs/assets/"
_DOCS_FILES = {
    "swagger-ui-bundle.js": "application/javascript", "swagger-ui.css": "text/css", "favicon-32x32.png": "image/png",
}
# API Gateway refuses larger payloads before any function runs.
GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024


class LocalHttpApi:
    """Routes requests to functions; `openapi` and `fire_schedule` back the extra local endpoints."""

    def __init__(
        self,
        routes: list[Route],
        invoke: Invoke,
        openapi: Callable[[], dict[str, Any]],
        fire_schedule: Callable[[str], dict[str, Any]],
        api_id: str,
        account_id: str,
        region: str = "us-east-1",
    ) -> None:
        self.table = RouteTable(routes)
        self._invoke, self._openapi, self._fire = invoke, openapi, fire_schedule
        self._api_id, self._account_id, self._region = api_id, account_id, region
        self._server: ThreadingHTTPServer | None = None
        self.base_url = ""
        self._thread: threading.Thread | None = None

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a background thread; returns the base URL (port 0 picks a free port)."""
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_one_request(self) -> None:
                self.raw_requestline = self.rfile.readline(65537)
                if not self.raw_requestline or not self.parse_request():
                    self.close_connection = True
                    return
                length = int(self.headers.get("content-length") or 0)
                if length > GATEWAY_MAX_BODY_BYTES:
                    response = _error("payload_too_large", str(uuid.uuid4()))
                    self.close_connection = True  # the unread body cannot be skipped
                else:
                    body = self.rfile.read(length) if length else b""
                    response = api.handle(
                        self.command, self.path, list(self.headers.items()), body, self.client_address[0]
                    )
                self.send_response(response.status)
                for name, value in response.headers:
                    # The length of what is sent is set below, once.
                    if name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("content-length", str(len(response.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(response.body)
                self.wfile.flush()

            def log_message(self, format: str, *args: Any) -> None:
                log.info("%s %s", self.address_string(), format % args)

        self._server = _Server((host, port), Handler)
        # A short poll interval keeps stop() quick; the cost is a wake-up every 50 ms.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="local-http-api",
                                        daemon=True)
        self._thread.start()
        bound_port = self._server.server_address[1]
        self.base_url = f"http://{host}:{bound_port}"
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    def _call_api(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        response = self.handle(method, path, [("content-type", "application/json")], body, "127.0.0.1")
        return response.status, response.body

    def handle(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, client_ip: str
    ) -> HttpResponse:
        """One request, answered like API Gateway would (errors in our envelope)."""
        request_id = str(uuid.uuid4())
        path = target.partition("?")[0]
        try:
            if method == "GET" and path == "/openapi.json":
                return _json(200, self._openapi(), request_id)
            if method == "GET" and path == "/docs":
                return _docs_page(request_id)
            if method == "GET" and path.startswith(_DOCS_ASSETS):
                return _docs_asset(path[len(_DOCS_ASSETS):], request_id)
            if method == "GET" and path in _OUTBOX and ipaddress.ip_address(client_ip).is_loopback:
                return _json(200, {"data": _OUTBOX[path](self._region, self._account_id)}, request_id)
            if (path + "/").startswith(app_pages.PREFIX) and ipaddress.ip_address(client_ip).is_loopback:
                status, text = app_pages.page(self.base_url, method, path[len(app_pages.PREFIX):],
                                              target.partition("?")[2], body, self._call_api)
                headers = [("content-type", "text/html; charset=utf-8"), ("apigw-requestid", request_id)]
                return HttpResponse(status, headers, text.encode())
            if path.startswith(_SCHEDULES_PREFIX) and ipaddress.ip_address(client_ip).is_loopback:
                if method != "POST":
                    return _error("method_not_allowed", request_id)
                return _json(200, self._fire(unquote(path[len(_SCHEDULES_PREFIX):])), request_id)
            found = self.table.resolve(method, path)
            if isinstance(found, str):
                return _error(found, request_id)
            route, params = found
            event = build_event(route, params, method, target, headers, body, client_ip,
                                self._api_id, self._account_id, request_id)
            result, errored = self._invoke(route.function_name, event)
        except LocalCloudError as exc:
            return _error("not_found", request_id, str(exc))
        except Exception:
            log.exception("%s %s failed in the local HTTP API", method, path)
            return _json(500, envelope("internal_error", _INTERNAL, None, request_id), request_id)
        if errored:
            # API Gateway answers 500 when the integration fails; the function's error is in our log.
            log.warning("%s %s: %s", method, path, result)
            return _json(500, envelope("internal_error", _INTERNAL, None, request_id), request_id)
        response = to_http_response(result)
        return HttpResponse(response.status, [*response.headers, ("apigw-requestid", request_id)], response.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-request is routine (Ctrl-C on curl, a closed browser tab):
        # one line, not the traceback socketserver prints for it.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            log.info("%s hung up before the response was sent", client_address[0])
            return
        super().handle_error(request, client_address)


def _json(status: int, payload: Any, request_id: str) -> HttpResponse:
    headers = [("content-type", "application/json"), ("apigw-requestid", request_id)]
    return HttpResponse(status, headers, json.dumps(payload).encode())


def _error(code: str, request_id: str, message: str | None = None) -> HttpResponse:
    status, default = _MESSAGES[code]
    return _json(status, envelope(code, message or default, None, request_id), request_id)


def _docs_page(request_id: str) -> HttpResponse:
    from fastapi.openapi.docs import get_swagger_ui_html

    # Swagger UI's own files, from the swagger-ui-bundle package: /docs works offline, no CDN.
    page = get_swagger_ui_html(
        openapi_url="/openapi.json", title="Veriflow API (local)",
        swagger_js_url=f"{_DOCS_ASSETS}swagger-ui-bundle.js", swagger_css_url=f"{_DOCS_ASSETS}swagger-ui.css",
        swagger_favicon_url=f"{_DOCS_ASSETS}favicon-32x32.png",
        swagger_ui_parameters={"persistAuthorization": True},
    )
    return HttpResponse(200, [("content-type", "text/html; charset=utf-8"), ("apigw-requestid", request_id)],
                        bytes(page.body))


def _docs_asset(name: str, request_id: str) -> HttpResponse:
    """One file of the Swagger UI distribution (only the few the page loads)."""
    content_type = _DOCS_FILES.get(name)
    if content_type is None:
        return _error("not_found", request_id)
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

    body = (swagger_ui_path / name).read_bytes()
    headers = [("content-type", content_type), ("cache-control", "max-age=3600"), ("apigw-requestid", request_id)]
    return HttpResponse(200, headers, body)
