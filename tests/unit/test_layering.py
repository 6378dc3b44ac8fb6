"""Imports run one way (pyproject's [tool.importlinter]): entry points -> domains -> building blocks -> core."""

from __future__ import annotations

import pkgutil
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import veriflow

ROOT = Path(__file__).resolve().parents[2]


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = config["contracts"]
    return list(contract["layers"])


def test_no_module_imports_a_layer_above_it_or_a_sibling_domain() -> None:
    # GIVEN the package as it is  WHEN import-linter checks the layers contract
    # THEN it is kept (a domain importing another, or core importing a domain, breaks it). In a
    # process of its own: import-linter configures logging, which would silence the suite's loggers.
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:]


def test_every_part_of_the_package_has_a_layer() -> None:
    # GIVEN the contract's layers  WHEN the package's top-level modules are listed
    named = {name for layer in _layers() for name in re.split(r"\s*[|:]\s*", layer)}
    parts = {f"veriflow.{info.name}" for info in pkgutil.iter_modules(veriflow.__path__)}
    # THEN a new domain or building block cannot sit outside the contract unnoticed
    assert parts == named
