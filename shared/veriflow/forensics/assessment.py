"""What a layer's analysis returns: a score for how untouched the file looks, and the findings
that explain it, each a sentence a person can check."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

Kind = Literal["jpeg", "png", "pdf"]
Severity = Literal["info", "notice", "warning", "strong"]


class Finding(BaseModel):
    """One thing the layer saw. `penalty` is how much it lowers the layer's score (0 for facts)."""

    model_config = ConfigDict(frozen=True)

    code: str  # stable, snake_case: "editing_software", "incremental_update", "ela_region"
    message: str  # a sentence naming what was found, with the values that show it
    severity: Severity = "info"
    penalty: float = Field(default=0.0, ge=0.0, le=1.0)
    data: dict[str, JsonValue] = Field(default_factory=dict)


class Assessment(BaseModel):
    """A layer's result before the pipeline adds its name, weight and duration.

    `score` is 1.0 when nothing suspicious was seen and falls towards 0.0 as findings accumulate
    (each layer documents how its findings combine). `skipped` has no score and says why."""

    status: Literal["ok", "skipped"] = "ok"
    score: float | None = Field(default=None, ge=0.0, le=1.0)
    reason: str | None = None
    findings: list[Finding] = Field(default_factory=list)
    facts: dict[str, JsonValue] = Field(default_factory=dict)  # what was read: camera, software, quality
    # Evidence files the caller stores (name -> PNG bytes); never part of the JSON.
    artifacts: dict[str, bytes] = Field(default_factory=dict, exclude=True)

    @classmethod
    def skipped(cls, reason: str, **facts: JsonValue) -> Assessment:
        return cls(status="skipped", reason=reason, facts=dict(facts))


def combined_score(findings: list[Finding]) -> float:
    """1.0 lowered by each finding's penalty in turn (independent signals: the product of 1 - p)."""
    score = 1.0
    for finding in findings:
        score *= 1.0 - finding.penalty
    return round(score, 4)
