"""Per-invocation environment variables for functions that share one process and run in threads.

`os.environ` is replaced once by a mapping that reads a context-local overlay first, so each
invocation sees its own function's variables through `os.environ`, `os.getenv` and
pydantic-settings, while concurrent invocations (Parallel branches, pollers, HTTP requests) never
see each other's. There is no lock: a handler's AWS call may make moto invoke another function on
the same thread, which simply stacks another overlay on top.

Threads a handler starts (a ThreadPoolExecutor for parallel checks, say) inherit its overlay,
as they would inherit the environment of a Lambda container; Python 3.13 threads otherwise start
with an empty context.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Final

# None marks a variable deleted inside the invocation.
_Layer = dict[str, str | None]
_overlay: Final[ContextVar[_Layer | None]] = ContextVar("veriflow_local_environ", default=None)


class OverlayEnviron(os._Environ[str]):
    """`os.environ`, plus the overlay of the invocation running in the current context.

    It shares the process environment's storage, so code holding the original `os.environ`
    (or writing it outside any invocation) still reads and writes the same variables.
    """

    def __init__(self, base: os._Environ[str]) -> None:
        data = base._data  # type: ignore[attr-defined]
        super().__init__(data, base.encodekey, base.decodekey, base.encodevalue, base.decodevalue)

    def __getitem__(self, key: str) -> str:
        layer = _overlay.get()
        if layer is not None and key in layer:
            value = layer[key]
            if value is None:
                raise KeyError(key)
            return value
        return super().__getitem__(key)

    def __setitem__(self, key: str, value: str) -> None:
        layer = _overlay.get()
        if layer is None:
            super().__setitem__(key, value)
            return
        # Same type errors as os.environ gives.
        self.encodekey(key)
        self.encodevalue(value)
        layer[key] = value

    def __delitem__(self, key: str) -> None:
        layer = _overlay.get()
        if layer is None:
            super().__delitem__(key)
            return
        if key not in self:
            raise KeyError(key)
        layer[key] = None

    def __iter__(self) -> Iterator[str]:
        layer = _overlay.get()
        if layer is None:
            yield from super().__iter__()
            return
        for key in list(super().__iter__()):
            if key not in layer:
                yield key
        yield from (key for key, value in list(layer.items()) if value is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        try:
            self[key]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def copy(self) -> dict[str, str]:
        return dict(self)

    def __repr__(self) -> str:
        return f"environ({dict(self)!r})"


_thread_start = threading.Thread.start
# Other per-invocation context (the caller's IAM principal) that a handler's threads inherit too.
_inherited: list[ContextVar[object]] = []


def inherit(variable: ContextVar[Any]) -> None:
    """Threads started inside an invocation also see `variable`'s value at their start."""
    if variable not in _inherited:
        _inherited.append(variable)


def _start_in_overlay(self: threading.Thread) -> None:
    layer = _overlay.get()
    if layer is not None:
        run = self.run
        values = [(variable, variable.get(None)) for variable in _inherited]

        def run_in_overlay() -> None:
            _overlay.set(layer)
            for variable, value in values:
                variable.set(value)
            run()

        self.run = run_in_overlay  # type: ignore[method-assign]
    _thread_start(self)


def install() -> OverlayEnviron:
    """Replace `os.environ` by the overlay-aware mapping (once per process; later calls reuse it)."""
    threading.Thread.start = _start_in_overlay  # type: ignore[method-assign]
    if not isinstance(os.environ, OverlayEnviron):
        # Deliberately a new mapping over the same storage: nothing is cleared or copied.
        os.environ = OverlayEnviron(os.environ)  # noqa: B003
    return os.environ


@contextmanager
def overlay(variables: Mapping[str, str]) -> Iterator[None]:
    """Within the block, in this context only, `os.environ` also holds `variables`."""
    install()
    token = _overlay.set(dict(variables))
    try:
        yield
    finally:
        _overlay.reset(token)
