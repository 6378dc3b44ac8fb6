"""Cold start: argon2, PyJWT and cryptography load only when auth code runs, never for health."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("argon2", "jwt", "cryptography")


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return set(out.split())


def test_importing_the_auth_modules_loads_no_crypto_library() -> None:
    # GIVEN a fresh interpreter  WHEN every credentials module is imported
    loaded = _loaded_after(
        "import veriflow.identity.passwords, veriflow.identity.opaque, veriflow.identity.jwt_tokens, "
        "veriflow.identity.keys, veriflow.auth.oidc"
    )
    # THEN none of the heavy libraries is loaded yet
    assert loaded.isdisjoint(HEAVY)


def test_the_health_function_never_loads_them() -> None:
    # GIVEN a fresh interpreter  WHEN the health function's module is loaded as Lambda does
    loaded = _loaded_after(
        "import importlib.util\n"
        "spec = importlib.util.spec_from_file_location('app', 'functions/health/app.py')\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)"
    )
    # THEN none of the heavy libraries is loaded
    assert loaded.isdisjoint(HEAVY)
