"""What the `$default` route answers: 405 with `Allow` for a known path, 404 for anything else."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from veriflow.core.errors import MethodNotAllowed, NotFound
from veriflow.health.routes import allowed_methods

router = APIRouter(tags=["health"])

# Every method API Gateway passes on; a route of its own always wins over this one.
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


@router.api_route("/{path:path}", methods=_METHODS, include_in_schema=False)
def unmatched(request: Request) -> Response:
    """No route took the request: say which methods this path has, if any."""
    method, path = request.method, request.url.path
    allowed = allowed_methods(path)
    if not allowed:
        raise NotFound(f"No route for {method} {path}.")
    allow = ", ".join(allowed)
    if method == "OPTIONS":
        return Response(status_code=204, headers={"Allow": allow})
    raise MethodNotAllowed(f"{method} is not allowed on {path}; use {allow}.", headers={"Allow": allow})
