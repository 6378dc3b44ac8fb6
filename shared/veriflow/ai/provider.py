"""What is asked of a provider and what it answers, and how asking can fail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

MediaType = Literal["image/jpeg", "image/png"]


@dataclass(frozen=True)
class AiRequest:
    """A prompt about one image, asking for a JSON answer."""

    prompt: str
    image: bytes
    media_type: MediaType
    max_tokens: int = 1200
    system: str = ""


@dataclass(frozen=True)
class AiAnswer:
    text: str
    provider: str
    model: str
    duration_ms: int


class ProviderUnavailable(Exception):
    """The provider did not answer: a timeout, a throttle (429), a server error, no connection.
    Worth one retry, then the next provider."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class MalformedAnswer(Exception):
    """The provider answered, but not what was asked for (no JSON, the wrong shape, a refusal).
    The layer reports it as an error, never as a score."""


class ProviderRefused(Exception):
    """The provider refused the request itself (a bad key, an unknown model): asking again cannot help."""


class Provider(Protocol):
    name: str
    model: str

    def ask(self, request: AiRequest, timeout_s: float) -> AiAnswer: ...
