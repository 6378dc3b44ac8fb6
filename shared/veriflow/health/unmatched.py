"""What the `$default` route answers: 405 with `Allow` for a known path, 404 for anything else."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from veriflow.core.errors import NO_ROUTE, NotFound, method_not_allowed
from veriflow.health.routes import allowed_methods

router = APIRouter(tags=["health"])

# Every method API Gateway passes on; a route of its own always wins over this one.
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


@router.api_route("/{path:path}", methods=_METHODS, include_in_schema=False)
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
