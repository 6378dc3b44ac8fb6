"""GET /health/live and /health/ready."""

from __future__ import annotations

from fastapi import Response

from veriflow.core.routing import APIRouter
from veriflow.health.schemas import LivePublic, ReadyPublic

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", response_model=LivePublic)
def live() -> LivePublic:
    """The function runs; nothing else is checked."""
    return LivePublic()


@router.get(
    "/ready",
    response_model=ReadyPublic,
    responses={503: {"model": ReadyPublic, "description": "A dependency failed"}},
)
def ready(response: Response) -> ReadyPublic:
    """The database and every AWS resource the function is wired to, each with its latency."""
    # Imported here: liveness must not pay for the database and AWS clients at cold start.
    from veriflow.health import service

    result = service.readiness()
    if result.status != "ok":
        response.status_code = 503
    return result
