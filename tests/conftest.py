"""Fixtures every test layer shares: a clean environment, fresh caches, a throwaway SQLite database."""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from veriflow.core.aws import reset_clients
from veriflow.core.db import reset_engine
from veriflow.core.migrations import head_revision
from veriflow.core.settings import get_settings
from veriflow.local.runtime import LambdaContext

ROOT = Path(__file__).resolve().parent.parent

BASE_ENV = {
    "STAGE": "local",
    "POWERTOOLS_SERVICE_NAME": "veriflow",
    "POWERTOOLS_METRICS_NAMESPACE": "Veriflow",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


# Powertools reads its variables when a module creates its Logger: set them before any test module
# imports veriflow, as Lambda does before it imports a handler.
for _name, _value in BASE_ENV.items():
    os.environ.setdefault(_name, _value)


def reset_caches() -> None:
    get_settings.cache_clear()
    reset_clients()
    reset_engine()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Every test starts from the local defaults, with its own SQLite file and no real AWS."""
    for name in ("DATABASE_URL", "DATABASE_SECRET_ARN", "AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in BASE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SQLITE_PATH", str(tmp_path / "veriflow.sqlite3"))
    reset_caches()
    yield
    reset_caches()


@pytest.fixture
def migrated_db() -> str:
    """The test's SQLite database, at the newest revision."""
    from veriflow.core.db import database_url
    from veriflow.core.migrations import upgrade

    url = database_url(get_settings())
    upgrade(url)
    assert head_revision() is not None
    return url


_loaded: dict[Path, ModuleType] = {}


def load_function(name: str) -> ModuleType:
    """The module of `functions/<name>/app.py`, loaded by path: every function's module is `app`."""
    path = ROOT / "functions" / name / "app.py"
    if path not in _loaded:
        spec = importlib.util.spec_from_file_location(f"veriflow_function_{name}", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _loaded[path] = module
    return _loaded[path]


def sample_event(function: str, name: str) -> dict[str, Any]:
    """A sample event from `events/<function>/<name>.json` (the ones `sam local invoke` uses)."""
    return json.loads((ROOT / "events" / function / f"{name}.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture
def lambda_context() -> LambdaContext:
    """The context Lambda passes to handlers, as the local cloud builds it."""
    arn = "arn:aws:lambda:us-east-1:123456789012:function:veriflow-test"
    return LambdaContext("veriflow-test", arn, memory_mb=512, timeout_s=10)


@pytest.fixture
def invoke_http(lambda_context: LambdaContext) -> Callable[..., dict[str, Any]]:
    """Calls an HTTP function's real handler with a payload v2 event built from the health sample."""

    def invoke(
        handler: Callable[[dict[str, Any], Any], dict[str, Any]],
        method: str,
        path: str,
        body: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        event = sample_event("health", "live")
        event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {path}"
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
        event["requestContext"]["http"]["method"] = method
        event["headers"].update(headers or {})
        if body is not None:
            event["body"] = body
            event["headers"].setdefault("content-type", "application/json")
        response = handler(event, lambda_context)
        if response.get("body") and response.get("headers", {}).get("content-type") == "application/json":
            response["json"] = json.loads(response["body"])
        return response

    return invoke


@pytest.fixture(name="load_function")
def load_function_fixture() -> Callable[[str], ModuleType]:
    return load_function


@pytest.fixture(name="sample_event")
def sample_event_fixture() -> Callable[[str, str], dict[str, Any]]:
    return sample_event
