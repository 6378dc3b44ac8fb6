"""Cold start: each HTTP function imports what its own routes need, and nothing of the domains it
does not serve (bench/cold_start.py measures the time; this keeps the shape)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
# Heavy libraries only the event functions that need them carry (their own layers).
HEAVY = ("PIL", "web3", "eth_account", "eth_tester", "eth_abi", "numpy", "segno", "dns", "jinja2")

PROBE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
print(json.dumps(sorted(sys.modules)))
"""


def _loaded_by(function: str) -> set[str]:
    env = {"STAGE": "local", "POWERTOOLS_SERVICE_NAME": "veriflow", "POWERTOOLS_METRICS_NAMESPACE": "Veriflow",
           "AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "functions" / function / "app.py")],
                         capture_output=True, text=True, check=True, cwd=ROOT, env=env).stdout
    return set(json.loads(out))


@pytest.mark.parametrize("function", sorted(SERVES))
def test_a_function_imports_no_domain_it_does_not_serve(function: str) -> None:
    # GIVEN a fresh interpreter  WHEN the function's module is loaded as Lambda does
    loaded = _loaded_by(function)
    # THEN only the domains of its own routes are imported (the floors below them may be)
    domains = {name.split(".")[1] for name in loaded if name.startswith("veriflow.") and name.count(".") >= 1}
    assert domains & DOMAINS == SERVES[function]
    # AND FastAPI's pydantic.v1 probes did not import pydantic.v1 (about 30 ms)
    assert "pydantic.v1" not in loaded


@pytest.mark.parametrize("function", sorted(SERVES))
def test_no_api_function_loads_image_or_chain_libraries_at_init(function: str) -> None:
    # Pillow and web3 live in layers of their own; the QR code, DNS and page libraries load on first use.
    loaded = _loaded_by(function)
    assert not [name for name in loaded if name.split(".")[0] in HEAVY]
