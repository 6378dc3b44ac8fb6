"""Every function's Handler must name a callable that imports the way Lambda imports it.

For each AWS::Serverless::Function: load CodeUri/<module>.py by file path (CodeUri first on
sys.path, as Lambda's task root is), with the function's environment, STAGE=local and fake AWS
credentials, and check that the attribute exists and is callable. Run it with the project's
.venv/bin/python: the venv holds the deps layer's pins and the shared layer (editable).

Usage: check_handlers.py [--root DIR] [--template FILE]
"""

# ruff: noqa: T201 - a command-line check: printing is its output

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import traceback
from pathlib import Path

from cfn_template import Function, functions, load_template, local_environment


def check_one(function: Function, database_url: str) -> str | None:
    """None when the handler resolves, else why not."""
    module_file = function.module_file
    if module_file is None:
        return f"Handler {function.handler!r} with CodeUri {function.code_uri} is not module.function"
    if not module_file.is_file():
        return f"{module_file} does not exist (Handler {function.handler})"

    saved_env, saved_path, saved_modules = dict(os.environ), list(sys.path), set(sys.modules)
    os.environ.update(local_environment(function, {"DATABASE_URL": database_url}))
    sys.path.insert(0, str(function.code_uri))
    try:
        spec = importlib.util.spec_from_file_location(f"_handler_{function.logical_id}", module_file)
        if spec is None or spec.loader is None:
            return f"{module_file} cannot be loaded as a module"
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        attr = function.handler_attr or ""
        if not hasattr(module, attr):
            return f"{module_file} has no attribute {attr!r}"
        if not callable(getattr(module, attr)):
            return f"{module_file}: {attr} is a {type(getattr(module, attr)).__name__}, not callable"
        return None
    except Exception as error:  # any import failure is the finding
        lines = traceback.format_exception(error)
        return f"importing {module_file} failed:\n" + "".join(lines[-6:]).rstrip()
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        sys.path[:] = saved_path
        # Modules from the function's own directory must not leak into the next function.
        code_dir = str(function.code_uri.resolve()) if function.code_uri else None
        for name in set(sys.modules) - saved_modules:
            origin = getattr(sys.modules[name], "__file__", None) or ""
            if code_dir and origin.startswith(code_dir):
                del sys.modules[name]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--template", type=Path, help="default: ROOT/template.yaml")
    args = parser.parse_args(argv)
    found = functions(load_template(args.template or args.root / "template.yaml"), args.root)

    failures = 0
    with tempfile.TemporaryDirectory(prefix="veriflow-handlers-") as tmp:
        database_url = f"sqlite:///{tmp}/handlers.sqlite3"
        width = max((len(function.logical_id) for function in found), default=0)
        for function in found:
            problem = check_one(function, database_url)
            status = "ok  " if problem is None else "FAIL"
            where = function.module_file or function.code_uri
            shown = where.relative_to(args.root) if where and where.is_relative_to(args.root) else where
            print(f"{status}  {function.logical_id:<{width}}  {shown}:{function.handler_attr}")
            if problem:
                failures += 1
                print("      " + problem.replace("\n", "\n      "), file=sys.stderr)
    print(f"handlers: {len(found) - failures}/{len(found)} resolve to a callable")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
