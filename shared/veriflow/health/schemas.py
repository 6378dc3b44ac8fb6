"""Response models of the health group."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

Status = Literal["ok", "fail"]


class LivePublic(BaseModel):
    status: Literal["ok"] = "ok"


class CheckPublic(BaseModel):
    """One dependency: what was checked, whether it answered, and how long it took."""

    status: Status
    latency_ms: float
    target: str
    error: str | None = None


class ReadyPublic(BaseModel):
    status: Status
    checks: dict[str, CheckPublic]
