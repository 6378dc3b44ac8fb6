"""Routes are complete as declared: the NUL refusal and the operation id come with the router, so
an app takes them as they are."""

from __future__ import annotations

import fastapi
import pytest
from fastapi.routing import APIRoute

from veriflow.core.http import create_app
from veriflow.core.request_text import refuse_nul_text
from veriflow.core.routing import APIRouter


def _own() -> None:
    return None


def test_a_declared_route_refuses_nul_before_its_routers_own_dependencies() -> None:
    # GIVEN a router with a dependency of its own
    router = APIRouter(prefix="/v1/things", tags=["things"], dependencies=[fastapi.Depends(_own)])

    @router.get("/{thing_id}")
    def get_thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    # WHEN the route is built  THEN the NUL refusal runs first, then the router's own, and the
    # operation id is "<tag>-<function name>"
    route = router.routes[0]
    assert isinstance(route, APIRoute)
    assert [d.dependency for d in route.dependencies] == [refuse_nul_text, _own]
    assert route.unique_id == "things-get_thing"


def test_create_app_takes_the_routes_as_built() -> None:
    router = APIRouter(prefix="/v1/things", tags=["things"])

    @router.get("")
    def list_things() -> list[str]:
        return []

    app = create_app(router)
    assert app.routes == router.routes
    assert app.openapi()["paths"]["/v1/things"]["get"]["operationId"] == "things-list_things"


def test_create_app_refuses_a_plain_fastapi_router() -> None:
    # A FastAPI router's routes would lack the NUL refusal and our operation ids.
    with pytest.raises(TypeError, match=r"veriflow\.core\.routing\.APIRouter"):
        create_app(fastapi.APIRouter(prefix="/v1/things"))
