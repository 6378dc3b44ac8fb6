"""The per-caller rate limit of the authenticated API groups (users, organizations, admin)."""

from __future__ import annotations

from functools import lru_cache

from fastapi import Response
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from veriflow.access.deps import CurrentPrincipal
from veriflow.core.ratelimit import Limit, enforce


class ApiLimitSettings(BaseSettings):
    """`API_RATE_LIMIT_PER_MINUTE`: requests one user or API key may make per minute."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    api_rate_limit_per_minute: int = Field(default=300, ge=1, le=100_000)


@lru_cache(maxsize=1)
def get_limit_settings() -> ApiLimitSettings:
    return ApiLimitSettings()


def per_principal(principal: CurrentPrincipal, response: Response) -> None:
    """Router dependency: counts the request against its user or API key (429 over the limit)."""
    limit = Limit("api", get_limit_settings().api_rate_limit_per_minute, 60)
    enforce(limit, f"{principal.kind}:{principal.id}", response)
