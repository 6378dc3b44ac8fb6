"""The per-caller rate limit of the authenticated API groups, by tier."""

from __future__ import annotations

from functools import lru_cache

from fastapi import Response
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from veriflow.access.deps import CurrentPrincipal
from veriflow.access.permissions import PlatformRole
from veriflow.access.principal import Principal
from veriflow.core.ratelimit import Limit, enforce
from veriflow.core.settings import load_settings

_STAFF = frozenset({PlatformRole.REVIEWER, PlatformRole.ADMIN, PlatformRole.SUPERADMIN})


class ApiLimitSettings(BaseSettings):
    """`API_RATE_LIMIT_TIERS`: requests per minute per caller, by tier (JSON)."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    api_rate_limit_tiers: dict[str, int] = Field(
        default_factory=lambda: {"member": 300, "staff": 1200, "api_key": 600}
    )


@lru_cache(maxsize=1)
def get_limit_settings() -> ApiLimitSettings:
    return load_settings(ApiLimitSettings)


def tier_of(principal: Principal) -> str:
    """Machine clients, staff (reviewers and admins, who page through queues) and members."""
    if principal.kind == "api_key":
        return "api_key"
    return "staff" if principal.platform_roles & _STAFF else "member"


def per_principal(principal: CurrentPrincipal, response: Response) -> None:
    """Router dependency: counts the request against its user or API key (429 over the tier's limit)."""
    tier = tier_of(principal)
    tiers = get_limit_settings().api_rate_limit_tiers
    per_minute = tiers.get(tier, tiers.get("member", 300))
    enforce(Limit(f"api.{tier}", per_minute, 60), f"{principal.kind}:{principal.id}", response)
