"""Per-invocation environments: concurrent invocations never see each other's variables."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic_settings import BaseSettings

from veriflow.local import environ


class _Settings(BaseSettings):
    layer_name: str = "unset"


def test_concurrent_overlays_do_not_race() -> None:
    # GIVEN two threads that are both inside their own overlay at the same moment
    both_inside = threading.Barrier(2, timeout=5)
    seen: dict[str, tuple[str | None, str | None, str, bool]] = {}

    def invocation(name: str) -> None:
        with environ.overlay({"LAYER_NAME": name}):
            both_inside.wait()
            other = "b" if name == "a" else "a"
            seen[name] = (os.environ.get("LAYER_NAME"), os.getenv("LAYER_NAME"), _Settings().layer_name,
                          other in os.environ.values())

    threads = [threading.Thread(target=invocation, args=(name,)) for name in ("a", "b")]

    # WHEN both run
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # THEN each saw only its own value, through os.environ, os.getenv and pydantic-settings
    assert seen == {"a": ("a", "a", "a", False), "b": ("b", "b", "b", False)}
    assert "LAYER_NAME" not in os.environ


def test_writes_inside_an_invocation_stay_there(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a process variable
    monkeypatch.setenv("PROCESS_WIDE", "kept")

    # WHEN an invocation sets, deletes and nests variables
    with environ.overlay({"OUTER": "1"}):
        os.environ["WRITTEN"] = "inside"
        del os.environ["PROCESS_WIDE"]
        hidden = "PROCESS_WIDE" not in os.environ and "PROCESS_WIDE" not in dict(os.environ)
        with environ.overlay({"INNER": "2"}):
            nested = (os.environ.get("OUTER"), os.environ.get("INNER"), os.environ.get("PROCESS_WIDE"))
        after_nested = (os.environ.get("OUTER"), os.environ.get("INNER"), os.environ.get("WRITTEN"))

    # THEN the process environment is untouched, and a nested invocation sees only its own layer
    assert hidden
    assert nested == (None, "2", "kept")
    assert after_nested == ("1", None, "inside")
    assert os.environ["PROCESS_WIDE"] == "kept"
    assert "WRITTEN" not in os.environ
    assert isinstance(os.environ, environ.OverlayEnviron)


def test_threads_started_inside_an_invocation_inherit_its_environment() -> None:
    # GIVEN an invocation that checks things in a thread pool (as the readiness check does)
    with environ.overlay({"LAYER_NAME": "pooled"}), ThreadPoolExecutor(max_workers=2) as pool:
        # WHEN its workers read the environment
        seen = list(pool.map(lambda _: os.environ.get("LAYER_NAME"), range(4)))

    # THEN they see the invocation's variables, and threads started outside it do not
    assert seen == ["pooled"] * 4
    outside: list[str | None] = []
    thread = threading.Thread(target=lambda: outside.append(os.environ.get("LAYER_NAME")))
    thread.start()
    thread.join()
    assert outside == [None]
