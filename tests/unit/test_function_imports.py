"""Cold start: each HTTP function imports what its own routes need, and nothing of the domains it
does not serve (bench/cold_start.py measures the time; this keeps the shape)."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = {"admin", "auth", "certificates", "health", "notifications", "orgs", "users", "webhooks"}
# The domains each function's routes belong to (the orgs function serves the webhook routes too).
SERVES = {
    "health": {"health"},
    "auth": {"auth"},
    "users": {"users"},
    "orgs": {"orgs", "webhooks"},
    "notifications": {"notifications"},
    "admin": {"admin", "notifications"},  # the broadcasts routes are the notifications domain's
    "certificates": {"certificates"},
}
FUNCTIONS = sorted(path.parent.name for path in (ROOT / "functions").glob("*/app.py"))
# Heavy libraries no function imports at init: whatever needs one (a route, a message, a schedule)
# imports it on first use. Pillow and web3 also live in layers of their own.
HEAVY = ("PIL", "web3", "eth_account", "eth_tester", "eth_abi", "numpy", "coincurve", "segno", "dns", "jinja2",
         "argon2")
# What an HTTP function needs only once a request asks for it: token crypto (the first token it
# verifies or signs), AWS clients (the first rate-limit hit, queue message or object).
ON_FIRST_REQUEST = ("jwt", "cryptography", "boto3", "s3transfer")

PROBE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
openapi = sys.modules.get("fastapi.openapi.models")
app = getattr(module, "app", None)  # the HTTP functions' FastAPI app
declared = [id(route) for router in app.state.routers for route in router.routes] if app else []
print(json.dumps({"modules": sorted(sys.modules),
                  "openapi_models_built": bool(openapi and openapi.OpenAPI.__pydantic_complete__),
                  "routes_as_declared": bool(app) and [id(route) for route in app.routes] == declared}))
"""


@functools.cache
def _probe(function: str) -> dict[str, Any]:
    # This checkout's package first, whatever the environment's editable install points at.
    env = {"STAGE": "local", "POWERTOOLS_SERVICE_NAME": "veriflow", "POWERTOOLS_METRICS_NAMESPACE": "Veriflow",
           "AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "shared")}
    out = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "functions" / function / "app.py")],
                         capture_output=True, text=True, check=True, cwd=ROOT, env=env).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def _loaded_by(function: str) -> set[str]:
    return set(_probe(function)["modules"])


@pytest.mark.parametrize("function", sorted(SERVES))
def test_a_function_imports_no_domain_it_does_not_serve(function: str) -> None:
    # GIVEN a fresh interpreter  WHEN the function's module is loaded as Lambda does
    loaded = _loaded_by(function)
    # THEN only the domains of its own routes are imported (the floors below them may be)
    domains = {name.split(".")[1] for name in loaded if name.startswith("veriflow.") and name.count(".") >= 1}
    assert domains & DOMAINS == SERVES[function]
    # AND FastAPI's pydantic.v1 probes did not import pydantic.v1 (about 30 ms)
    assert "pydantic.v1" not in loaded


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_function_loads_a_heavy_library_at_init(function: str) -> None:
    # GIVEN a fresh interpreter  WHEN the function's module is loaded as Lambda does
    loaded = {name.split(".")[0] for name in _loaded_by(function)}
    # THEN none of the heavy libraries is among what it imported
    assert sorted(loaded & set(HEAVY)) == []


@pytest.mark.parametrize("function", sorted(SERVES))
def test_an_http_function_leaves_token_crypto_and_aws_clients_to_the_first_request(function: str) -> None:
    loaded = {name.split(".")[0] for name in _loaded_by(function)}
    assert sorted(loaded & set(ON_FIRST_REQUEST)) == []


@pytest.mark.parametrize("function", sorted(SERVES))
def test_pydantic_models_are_built_on_first_use(function: str) -> None:
    # FastAPI's OpenAPI models serve only the published document: veriflow/__init__.py defers
    # every model's build, and these are never used at init (nor by a request).
    assert _probe(function)["openapi_models_built"] is False


@pytest.mark.parametrize("function", sorted(SERVES))
def test_the_app_serves_its_routes_as_declared(function: str) -> None:
    # GIVEN a fresh interpreter  WHEN the function's module is loaded as Lambda does
    # THEN the app's routes are the very route objects its routers built (FastAPI's include_router
    # would build each one again for the app on the first request)
    assert _probe(function)["routes_as_declared"] is True
