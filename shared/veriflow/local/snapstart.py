"""SnapStart's two moments as the Lambda runtime runs them, for tests and bench/cold_start.py.

Lambda runs the before-snapshot hooks (last registered first) once, after init, when it publishes a
version; each environment later resumed from that snapshot runs the after-restore hooks (first
registered first) before its first request. See veriflow.core.snapstart for what is registered.
"""

from __future__ import annotations

from snapshot_restore_py import get_after_restore, get_before_snapshot


def take_snapshot() -> None:
    """Run the before-snapshot hooks, as Lambda does once init has finished."""
    for hook, args, kwargs in reversed(get_before_snapshot()):
        hook(*args, **kwargs)


def restore() -> None:
    """Run the after-restore hooks, as Lambda does in an environment resumed from the snapshot."""
    for hook, args, kwargs in get_after_restore():
        hook(*args, **kwargs)
