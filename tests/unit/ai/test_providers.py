"""The AI providers' real client code against what they talk to: a local HTTP server speaking the
OpenAI chat-completions wire format, and botocore's Stubber on a real bedrock-runtime client.
Timeouts, throttles, server errors, slow-drip bodies and malformed answers included."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import ANY, Stubber
from moto import mock_aws

from veriflow.ai.bedrock import BedrockProvider
from veriflow.ai.chain import ProviderChain, providers_from_settings
from veriflow.ai.openai_compatible import OpenAiCompatibleProvider, reset_key_cache
from veriflow.ai.provider import AiRequest, MalformedAnswer, ProviderUnavailable
from veriflow.ai.settings import AiSettings

REQUEST = AiRequest(prompt="Read it.", image=b"\xff\xd8\xff\xe0fake-jpeg", media_type="image/jpeg", max_tokens=300)
GOOD = {"document_type": "certificate", "fields": {"recipient_name": "Ada Lovelace"}, "confidence": 0.9}

Reply = Callable[[BaseHTTPRequestHandler], None]


def completion(content: str) -> bytes:
    return json.dumps({"id": "c1", "object": "chat.completion", "model": "m",
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                    "finish_reason": "stop"}]}).encode()


class FakeOpenAi:
    """A chat-completions endpoint answering each request with the next scripted reply."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["content-length"])
                fake.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                      "body": json.loads(self.rfile.read(length))})
                reply = fake.replies.pop(0) if fake.replies else json_reply(500, b"{}")
                reply(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def json_reply(status: int, body: bytes, headers: dict[str, str] | None = None) -> Reply:
    def reply(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    return reply


def slow_drip(body: bytes, every_s: float) -> Reply:
    def reply(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(body)))
        handler.end_headers()
        try:
            for byte in body:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(every_s)
        except OSError:
            pass  # the client hung up at its deadline

    return reply


@pytest.fixture
def fake() -> Iterator[FakeOpenAi]:
    server = FakeOpenAi()
    yield server
    server.close()


def chain(*providers: Any, timeout_s: float = 2.0) -> ProviderChain:
    pauses: list[float] = []
    made = ProviderChain(list(providers), timeout_s=timeout_s, retry_after_cap_s=1.0, sleep=pauses.append)
    made.pauses = pauses  # type: ignore[attr-defined]
    return made


def test_a_good_answer_carries_the_image_as_a_data_url_and_the_key_from_the_secret(
    fake: FakeOpenAi, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the provider key in Secrets Manager and a provider configured by settings
    with mock_aws():
        secret = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name="veriflow/test/ai", SecretString=json.dumps({"openai_api_key": "sk-test-123"}))["ARN"]
        reset_key_cache()
        settings = AiSettings(ai_providers="openai", ai_openai_base_url=fake.url, ai_openai_model="vision-1",
                              ai_secret_arn=secret)
        [provider] = providers_from_settings(settings)
    fake.replies.append(json_reply(200, completion(json.dumps(GOOD))))
    # WHEN asked
    answer = chain(provider).ask(REQUEST)
    # THEN the answer's text comes back, and the request was the wire format with our key and image
    assert json.loads(answer.text) == GOOD
    assert (answer.provider, answer.model) == ("openai", "vision-1")
    [sent] = fake.requests
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["authorization"] == "Bearer sk-test-123"
    assert sent["body"]["model"] == "vision-1"
    assert sent["body"]["response_format"] == {"type": "json_object"}
    image = next(part for part in sent["body"]["messages"][-1]["content"] if part["type"] == "image_url")
    assert image["image_url"]["url"] == "data:image/jpeg;base64," + base64.b64encode(REQUEST.image).decode()
    reset_key_cache()


def test_a_429_is_retried_once_after_its_retry_after(fake: FakeOpenAi) -> None:
    fake.replies += [json_reply(429, b'{"error": "slow down"}', {"retry-after": "0.7"}),
                     json_reply(200, completion(json.dumps(GOOD)))]
    asking = chain(OpenAiCompatibleProvider(fake.url, "m", "k"))
    assert json.loads(asking.ask(REQUEST).text) == GOOD
    assert len(fake.requests) == 2
    assert asking.pauses == [0.7]  # type: ignore[attr-defined]


def test_two_server_errors_fall_back_to_the_next_provider(fake: FakeOpenAi) -> None:
    other = FakeOpenAi()
    try:
        fake.replies += [json_reply(503, b"{}"), json_reply(502, b"{}")]
        other.replies.append(json_reply(200, completion(json.dumps(GOOD))))
        answer = chain(OpenAiCompatibleProvider(fake.url, "first", "k"),
                       OpenAiCompatibleProvider(other.url, "second", "k")).ask(REQUEST)
        assert answer.model == "second"
        assert (len(fake.requests), len(other.requests)) == (2, 1)
    finally:
        other.close()


def test_every_provider_failing_is_unavailable_naming_each_failure(fake: FakeOpenAi) -> None:
    fake.replies += [json_reply(500, b"{}"), json_reply(500, b"{}")]
    with pytest.raises(ProviderUnavailable, match="openai: The provider answered 500"):
        chain(OpenAiCompatibleProvider(fake.url, "m", "k")).ask(REQUEST)


def test_a_slow_drip_answer_is_cut_at_the_deadline(fake: FakeOpenAi) -> None:
    # GIVEN a server that sends its (complete, valid) answer one byte every 50 ms: 10+ s in all
    fake.replies += [slow_drip(completion(json.dumps(GOOD)), 0.05)] * 2
    provider = OpenAiCompatibleProvider(fake.url, "m", "k")
    # WHEN one attempt may take 0.5 s
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match=r"no complete answer within 0\.5 s"):
        provider.ask(REQUEST, timeout_s=0.5)
    # THEN it gives up at about the deadline, although every read was quick
    assert time.monotonic() - started < 2.0


def test_an_answer_that_is_not_a_chat_completion_is_malformed_and_not_retried(fake: FakeOpenAi) -> None:
    fake.replies.append(json_reply(200, b"<html>gateway</html>"))
    with pytest.raises(MalformedAnswer):
        chain(OpenAiCompatibleProvider(fake.url, "m", "k")).ask(REQUEST)
    assert len(fake.requests) == 1


def test_a_refused_request_goes_to_the_next_provider_without_a_retry(fake: FakeOpenAi) -> None:
    other = FakeOpenAi()
    try:
        fake.replies.append(json_reply(401, b'{"error": "bad key"}'))
        other.replies.append(json_reply(200, completion("{}")))
        answer = chain(OpenAiCompatibleProvider(fake.url, "a", "k"), OpenAiCompatibleProvider(other.url, "b", "k")
                       ).ask(REQUEST)
        assert answer.model == "b"
        assert len(fake.requests) == 1
    finally:
        other.close()


def _bedrock_client() -> Any:
    return boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="x",
                        aws_secret_access_key="y", config=Config(retries={"total_max_attempts": 1}))


def _converse_answer(text: str) -> dict[str, Any]:
    return {"output": {"message": {"role": "assistant", "content": [{"text": text}]}}, "stopReason": "end_turn",
            "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15}, "metrics": {"latencyMs": 40}}


def test_bedrock_asks_converse_with_the_image_block_and_the_model() -> None:
    client = _bedrock_client()
    with Stubber(client) as stub:
        stub.add_response("converse", _converse_answer(json.dumps(GOOD)), {
            "modelId": "amazon.nova-lite-v1:0",
            "messages": [{"role": "user", "content": [
                {"image": {"format": "jpeg", "source": {"bytes": REQUEST.image}}}, {"text": "Read it."}]}],
            "inferenceConfig": {"maxTokens": 300, "temperature": 0.0}})
        answer = BedrockProvider("amazon.nova-lite-v1:0", client=client).ask(REQUEST, 2.0)
        stub.assert_no_pending_responses()
    assert json.loads(answer.text) == GOOD
    assert answer.provider == "bedrock"


def test_bedrock_throttled_twice_falls_back_to_the_next_provider(fake: FakeOpenAi) -> None:
    client = _bedrock_client()
    fake.replies.append(json_reply(200, completion(json.dumps(GOOD))))
    with Stubber(client) as stub:
        for _ in range(2):
            stub.add_client_error("converse", service_error_code="ThrottlingException",
                                  service_message="Too many requests", http_status_code=429,
                                  expected_params={"modelId": "m", "messages": ANY, "inferenceConfig": ANY})
        answer = chain(BedrockProvider("m", client=client), OpenAiCompatibleProvider(fake.url, "backup", "k")
                       ).ask(REQUEST)
        stub.assert_no_pending_responses()
    assert answer.model == "backup"


def test_no_provider_configured_is_an_empty_list() -> None:
    assert providers_from_settings(AiSettings()) == []
    with pytest.raises(ValueError, match="unknown AI provider"):
        AiSettings(ai_providers="bedrock,skynet")
