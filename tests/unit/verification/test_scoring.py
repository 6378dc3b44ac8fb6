"""DESIGN §3's score: weighted mean over the layers that ran, confidence as the share of weight that
ran, and a skipped or failed layer never moving the score."""

from __future__ import annotations

import pytest

from veriflow.verification.schemas import LayerName, LayerResult
from veriflow.verification.scoring import LAYERS, TOTAL_WEIGHT, WEIGHTS, score
from veriflow.verification.verdict import _all_layers


def _layers(**scores: float | str) -> list[LayerResult]:
    """One result per layer: a number is `ok` with that score, a word is that status."""
    made = []
    for name in LAYERS:
        value = scores.get(name, "skipped")
        if isinstance(value, str):
            made.append(LayerResult(layer=name, status=value, weight=WEIGHTS[name]))  # type: ignore[arg-type]
        else:
            made.append(LayerResult(layer=name, status="ok", score=value, weight=WEIGHTS[name]))
    return made


def test_the_weights_are_designs() -> None:
    assert WEIGHTS == {"metadata": 20, "ela": 20, "vision": 20, "registry": 20, "chain": 10, "geo": 10}
    assert TOTAL_WEIGHT == 100


def test_the_trust_score_is_the_weighted_mean_of_the_layers_that_ran() -> None:
    # GIVEN metadata 1.0 (weight 20), ela 0.5 (20), geo 0.8 (10); the rest skipped
    result = score(_layers(metadata=1.0, ela=0.5, geo=0.8), min_confidence=0.4)
    # THEN (20*1 + 20*0.5 + 10*0.8) / 50 = 76, confidence 0.5
    assert (result.trust_score, result.confidence, result.verdict) == (76, 0.5, "authentic")


@pytest.mark.parametrize("status", ["skipped", "error"])
def test_a_layer_that_did_not_run_lowers_confidence_never_the_score(status: str) -> None:
    ran = score(_layers(metadata=0.9, ela=0.6, geo=1.0), min_confidence=0.4)
    missing = score(_layers(metadata=0.9, ela=0.6, geo=status), min_confidence=0.4)
    assert missing.confidence == pytest.approx(ran.confidence - 0.1)
    assert missing.trust_score == round(100 * (20 * 0.9 + 20 * 0.6) / 40)


def test_too_little_weight_is_unverifiable_whatever_the_score() -> None:
    assert score(_layers(geo=1.0), min_confidence=0.4).verdict == "unverifiable"
    assert score(_layers(), min_confidence=0.4) == score(_layers(vision="error"), min_confidence=0.4)
    assert score(_layers(), min_confidence=0.4).trust_score is None


@pytest.mark.parametrize(("ela", "verdict"), [(1.0, "authentic"), (0.3, "suspicious")])
def test_ela_alone_cannot_call_a_clean_file_tampered(ela: float, verdict: str) -> None:
    # GIVEN clean metadata and geo, and ELA at its floor (0.3: the lowest it gives by itself)
    result = score(_layers(metadata=1.0, ela=ela, geo=1.0), min_confidence=0.4)
    # THEN at worst suspicious, never tampered
    assert result.verdict == verdict


def test_low_scores_across_layers_are_tampered() -> None:
    assert score(_layers(metadata=0.2, ela=0.3, geo=0.6), min_confidence=0.4).verdict == "tampered"


def test_a_caught_failure_and_a_missing_branch_become_errors() -> None:
    # GIVEN the Parallel state's output: one branch's Catch, one branch absent, the rest results
    reported: list[LayerResult | dict[str, object]] = [
        {"layer": "metadata", "status": "error", "error": "RuntimeError",
         "cause": '{"errorMessage": "boom", "errorType": "RuntimeError"}'},
        *[layer for layer in _layers(ela=0.9) if layer.layer not in ("metadata", "geo")],
    ]
    layers = _all_layers(reported)  # type: ignore[arg-type]
    by_name: dict[LayerName, LayerResult] = {layer.layer: layer for layer in layers}
    # THEN every layer is there once, in order; the failure names its error and message
    assert [layer.layer for layer in layers] == list(LAYERS)
    assert by_name["metadata"].status == "error"
    assert by_name["metadata"].reason == "The layer failed (RuntimeError): boom."
    assert by_name["geo"].status == "error"
    assert by_name["ela"].score == 0.9


def test_an_edit_located_against_the_issuers_image_is_tampered_whatever_the_mean() -> None:
    # GIVEN every other layer clean and the registry layer's conclusive finding
    from veriflow.forensics.assessment import Finding

    layers = _layers(metadata=1.0, ela=1.0, chain="skipped", geo=1.0)
    edited = Finding(code="registry_edited", message="The upload is an altered copy.", severity="strong", penalty=1.0)
    layers[LAYERS.index("registry")] = LayerResult(layer="registry", status="ok", score=0.0, weight=20,
                                                   findings=[edited])
    result = score(layers, min_confidence=0.4)
    # THEN the verdict is tampered, and the score is still the weighted mean: (20 + 20 + 0 + 10) / 70
    assert (result.verdict, result.trust_score) == ("tampered", 71)


def test_the_registry_branch_reports_its_layers_as_one_nested_list() -> None:
    from veriflow.verification.verdict import _flatten

    reported = [{"layer": "metadata"}, [{"layer": "registry"}, {"layer": "chain"}, {"layer": "vision"}],
                {"layer": "geo"}]
    assert [item["layer"] for item in _flatten(reported)] == ["metadata", "registry", "chain", "vision", "geo"]
