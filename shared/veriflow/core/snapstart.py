"""Lambda SnapStart: work done once before the snapshot, and state renewed after each restore.

With SnapStart on (template parameter `SnapStart`), Lambda runs a function's init when a version
is published, snapshots the process and resumes every new environment from that copy. So init may
do more (import what the first request would, build route tables), and whatever init left behind
is shared by every copy and may be hours old when it runs: cached secrets and keys, pooled
connections, clients holding credentials, the `random` module's seed. Each module that keeps such
state registers its own renewal here, next to the state.

The hooks go to `snapshot_restore_py`, which the Python managed runtime provides and calls. Where
it is absent (the local server, `sam local`), registering does nothing and no hook ever runs, as
on a function without SnapStart.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

Hook = Callable[[], Any]

try:
    from snapshot_restore_py import register_after_restore as _register_after_restore
    from snapshot_restore_py import register_before_snapshot as _register_before_snapshot
except ImportError:  # not in a Lambda managed runtime
    _register_after_restore = _register_before_snapshot = None


def before_snapshot(hook: Hook) -> Hook:
    """Run `hook` once before the snapshot is taken (Lambda runs these in reverse order)."""
    if _register_before_snapshot is not None:
        _register_before_snapshot(hook)
    return hook


def after_restore(hook: Hook) -> Hook:
    """Run `hook` in every environment resumed from the snapshot, before its first request."""
    if _register_after_restore is not None:
        _register_after_restore(hook)
    return hook


@after_restore
def _reseed_random() -> None:
    # Every copy would otherwise draw the same sequence from `random`. Tokens and ids come from
    # `secrets` and os.urandom, which a snapshot cannot repeat.
    random.seed()
