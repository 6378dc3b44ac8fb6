"""Every function, with all its layers, must fit Lambda's 250 MB unzipped limit.

Reads the sizes from `sam build`'s output (.aws-sam/build/<LogicalId>/ for functions and layers)
and prints one row per function. Layers given as ARNs cannot be measured here: they are listed,
and the check fails only on what it can measure.

Usage: check_function_sizes.py [--root DIR] [--template FILE] [--build-dir DIR]
"""

# ruff: noqa: T201 - a command-line check: printing is its output

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cfn_template import UNZIPPED_LIMIT_BYTES, functions, load_template

MB = 1024 * 1024


def tree_size(path: Path) -> int:
    """Bytes of every file under path, symlinks counted as links (as a zip stores them)."""
    total = 0
    for directory, _, files in os.walk(path):
        total += sum(os.lstat(os.path.join(directory, name)).st_size for name in files)
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--template", type=Path, help="default: ROOT/template.yaml")
    parser.add_argument("--build-dir", type=Path, help="default: ROOT/.aws-sam/build")
    args = parser.parse_args(argv)
    build = args.build_dir or args.root / ".aws-sam" / "build"
    found = functions(load_template(args.template or args.root / "template.yaml"), args.root)
    if not build.is_dir():
        print(f"FAIL  {build} does not exist: run `make sam-build` first", file=sys.stderr)
        return 1

    sizes: dict[str, int] = {}

    def size_of(logical_id: str) -> int | None:
        if logical_id not in sizes and (build / logical_id).is_dir():
            sizes[logical_id] = tree_size(build / logical_id)
        return sizes.get(logical_id)

    failures = 0
    width = max([len(function.logical_id) for function in found] + [8])
    print(f"{'function':<{width}}  {'code MB':>8}  {'layers MB':>9}  {'total MB':>8}  {'of 250':>6}  layers")
    for function in found:
        problems = []
        code = size_of(function.logical_id)
        if code is None:
            problems.append(f"no build output in {build / function.logical_id}")
        layer_sizes = []
        for layer in function.layer_ids:
            size = size_of(layer)
            if size is None:
                problems.append(f"layer {layer} has no build output")
            layer_sizes.append(size or 0)
        total = (code or 0) + sum(layer_sizes)
        if total > UNZIPPED_LIMIT_BYTES:
            problems.append(f"{total / MB:.1f} MB unzipped is over Lambda's 250 MB")
        layers = ", ".join(
            [f"{layer} {size / MB:.1f}" for layer, size in zip(function.layer_ids, layer_sizes, strict=True)]
            + [f"{layer} (external, not measured)" for layer in function.external_layers]
        )
        print(
            f"{function.logical_id:<{width}}  {(code or 0) / MB:>8.1f}  {sum(layer_sizes) / MB:>9.1f}"
            f"  {total / MB:>8.1f}  {total / UNZIPPED_LIMIT_BYTES:>6.0%}  {layers}"
        )
        for problem in problems:
            failures += 1
            print(f"FAIL  {function.logical_id}: {problem}", file=sys.stderr)
    print(f"function sizes: {'FAILED' if failures else 'passed'} ({len(found)} functions, limit 250 MB)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
