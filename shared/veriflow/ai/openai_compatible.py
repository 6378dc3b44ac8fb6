"""Any OpenAI-compatible chat-completions endpoint (`POST {base}/v1/chat/completions`): the image
as a base64 data URL, a JSON answer asked for, the bearer key read from Secrets Manager. The whole
exchange has a wall-clock deadline (a slow-drip answer is cut), a 429 or 5xx is worth a retry
(with the server's Retry-After), other 4xx are the request's fault."""

from __future__ import annotations

import base64
import http.client
import json
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from veriflow.ai.provider import AiAnswer, AiRequest, MalformedAnswer, ProviderRefused, ProviderUnavailable
from veriflow.core.snapstart import after_restore

MAX_ANSWER_BYTES = 1024 * 1024
_keys: dict[str, str] = {}
_keys_lock = threading.Lock()


def reset_key_cache() -> None:
    with _keys_lock:
        _keys.clear()


after_restore(reset_key_cache)  # a key rotated while the snapshot waited is read again


def api_key(secret_arn: str) -> str:
    """The provider key from the secret's JSON (`openai_api_key`), read once per container."""
    with _keys_lock:
        if secret_arn not in _keys:
            from veriflow.core.aws import client

            secret = json.loads(client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"])
            _keys[secret_arn] = str(secret.get("openai_api_key") or "")
        return _keys[secret_arn]


class OpenAiCompatibleProvider:
    name = "openai"

    def __init__(self, base_url: str, model: str, key: str) -> None:
        parts = urlsplit(base_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"AI_OPENAI_BASE_URL is not an http(s) URL: {base_url!r}")
        self.model = model
        self._scheme, self._host, self._port = parts.scheme, parts.hostname, parts.port
        path = parts.path.rstrip("/")
        self._path = path + ("/chat/completions" if path.endswith("/v1") else "/v1/chat/completions")
        self._key = key

    def ask(self, request: AiRequest, timeout_s: float) -> AiAnswer:
        started = time.monotonic()
        image = base64.b64encode(request.image).decode("ascii")
        messages: list[dict[str, Any]] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages.append({"role": "user", "content": [
            {"type": "text", "text": request.prompt},
            {"type": "image_url", "image_url": {"url": f"data:{request.media_type};base64,{image}"}},
        ]})
        body = json.dumps({"model": self.model, "messages": messages, "max_tokens": request.max_tokens,
                           "temperature": 0, "response_format": {"type": "json_object"}}).encode()
        headers = {"content-type": "application/json", "accept": "application/json"}
        if self._key:
            headers["authorization"] = f"Bearer {self._key}"
        status, retry_after, raw = self._post(body, headers, timeout_s)
        if status == 429 or status >= 500:
            raise ProviderUnavailable(f"The provider answered {status}.", retry_after=retry_after)
        if status >= 400:
            raise ProviderRefused(f"The provider refused the request ({status}): {_excerpt(raw)}")
        try:
            text = json.loads(raw)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise MalformedAnswer("The provider's answer is not a chat completion.") from error
        if not isinstance(text, str):
            raise MalformedAnswer("The provider's answer holds no message text.")
        return AiAnswer(text=text, provider=self.name, model=self.model,
                        duration_ms=round((time.monotonic() - started) * 1000))

    def _post(self, body: bytes, headers: dict[str, str], timeout_s: float) -> tuple[int, float | None, bytes]:
        from urllib3.connection import HTTPConnection, HTTPSConnection
        from urllib3.exceptions import HTTPError

        from veriflow.core.deadline import Deadline

        kind = HTTPSConnection if self._scheme == "https" else HTTPConnection
        connection = kind(self._host, self._port, timeout=timeout_s)
        deadline = Deadline(connection, timeout_s)
        try:
            connection.connect()
            deadline.connected()
            if deadline.passed:
                raise TimeoutError
            connection.request("POST", self._path, body=body, headers=headers, preload_content=False)
            response = connection.getresponse()
            try:
                raw = response.read(MAX_ANSWER_BYTES + 1, decode_content=True)
            finally:
                response.close()
            if deadline.passed:
                raise TimeoutError
            if len(raw) > MAX_ANSWER_BYTES:
                raise MalformedAnswer(f"The provider's answer is larger than {MAX_ANSWER_BYTES} bytes.")
            return response.status, _retry_after(response.headers.get("retry-after")), raw
        except (HTTPError, OSError, http.client.HTTPException) as error:
            if deadline.passed:
                raise ProviderUnavailable(f"The provider gave no complete answer within {timeout_s:g} s.") from error
            raise ProviderUnavailable(f"The provider could not be reached: {type(error).__name__}.") from error
        finally:
            deadline.cancel()
            connection.close()


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _excerpt(raw: bytes) -> str:
    return raw[:200].decode("utf-8", "replace").replace("\x00", "\ufffd")
