"""What the `$default` route answers: 405 with `Allow` for a known path, 404 for anything else."""

from __future__ import annotations

from fastapi import Request, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from veriflow.core.errors import NO_ROUTE, NotFound, method_not_allowed
from veriflow.core.routing import APIRouter
from veriflow.health.routes import allowed_methods


def unmatched(request: Request) -> Response:
    """No route took the request: say which methods this path has, if any."""
    # The messages quote neither the path nor the method: an error body never echoes the request.
    allowed = allowed_methods(request.url.path)
    if not allowed:
        raise NotFound(NO_ROUTE)
    allow = ", ".join(allowed)
    if request.method == "OPTIONS":
        return Response(status_code=204, headers={"Allow": allow})
    raise method_not_allowed(allow)


class _EveryMethod:
    """`unmatched` as an ASGI app: Starlette routes a non-function endpoint with every method
    (QUERY or PROPFIND included, as API Gateway's $default does), a function with GET only."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await unmatched(Request(scope, receive))(scope, receive, send)


router = APIRouter(tags=["health"])
# Included after the health routes, which still match first.
router.routes.append(Route("/{path:path}", _EveryMethod(), include_in_schema=False))
