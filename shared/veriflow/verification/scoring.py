"""DESIGN §3's score: each layer's weight, the trust score as the weighted mean over the layers that
ran (`ok`), confidence as the share of weight that ran, and the verdict. A skipped or failed layer
lowers confidence and never the score. A conclusive finding (CONCLUSIVE) makes the verdict
`tampered` whatever the mean."""

from __future__ import annotations

from dataclasses import dataclass

from veriflow.verification.schemas import LayerName, LayerResult, Verdict

WEIGHTS: dict[LayerName, int] = {"metadata": 20, "ela": 20, "vision": 20, "registry": 20, "chain": 10, "geo": 10}
LAYERS: tuple[LayerName, ...] = tuple(WEIGHTS)
TOTAL_WEIGHT = sum(WEIGHTS.values())
# Findings that decide the verdict on their own: the issuer's registered image, aligned with the
# upload, shows where it was altered. The score stays the weighted mean; the verdict is `tampered`.
CONCLUSIVE = frozenset({"registry_edited"})
AUTHENTIC_FROM = 75  # trust score at or above: authentic
TAMPERED_BELOW = 45  # below: tampered; between the two: suspicious


@dataclass(frozen=True)
class Score:
    trust_score: int | None
    confidence: float
    verdict: Verdict


def score(layers: list[LayerResult], min_confidence: float) -> Score:
    ran = [layer for layer in layers if layer.status == "ok" and layer.score is not None]
    weight_ran = sum(WEIGHTS[layer.layer] for layer in ran)
    confidence = round(weight_ran / TOTAL_WEIGHT, 4)
    if not ran:
        return Score(None, 0.0, "unverifiable")
    trust = round(100 * sum(WEIGHTS[layer.layer] * (layer.score or 0.0) for layer in ran) / weight_ran)
    if any(finding.code in CONCLUSIVE for layer in ran for finding in layer.findings):
        return Score(trust, confidence, "tampered")
    if confidence < min_confidence:
        return Score(trust, confidence, "unverifiable")
    if trust >= AUTHENTIC_FROM:
        return Score(trust, confidence, "authentic")
    return Score(trust, confidence, "suspicious" if trust >= TAMPERED_BELOW else "tampered")
