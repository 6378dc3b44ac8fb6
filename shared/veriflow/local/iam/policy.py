"""IAM identity-policy evaluation: what AWS decides for one action on one resource.

Follows AWS's evaluation logic for a role's identity policies: an explicit Deny wins, otherwise an
Allow is needed, otherwise the request is implicitly denied. `Action`/`NotAction` match
case-insensitively, `Resource`/`NotResource` case-sensitively, both with the `*` and `?` wildcards.
Condition blocks are not evaluated here: an Allow that carries one does not apply (so a grant that
only holds under a condition never passes locally by accident), a Deny that carries one applies.

moto has an evaluator (`moto.iam.access_control.IAMPolicyStatement`), but it has no `NotResource`,
matches actions case-sensitively, treats `.` in a pattern as a regex wildcard and turns a failed
condition into an explicit Deny, so it would both admit and refuse what AWS does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any


class Effect(Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True)
class Decision:
    """The outcome for one (action, resource); `policy` names the statement that decided, if any."""

    effect: Effect
    action: str
    resource: str
    policy: str | None = None

    @property
    def allowed(self) -> bool:
        return self.effect is Effect.ALLOW


@dataclass(frozen=True)
class NamedPolicy:
    """A policy document and the name it is known by (inline policy name or managed policy ARN)."""

    name: str
    document: Mapping[str, Any]


@lru_cache(maxsize=4096)
def _pattern(text: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(item) for item in (value if isinstance(value, list) else [value])]


def matches(patterns: Iterable[str], value: str, *, ignore_case: bool) -> bool:
    """Whether any IAM wildcard pattern matches the whole of `value`."""
    return any(_pattern(p, ignore_case).fullmatch(value) is not None for p in patterns)


def _applies(statement: Mapping[str, Any], action: str, resource: str) -> bool:
    if "NotAction" in statement:
        if matches(_as_list(statement["NotAction"]), action, ignore_case=True):
            return False
    elif not matches(_as_list(statement.get("Action")), action, ignore_case=True):
        return False
    if "NotResource" in statement:
        return not matches(_as_list(statement["NotResource"]), resource, ignore_case=False)
    return matches(_as_list(statement.get("Resource")), resource, ignore_case=False)


def _statements(document: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, Mapping) else list(statements)


def evaluate(policies: Iterable[NamedPolicy], action: str, resource: str) -> Decision:
    """AWS's decision for `action` on `resource` under these identity policies."""
    allowed_by: str | None = None
    for policy in policies:
        for statement in _statements(policy.document):
            if not _applies(statement, action, resource):
                continue
            effect = str(statement.get("Effect", "")).lower()
            if effect == "deny":
                return Decision(Effect.EXPLICIT_DENY, action, resource, policy.name)
            if effect == "allow" and not statement.get("Condition") and allowed_by is None:
                allowed_by = policy.name
    if allowed_by is not None:
        return Decision(Effect.ALLOW, action, resource, allowed_by)
    return Decision(Effect.IMPLICIT_DENY, action, resource)
