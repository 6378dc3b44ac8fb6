"""The vision layer's analysis through a real provider client and a local chat-completions server:
what the model read compared with the issued record, its signs of editing, no provider, and a
malformed answer (an error, never a score)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.ai.test_providers import FakeOpenAi, completion, json_reply
from veriflow.ai.chain import ProviderChain
from veriflow.ai.openai_compatible import OpenAiCompatibleProvider
from veriflow.ai.provider import MalformedAnswer
from veriflow.forensics.vision import RegistryRecord, analyse, parse_answer

CERTIFICATE_ID = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
RECORD = RegistryRecord(certificate_id=CERTIFICATE_ID, recipient_name="Ada Lovelace", title="Analytical Engines 101",
                        issued_at="2026-11-30T09:00:00+00:00", expires_at=None)
IMAGE = b"\xff\xd8\xff\xe0 a jpeg"


def reading(**fields: Any) -> dict[str, Any]:
    base = {"recipient_name": "Ada Lovelace", "certificate_id": CERTIFICATE_ID, "title": "Analytical Engines 101",
            "issued_on": "2026-11-30", "expires_on": None, "issuer": "Acme Academy"}
    return {"document_type": "certificate", "fields": {**base, **fields}, "editing_signs": [], "confidence": 0.9}


@pytest.fixture
def model() -> Iterator[Any]:
    server = FakeOpenAi()

    def answer(content: dict[str, Any] | str) -> ProviderChain:
        text = content if isinstance(content, str) else json.dumps(content)
        server.replies.append(json_reply(200, completion(text)))
        return ProviderChain([OpenAiCompatibleProvider(server.url, "vision-1", "k")], timeout_s=2.0,
                             sleep=lambda _: None)

    yield answer
    server.close()


def test_fields_that_match_the_record_score_full(model: Any) -> None:
    result = analyse(IMAGE, "image/jpeg", RECORD, model(reading(recipient_name="ADA  LOVELACE")))
    assert (result.status, result.score) == ("ok", 1.0)
    rows = {row["field"]: row for row in result.facts["compared"]}
    assert rows["recipient_name"]["similarity"] == 100.0
    assert rows["certificate_id"]["read"] == CERTIFICATE_ID
    assert result.facts["record"]["recipient_name"] == "Ada Lovelace"  # side by side in the report
    assert (result.facts["provider"], result.facts["model"]) == ("openai", "vision-1")


def test_a_different_name_is_strong_evidence(model: Any) -> None:
    result = analyse(IMAGE, "image/jpeg", RECORD, model(reading(recipient_name="Grace Hopper")))
    [finding] = [f for f in result.findings if f.code == "vision_name_differs"]
    assert finding.severity == "strong"
    assert result.score is not None
    assert result.score <= 0.2


def test_a_different_certificate_id_is_strong_evidence(model: Any) -> None:
    forged = CERTIFICATE_ID[:-1] + "c"
    result = analyse(IMAGE, "image/jpeg", RECORD, model(reading(certificate_id=forged)))
    assert [f.code for f in result.findings] == ["vision_id_differs"]
    assert result.score is not None
    assert result.score <= 0.2


def test_a_near_name_and_another_date_are_warnings(model: Any) -> None:
    result = analyse(IMAGE, "image/jpeg", RECORD, model(reading(recipient_name="Ada Lovelock",
                                                                 issued_on="2025-11-30")))
    assert sorted(f.code for f in result.findings) == ["vision_issued_on_differs", "vision_name_near"]
    assert result.score is not None
    assert 0.4 < result.score < 0.6


def test_signs_of_editing_weigh_by_the_models_confidence(model: Any) -> None:
    answer = reading() | {"editing_signs": [{"description": "The name's font differs.", "box": [0.3, 0.4, 0.7, 0.5]}],
                          "confidence": 0.5}
    result = analyse(IMAGE, "image/jpeg", RECORD, model(answer))
    [sign] = result.findings
    assert (sign.code, sign.penalty, sign.data["box"]) == ("vision_editing_sign", 0.2, [0.3, 0.4, 0.7, 0.5])


def test_without_a_registry_match_the_fields_are_shown_and_compared_with_nothing(model: Any) -> None:
    result = analyse(IMAGE, "image/jpeg", None, model(reading()))
    assert result.status == "ok"
    assert result.facts["compared"] == []
    assert result.facts["fields"]["recipient_name"] == "Ada Lovelace"


def test_no_provider_configured_is_skipped() -> None:
    result = analyse(IMAGE, "image/jpeg", RECORD, ProviderChain([]))
    assert (result.status, result.reason) == ("skipped", "No AI provider is configured.")


@pytest.mark.parametrize("answer", ["I cannot help with that.", '{"fields": {}}',
                                    '{"document_type": "certificate", "fields": {}, "confidence": 7}'],
                         ids=["prose", "missing-keys", "confidence-out-of-range"])
def test_a_malformed_answer_is_an_error_not_a_score(model: Any, answer: str) -> None:
    with pytest.raises(MalformedAnswer):
        analyse(IMAGE, "image/jpeg", RECORD, model(answer))


def test_an_answer_in_a_code_fence_is_read() -> None:
    assert parse_answer("```json\n" + json.dumps(reading()) + "\n```").fields.recipient_name == "Ada Lovelace"
