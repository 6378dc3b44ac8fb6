"""Amazon Bedrock through boto3's Converse API: the image as an image block beside the prompt.
botocore retries nothing here (the provider chain retries once, then falls back), and the read
timeout is the attempt's."""

from __future__ import annotations

import time
from typing import Any

from veriflow.ai.provider import AiAnswer, AiRequest, MalformedAnswer, ProviderRefused, ProviderUnavailable

# Bedrock's error codes that a moment later may not repeat; the rest are the request's fault.
_TRANSIENT = frozenset({"ThrottlingException", "ServiceUnavailableException", "ModelTimeoutException",
                        "InternalServerException", "ModelNotReadyException", "ServiceQuotaExceededException"})


class BedrockProvider:
    name = "bedrock"

    def __init__(self, model: str, client: Any = None) -> None:
        self.model = model
        self._client = client
        self._timeout: float | None = None

    def client(self, timeout_s: float) -> Any:
        if self._client is None or (self._timeout is not None and self._timeout != timeout_s):
            from botocore.config import Config

            from veriflow.core.aws import dedicated_client

            config = Config(connect_timeout=min(5.0, timeout_s), read_timeout=timeout_s,
                            retries={"total_max_attempts": 1})
            self._client, self._timeout = dedicated_client("bedrock-runtime", config), timeout_s
        return self._client

    def ask(self, request: AiRequest, timeout_s: float) -> AiAnswer:
        from botocore.exceptions import BotoCoreError, ClientError

        started = time.monotonic()
        body: dict[str, Any] = {
            "modelId": self.model,
            "messages": [{"role": "user", "content": [
                {"image": {"format": request.media_type.split("/")[1], "source": {"bytes": request.image}}},
                {"text": request.prompt},
            ]}],
            "inferenceConfig": {"maxTokens": request.max_tokens, "temperature": 0.0},
        }
        if request.system:
            body["system"] = [{"text": request.system}]
        try:
            answer = self.client(timeout_s).converse(**body)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in _TRANSIENT:
                raise ProviderUnavailable(f"Bedrock answered {code}.") from error
            raise ProviderRefused(f"Bedrock refused the request: {code}.") from error
        except BotoCoreError as error:  # timeouts, connection errors
            raise ProviderUnavailable(f"Bedrock did not answer: {type(error).__name__}.") from error
        try:
            blocks = answer["output"]["message"]["content"]
            text = "".join(block["text"] for block in blocks if "text" in block)
        except (KeyError, TypeError) as error:
            raise MalformedAnswer("Bedrock's answer holds no message text.") from error
        return AiAnswer(text=text, provider=self.name, model=self.model,
                        duration_ms=round((time.monotonic() - started) * 1000))
