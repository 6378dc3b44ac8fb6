"""Settings of the sign-in flows: lifetimes, grace window, lockout, per-IP limits, cookies."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from veriflow.core.ratelimit import Limit
from veriflow.core.settings import load_settings


class AuthFlowSettings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    # A refresh token presented again within this many seconds of its rotation gets the same
    # successor pair (two tabs refreshing at once); later, it revokes the whole session.
    refresh_grace_s: float = Field(default=10.0, ge=0, le=120)
    verify_email_ttl_h: int = Field(default=24, ge=1)
    reset_password_ttl_min: int = Field(default=30, ge=5)
    lockout_threshold: int = Field(default=5, ge=1)
    lockout_window_min: int = Field(default=15, ge=1)
    lockout_duration_min: int = Field(default=15, ge=1)
    login_per_ip_per_min: int = Field(default=10, ge=1)
    register_per_ip_per_min: int = Field(default=5, ge=1)
    forgot_per_ip_per_min: int = Field(default=3, ge=1)
    # Where browsers reach the API: OIDC callbacks are built on it.
    public_api_url: str = "http://127.0.0.1:3000"
    refresh_cookie_name: str = "vf_refresh"

    def limit(self, name: str) -> Limit:
        per_min = {"login": self.login_per_ip_per_min, "register": self.register_per_ip_per_min,
                   "forgot": self.forgot_per_ip_per_min}[name]
        return Limit(f"auth.{name}", per_min, 60)


@lru_cache(maxsize=1)
def get_flow_settings() -> AuthFlowSettings:
    return load_settings(AuthFlowSettings)
