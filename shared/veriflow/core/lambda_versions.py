"""Old published versions of the functions behind an alias, deleted.

The API functions publish a version on every deploy that changes them (`AutoPublishAlias: live`,
which SnapStart needs). With SnapStart on, every version that exists keeps a snapshot cached and
billed; without it, versions still count against the account's code storage. Kept: every version
an alias points at, every newer one (a deploy may be publishing it), and the newest few older
ones to roll back to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from veriflow.core import aws

KEEP_PREVIOUS = 2


def _versions(lam: Any, name: str) -> list[int]:
    pages = lam.get_paginator("list_versions_by_function").paginate(FunctionName=name)
    return sorted(int(v["Version"]) for page in pages for v in page["Versions"] if v["Version"] != "$LATEST")


def _aliased(lam: Any, name: str) -> set[int]:
    """Every version an alias routes to: its own, and those it shifts traffic to (a gradual deploy)."""
    pages = lam.get_paginator("list_aliases").paginate(FunctionName=name)
    routed = {
        version
        for page in pages
        for alias in page["Aliases"]
        for version in [alias["FunctionVersion"], *alias.get("RoutingConfig", {}).get("AdditionalVersionWeights", {})]
    }
    return {int(version) for version in routed if version != "$LATEST"}


def stale_versions(versions: Sequence[int], aliased: set[int], keep_previous: int = KEEP_PREVIOUS) -> list[int]:
    """The versions to delete: older than every alias's, and not among the newest `keep_previous`
    of those. None while no alias points at a version."""
    if not aliased:
        return []
    older = [v for v in sorted(versions) if v < min(aliased)]
    return older[: max(len(older) - keep_previous, 0)]


def prune_versions(function_names: Sequence[str], keep_previous: int = KEEP_PREVIOUS) -> dict[str, list[str]]:
    """Delete each function's stale versions; the versions deleted, by function. Safe to repeat:
    a version already gone is skipped."""
    lam = aws.client("lambda")
    deleted: dict[str, list[str]] = {}
    for name in function_names:
        gone = []
        for version in stale_versions(_versions(lam, name), _aliased(lam, name), keep_previous):
            try:
                lam.delete_function(FunctionName=name, Qualifier=str(version))
            except lam.exceptions.ResourceNotFoundException:
                continue
            gone.append(str(version))
        deleted[name] = gone
    return deleted
