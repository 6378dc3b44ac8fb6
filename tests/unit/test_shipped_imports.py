"""What deploys (shared/veriflow without the local cloud and the command line, and functions/) never
imports what does not: the built layer leaves veriflow/local and veriflow/cli.py out."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]


def _layer_check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_layer_contents", REPO / "scripts/check_layer_contents.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_shipped_module_imports_the_local_cloud_or_the_cli() -> None:
    # GIVEN the check the built layer gets, and the development-only paths it leaves out
    check = _layer_check()
    assert (REPO / "shared/veriflow/local").is_dir()
    assert (REPO / "shared/veriflow/cli.py").is_file()
    # WHEN every shipped module of the source tree is read, function bodies included
    shared = check.dev_imports(REPO / "shared")
    functions = check.dev_imports(REPO / "functions", skip=())
    # THEN none imports veriflow.local or veriflow.cli
    assert shared == []
    assert functions == []


def test_the_import_scan_sees_what_it_must(tmp_path: Path) -> None:
    # GIVEN a package whose shipped modules import the local cloud four ways, and a local module
    package = tmp_path / "veriflow"
    (package / "local").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "local/__init__.py").write_text("from veriflow.cli import main\n")
    (package / "a.py").write_text("import veriflow.local.cloud\n")
    (package / "b.py").write_text("def later():\n    from veriflow import local\n")
    (package / "c.py").write_text("from .local import cloud\n")
    (package / "d.py").write_text("from veriflow.localisation import fr\nimport veriflow.client\n")
    # WHEN it is scanned
    found = _layer_check().dev_imports(tmp_path)
    # THEN the three shipped offenders are found, look-alike names and the local cloud itself are not
    assert [line.split(":")[0] for line in found] == ["veriflow/a.py", "veriflow/b.py", "veriflow/c.py"]
