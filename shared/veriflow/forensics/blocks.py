"""Regions on a grid of blocks: the 8-connected cells grown from a seed (ELA's outlying blocks,
the registry diff's differing ones). Plain Python over array indexing: no numpy import here."""

from __future__ import annotations

from collections import deque
from typing import Any


def grow_region(start: tuple[int, int], grows: Any, seen: Any) -> list[tuple[int, int]]:
    """The seed and every cell reached from it through 8-connected cells where `grows` (a 2-D
    boolean array) is true; each is marked in `seen` (same shape) so no region is grown twice."""
    rows, cols = grows.shape
    start = (int(start[0]), int(start[1]))
    members: list[tuple[int, int]] = []
    queue = deque([start])
    seen[start] = True
    while queue:
        r, c = queue.popleft()
        members.append((r, c))
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                nr, nc = r + dr, c + dc
                if 0 <= nr < rows and 0 <= nc < cols and grows[nr, nc] and not seen[nr, nc]:
                    seen[nr, nc] = True
                    queue.append((nr, nc))
    return members
