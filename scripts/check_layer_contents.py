"""The shared layer ships neither the local cloud nor the command line, and nothing in it imports them.

`veriflow/local` (moto, the local cloud) and `veriflow/cli.py` (`veriflow dev`, `fire`, and the
operator commands `migrate`, `seed-superadmin`, `rotate-signing-key`, run from a workstation) are
for development machines; no function imports them. SAM's python builder copies the whole
ContentUri and has no way to leave files out, so `make sam-build` prunes the built layer with
`--prune`, and `make template-check` runs this check on what would deploy.

Usage: check_layer_contents.py [--build-dir DIR] [--layer LOGICAL_ID] [--prune]
"""

# ruff: noqa: T201 - a command-line check: printing is its output

from __future__ import annotations

import argparse
import ast
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

# Paths under the package root that never ship (their bytecode included), and the modules they are.
DEV_ONLY_PATHS = ("veriflow/local", "veriflow/cli.py")
DEV_ONLY_GLOBS = (*DEV_ONLY_PATHS, "veriflow/__pycache__/cli.*.pyc")
DEV_ONLY_MODULES = ("veriflow.local", "veriflow.cli")


def _is_dev_module(name: str) -> bool:
    return any(name == module or name.startswith(module + ".") for module in DEV_ONLY_MODULES)


def _module_of(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """Every module an import statement names (function bodies included, relative ones resolved)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            for alias in node.names:  # `from veriflow import local` names the module itself
                yield node.lineno, f"{base}.{alias.name}"


def dev_imports(root: Path, skip: tuple[str, ...] = DEV_ONLY_PATHS) -> list[str]:
    """`file:line imports module` for each module under `root` (not under `skip`) importing a
    development-only module."""
    found: dict[tuple[str, int], str] = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if any(relative == item or relative.startswith(item + "/") for item in skip):
            continue
        module = _module_of(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, name in _imported(tree, module, path.name == "__init__.py"):
            if _is_dev_module(name):
                found.setdefault((relative, line), name)  # one finding per import statement
    return [f"{relative}:{line} imports {name}" for (relative, line), name in sorted(found.items())]


def shipped_dev_paths(package_root: Path) -> list[str]:
    found = {path for pattern in DEV_ONLY_GLOBS for path in package_root.glob(pattern)}
    return sorted(path.relative_to(package_root).as_posix() for path in found)


def prune(package_root: Path) -> list[str]:
    """Removes the development-only paths from a built layer; returns what it removed."""
    removed = shipped_dev_paths(package_root)
    for item in removed:
        target = package_root / item
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--build-dir", type=Path, help="default: ROOT/.aws-sam/build")
    parser.add_argument("--layer", default="SharedLayer", help="logical id of the layer built from shared/")
    parser.add_argument("--prune", action="store_true", help="remove the development-only paths first")
    args = parser.parse_args(argv)
    build = args.build_dir or args.root / ".aws-sam" / "build"
    # A python layer's modules live under python/ in its zip (on sys.path as /opt/python).
    package_root = build / args.layer / "python"
    if not (package_root / "veriflow").is_dir():
        print(f"FAIL  {package_root / 'veriflow'} does not exist: run `make sam-build` first", file=sys.stderr)
        return 1
    if args.prune:
        for item in prune(package_root):
            print(f"pruned {args.layer}: {item}")
    failures = [f"{args.layer} ships {item} (development only)" for item in shipped_dev_paths(package_root)]
    failures += [f"{args.layer}: {found}, which does not ship" for found in dev_imports(package_root)]
    for failure in failures:
        print(f"FAIL  {failure}", file=sys.stderr)
    shipped = ", ".join(DEV_ONLY_PATHS)
    print(f"layer contents: {'FAILED' if failures else 'passed'} ({args.layer} without {shipped})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
