"""What webhook targets this stage may reach."""

from __future__ import annotations

from functools import lru_cache

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from veriflow.core.settings import SettingsError, Stage, load_settings


class WebhookSettings(BaseSettings):
    """`WEBHOOKS_ALLOW_LOCALHOST`: accept http:// and loopback receivers. Defaults to true for
    STAGE=local only (a receiver on 127.0.0.1 while developing) and is refused elsewhere."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    stage: Stage = "local"
    webhooks_allow_localhost: bool | None = None

    @model_validator(mode="after")
    def _only_local_reaches_localhost(self) -> WebhookSettings:
        if self.webhooks_allow_localhost and self.stage != "local":
            raise SettingsError("WEBHOOKS_ALLOW_LOCALHOST", f"refused for STAGE={self.stage}")
        return self

    @property
    def allow_localhost(self) -> bool:
        if self.webhooks_allow_localhost is None:
            return self.stage == "local"
        return self.webhooks_allow_localhost


@lru_cache(maxsize=1)
def get_webhook_settings() -> WebhookSettings:
    return load_settings(WebhookSettings)
