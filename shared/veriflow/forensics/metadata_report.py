"""What the metadata readers collect while they look: findings and facts, gathered in one place
so each signal is a small function that adds to it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import JsonValue

from veriflow.forensics.assessment import Finding, Severity


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    facts: dict[str, JsonValue] = field(default_factory=dict)

    def add(self, code: str, message: str, severity: Severity = "info", penalty: float = 0.0,
            **data: JsonValue) -> None:
        self.findings.append(Finding(code=code, message=message, severity=severity, penalty=penalty, data=data))


def listed(values: Iterable[JsonValue]) -> list[JsonValue]:
    """`values` as a JSON list (a list[str] is not a list[JsonValue] to the type checker)."""
    return list(values)
