"""Which AI providers to ask, in order, and how long to wait for each."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from veriflow.core.settings import load_settings

PROVIDER_NAMES = ("bedrock", "openai")


class AiSettings(BaseSettings):
    """`AI_PROVIDERS` (comma list, tried in order; empty: none configured), each provider's model,
    `AI_SECRET_ARN` (a Secrets Manager secret holding `{"openai_api_key": ...}`), the timeout of
    one attempt and the cap on a provider's Retry-After."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    ai_providers: str = ""
    ai_bedrock_model_id: str = "amazon.nova-lite-v1:0"
    ai_openai_base_url: str = ""
    ai_openai_model: str = ""
    ai_secret_arn: str = ""
    ai_timeout_s: float = Field(default=20.0, gt=0, le=120)
    ai_retry_after_cap_s: float = Field(default=5.0, ge=0, le=60)
    ai_max_tokens: int = Field(default=1200, ge=64, le=8192)

    @field_validator("ai_providers")
    @classmethod
    def _known(cls, value: str) -> str:
        for name in _split(value):
            if name not in PROVIDER_NAMES:
                raise ValueError(f"unknown AI provider {name!r}: use {', '.join(PROVIDER_NAMES)}")
        return value

    def providers(self) -> list[str]:
        return _split(self.ai_providers)


def _split(value: str) -> list[str]:
    return [name.strip().lower() for name in value.split(",") if name.strip()]


@lru_cache(maxsize=1)
def get_ai_settings() -> AiSettings:
    return load_settings(AiSettings)


def reset_ai_caches() -> None:
    get_ai_settings.cache_clear()
    from veriflow.ai import openai_compatible

    openai_compatible.reset_key_cache()
