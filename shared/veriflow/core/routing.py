"""The router every endpoint group declares its routes on: FastAPI's, imported through here so
that one start-up cost FastAPI adds to every route is gone before the first route is declared."""

from __future__ import annotations

import sys
from typing import Any

from fastapi import APIRouter


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

__all__ = ["APIRouter"]
