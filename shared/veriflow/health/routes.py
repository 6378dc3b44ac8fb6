"""The HTTP API's route table (data/routes.json, written from template.yaml by scripts/route_table.py).

The health function serves `$default`, where API Gateway sends every request no route matches:
a path the table knows with another method is a 405 with `Allow`, anything else a 404.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

_PARAMETER = re.compile(r"\{([^{}+]+)(\+?)\}")


def _pattern(path: str) -> re.Pattern[str]:
    # API Gateway: `{name}` is one non-empty segment, `{name+}` the non-empty rest of the path.
    regex, end = "", 0
    for match in _PARAMETER.finditer(path):
        regex += re.escape(path[end:match.start()]) + (".+" if match.group(2) else "[^/]+")
        end = match.end()
    return re.compile(regex + re.escape(path[end:]))


def specificity(path: str) -> tuple[bool, int]:
    """API Gateway's preference: no greedy `{x+}`, then more literal segments."""
    segments = path.strip("/").split("/")
    return "+}" not in path, sum(not segment.startswith("{") for segment in segments)


@lru_cache(maxsize=1)
def _table() -> tuple[tuple[re.Pattern[str], tuple[bool, int], tuple[str, ...]], ...]:
    # Read on the first unmatched request, never at import: liveness pays nothing for it.
    text = resources.files("veriflow.health").joinpath("data/routes.json").read_text(encoding="utf-8")
    routes: dict[str, list[str]] = json.loads(text)["routes"]
    return tuple((_pattern(path), specificity(path), tuple(methods)) for path, methods in routes.items())


def allowed_methods(path: str) -> list[str]:
    """The methods of the resource at `path` (empty: no route has this path). The resource is the
    most specific route path that fits: `/v1/notifications/preferences` is its own resource, not
    a `{notification_id}` of `/v1/notifications/{notification_id}`."""
    fitting = [(rank, methods) for pattern, rank, methods in _table() if pattern.fullmatch(path)]
    if not fitting:
        return []
    best = max(rank for rank, _ in fitting)
    return sorted({method for rank, methods in fitting if rank == best for method in methods})
