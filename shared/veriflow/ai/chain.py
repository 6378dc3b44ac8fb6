"""The configured providers in order: each asked with the timeout, once more after a short pause
(the server's Retry-After, capped) when it did not answer, then the next. A malformed answer or a
refused request is not retried: another attempt would say the same."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from veriflow.ai.provider import AiAnswer, AiRequest, Provider, ProviderRefused, ProviderUnavailable
from veriflow.ai.settings import AiSettings

RETRY_PAUSE_S = 0.5


@dataclass
class ProviderChain:
    providers: Sequence[Provider]
    timeout_s: float = 20.0
    retry_after_cap_s: float = 5.0
    sleep: Callable[[float], None] = field(default=time.sleep)

    def ask(self, request: AiRequest) -> AiAnswer:
        failures: list[str] = []
        for provider in self.providers:
            for attempt in (1, 2):
                try:
                    return provider.ask(request, self.timeout_s)
                except ProviderUnavailable as error:
                    failures.append(f"{provider.name}: {error}")
                    if attempt == 1:
                        pause = RETRY_PAUSE_S if error.retry_after is None else error.retry_after
                        self.sleep(min(pause, self.retry_after_cap_s))
                except ProviderRefused as error:
                    failures.append(f"{provider.name}: {error}")
                    break
        raise ProviderUnavailable("No AI provider answered: " + "; ".join(failures))


def providers_from_settings(settings: AiSettings) -> list[Provider]:
    """The providers AI_PROVIDERS names, in its order; empty when none is configured."""
    found: list[Provider] = []
    for name in settings.providers():
        if name == "bedrock":
            from veriflow.ai.bedrock import BedrockProvider

            found.append(BedrockProvider(settings.ai_bedrock_model_id))
        elif name == "openai" and settings.ai_openai_base_url:
            from veriflow.ai.openai_compatible import OpenAiCompatibleProvider, api_key

            key = api_key(settings.ai_secret_arn) if settings.ai_secret_arn else ""
            found.append(OpenAiCompatibleProvider(settings.ai_openai_base_url, settings.ai_openai_model, key))
    return found


def chain_from_settings(settings: AiSettings) -> ProviderChain:
    return ProviderChain(providers_from_settings(settings), settings.ai_timeout_s, settings.ai_retry_after_cap_s)
