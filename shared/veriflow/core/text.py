"""Text PostgreSQL can store: none with the NUL character (U+0000), in text or in JSON.

SQLite stores NUL in text, PostgreSQL refuses it (in text and in JSONB alike), so a request that
works locally would be a 500 in production. Requests are refused before any route runs
(`veriflow.core.request_text`) and the database refuses it again on write (`veriflow.core.types`).
Standard library only: every function imports this through its models.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

NUL = "\x00"
NUL_RULE = "string_nul_character"
NUL_MESSAGE = "Text must not contain the NUL character (U+0000)."

Location = tuple[str, ...]


def nul_locations(value: Any, at: Location = ()) -> Iterator[Location]:
    """Where NUL occurs in a JSON-like value (strings, object keys, nested lists and objects).
    A key holding NUL is reported at its object: the location never carries the offending text."""
    stack: list[tuple[Any, Location]] = [(value, at)]
    while stack:  # a loop, not recursion: a deeply nested body cannot exhaust the stack
        item, loc = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                yield loc
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                if isinstance(key, str) and NUL in key:
                    yield loc
                else:
                    stack.append((child, (*loc, str(key))))
        elif isinstance(item, list | tuple):
            stack.extend((child, (*loc, str(index))) for index, child in reversed(list(enumerate(item))))


def contains_nul_escape(serialised: str) -> bool:
    """Whether JSON text encodes NUL (an unescaped `\\u0000`)."""
    if "\\u0000" not in serialised:
        return False
    try:
        return next(nul_locations(json.loads(serialised)), None) is not None
    except ValueError:
        return False
