"""Imports run one way (pyproject's [tool.importlinter]): entry points -> domains -> building blocks -> core."""

from __future__ import annotations

import pkgutil
import re
import tomllib
from pathlib import Path

from importlinter.cli import lint_imports

import veriflow

ROOT = Path(__file__).resolve().parents[2]


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = config["contracts"]
    return list(contract["layers"])


def test_no_module_imports_a_layer_above_it_or_a_sibling_domain() -> None:
    # GIVEN the package as it is  WHEN import-linter checks the layers contract
    # THEN it is kept (a domain importing another, or core importing a domain, breaks it)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0


def test_every_part_of_the_package_has_a_layer() -> None:
    # GIVEN the contract's layers  WHEN the package's top-level modules are listed
    named = {name for layer in _layers() for name in re.split(r"\s*[|:]\s*", layer)}
    parts = {f"veriflow.{info.name}" for info in pkgutil.iter_modules(veriflow.__path__)}
    # THEN a new domain or building block cannot sit outside the contract unnoticed
    assert parts == named
