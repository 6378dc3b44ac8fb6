"""The vision layer's task as its function runs it: the upload read from S3 (moto), a PDF's first
page or an oversized image made into a JPEG the provider accepts, the registry layer's record
passed on by the state machine, a provider configured by settings (a local chat-completions
server), and the layer's result as the verdict receives it."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from PIL import Image

from tests.fixtures import certificate_images as images
from tests.unit.ai.test_providers import FakeOpenAi, completion, json_reply
from veriflow.ai.provider import ProviderUnavailable
from veriflow.ai.settings import reset_ai_caches
from veriflow.core.aws import reset_clients
from veriflow.verification.tasks import run

BUCKET = "veriflow-test-uploads"


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAi]:
    server = FakeOpenAi()
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        monkeypatch.setenv("AI_PROVIDERS", "openai")
        monkeypatch.setenv("AI_OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("AI_OPENAI_MODEL", "vision-1")
        reset_ai_caches()
        reset_clients()
        yield server
        reset_ai_caches()
        reset_clients()
    server.close()


def _task(data: bytes, kind: str, registry: dict[str, Any] | None) -> dict[str, Any]:
    key = f"incoming/{uuid.uuid4()}/{uuid.uuid4()}"
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=BUCKET, Key=key, Body=data)
    return {"upload_id": str(uuid.uuid4()), "bucket": BUCKET, "key": key, "kind": kind, "registry": registry}


def _registry(name: str) -> dict[str, Any]:
    record = {"certificate_id": str(uuid.uuid4()), "org_id": str(uuid.uuid4()), "recipient_name": name,
              "title": "Engines 101", "issued_at": "2026-11-30T09:00:00+00:00", "expires_at": None}
    return {"layer": "registry", "status": "ok", "score": 1.0, "weight": 20, "facts": {"match": "pixels",
                                                                                      "record": record}}


def _answer(name: str) -> bytes:
    return completion(json.dumps({"document_type": "certificate", "fields": {"recipient_name": name},
                                  "editing_signs": [], "confidence": 0.8}))


def test_the_model_reads_the_upload_and_its_name_is_compared_with_the_matched_record(provider: FakeOpenAi) -> None:
    made = images.certificate(seed=2, size=(1200, 850))
    provider.replies.append(json_reply(200, _answer("Grace Hopper")))
    result = run("vision", _task(images.jpeg_bytes(made.image, 90), "jpeg", _registry("Ada Lovelace")))
    assert (result["layer"], result["status"], result["weight"]) == ("vision", "ok", 20)
    assert [f["code"] for f in result["findings"]] == ["vision_name_differs"]
    [sent] = provider.requests
    url = sent["body"]["messages"][-1]["content"][1]["image_url"]["url"]
    assert url.startswith("data:image/jpeg;base64,")


def test_a_pdf_reaches_the_model_as_its_first_page_in_jpeg(provider: FakeOpenAi) -> None:
    page = io.BytesIO()
    images.certificate(seed=3, size=(900, 636)).image.save(page, "PDF")
    provider.replies.append(json_reply(200, _answer("Ada Lovelace")))
    result = run("vision", _task(page.getvalue(), "pdf", _registry("Ada Lovelace")))
    assert (result["status"], result["score"]) == ("ok", 1.0)
    url = provider.requests[0]["body"]["messages"][-1]["content"][1]["image_url"]["url"]
    import base64

    sent = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert sent.format == "JPEG"
    assert max(sent.size) <= 2048


def test_a_provider_that_never_answers_fails_the_layer_it_is_not_a_score(provider: FakeOpenAi) -> None:
    provider.replies += [json_reply(503, b"{}"), json_reply(503, b"{}")]
    with pytest.raises(ProviderUnavailable, match="No AI provider answered"):
        run("vision", _task(images.jpeg_bytes(images.certificate(seed=4, size=(600, 424)).image, 85), "jpeg", None))
