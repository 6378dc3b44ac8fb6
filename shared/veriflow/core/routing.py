"""The router every endpoint group declares its routes on: FastAPI's, with what every one of our
routes has (the NUL refusal, stable operation ids), so an app takes its routes as they were built.
Imported through here, so that one start-up cost FastAPI adds to every route is gone before the
first route is declared."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import fastapi
from fastapi import Depends
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute

from veriflow.core.request_text import refuse_nul_text


def operation_id(route: APIRoute) -> str:
    """Stable operation ids: `<tag>-<function name>`."""
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def _skip_pydantic_v1_probes() -> None:
    """FastAPI asks of every route annotation and response value whether it is a pydantic.v1
    model, importing pydantic.v1 to find out (about 30 ms of every function's cold start). No
    object can be one unless something imported pydantic.v1 first, so answer from sys.modules."""
    from fastapi import encoders
    from fastapi._compat import shared

    real_class, real_instance = shared.is_pydantic_v1_model_class, shared.is_pydantic_v1_model_instance

    def is_v1_class(cls: Any) -> bool:
        return "pydantic.v1" in sys.modules and real_class(cls)

    def is_v1_instance(obj: Any) -> bool:
        return "pydantic.v1" in sys.modules and real_instance(obj)

    shared.is_pydantic_v1_model_class = is_v1_class
    shared.is_pydantic_v1_model_instance = is_v1_instance
    encoders.is_pydantic_v1_model_instance = is_v1_instance  # type: ignore[attr-defined]


_skip_pydantic_v1_probes()


class APIRouter(fastapi.APIRouter):
    """An endpoint group's routes, complete as declared: NUL reaches neither a query nor a row
    (before the group's own dependencies), and operation ids are `<tag>-<function name>`.

    `create_app` adds these routes to the app as they are. FastAPI's `include_router` would keep
    them and build every route a second time, for the including app, on the first request: about
    20 ms of a cold start for 13 routes, 45 ms for 26."""

    def __init__(self, *, dependencies: Sequence[DependsParam] | None = None, **kwargs: Any) -> None:
        super().__init__(
            dependencies=[Depends(refuse_nul_text), *(dependencies or ())],
            generate_unique_id_function=operation_id,
            **kwargs,
        )


__all__ = ["APIRouter", "operation_id"]
