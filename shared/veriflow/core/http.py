"""The FastAPI app every endpoint-group function builds, and its Lambda handler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from veriflow.core import openapi
from veriflow.core.literal_paths import LiteralPathMethods
from veriflow.core.middleware import RequestContextMiddleware
from veriflow.core.responses import install_error_handlers
from veriflow.core.routing import APIRouter, operation_id

API_TITLE = "Veriflow API"
API_VERSION = "1.0.0"


def create_app(*routers: APIRouter) -> FastAPI:
    """The app of one endpoint group (or, locally, of all of them at once)."""
    app = FastAPI(
        title=API_TITLE,
        version=API_VERSION,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    for router in routers:
        if not isinstance(router, APIRouter):
            raise TypeError(f"{router!r}: declare routes on veriflow.core.routing.APIRouter, which gives "
                            "every route the NUL refusal and its operation id")
        # The routes as built (each carries its router's prefix, tags and dependencies).
        app.router.routes.extend(router.routes)
    app.state.routers = routers
    install_error_handlers(app)
    openapi.install(app)
    # Inside the request middleware, which turns its 405 into the envelope.
    app.add_middleware(LiteralPathMethods, fastapi=app)
    app.add_middleware(RequestContextMiddleware)
    return app


def openapi_spec(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of `app` (FastAPI caches it on the app)."""
    return app.openapi()


# A request no route serves: it runs the whole request path once (Mangum's event loop, the
# middleware and its method table, routing, the 404 envelope) without reaching a route.
PRIMING_PATH = "/_snapstart/prime"


def priming_event() -> dict[str, Any]:
    """An HTTP API (payload v2) request for PRIMING_PATH, as API Gateway would send it."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": PRIMING_PATH,
        "rawQueryString": "",
        "headers": {"host": "localhost", "user-agent": "snapstart"},
        "requestContext": {
            "http": {"method": "GET", "path": PRIMING_PATH, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
            "requestId": "snapstart-prime",
            "routeKey": "$default",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }


def http_handler(app: FastAPI) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda handler for an HTTP API (payload v2) function serving `app`."""
    from aws_lambda_powertools.logging import correlation_paths
    from mangum import Mangum

    from veriflow.core import aws
    from veriflow.core.observability import logger, metrics, tracer
    from veriflow.core.snapstart import before_snapshot

    asgi: Callable[[dict[str, Any], Any], dict[str, Any]] = Mangum(app, lifespan="off")

    @before_snapshot
    def prime() -> None:
        # Past the logging and metrics wrappers: no ColdStart metric for it. Any answer but the
        # 404 means it reached further than routing (a call out, a failure): say so in the log.
        status = asgi(priming_event(), None)["statusCode"]
        if status != 404:
            logger.warning("The snapshot's priming request answered %s, not 404.", status)
        aws.load_models(("dynamodb", "secretsmanager", "sqs", "s3"))

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return asgi(event, context)

    # Outermost first: logging context, then the trace segment, then metrics flushed per invocation.
    wrapped: Callable[[dict[str, Any], Any], dict[str, Any]]
    wrapped = metrics.log_metrics(handler, capture_cold_start_metric=True)
    wrapped = tracer.capture_lambda_handler(wrapped, capture_response=False)
    wrapped = logger.inject_lambda_context(
        wrapped, correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True
    )
    return wrapped
