"""Error messages are sentences for people; the envelope's `code` is what machines read.

A message such as "invalid_refresh_token" is a code in the wrong field: every AppError raised in
shared/veriflow with a literal message (or a module constant) must read as a sentence."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "shared" / "veriflow"
SENTENCE = re.compile(r"^[A-Z].*\s.*[.?!]$", re.DOTALL)


def _trees() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.rglob("*.py"))}


def _error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """AppError and every class that derives from it, anywhere in the package."""
    names, grown = {"AppError"}, True
    while grown:
        grown = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
                    if bases & names:
                        names.add(node.name)
                        grown = True
    return names


def _constants(tree: ast.Module) -> dict[str, str]:
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            found.update({target.id: node.value.value for target in node.targets if isinstance(target, ast.Name)})
    return found


def _messages() -> list[tuple[str, str]]:
    trees = _trees()
    classes = _error_classes(trees)
    found = []
    for path, tree in trees.items():
        constants = _constants(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in classes:
                continue
            first = node.args[0]
            message = first.value if isinstance(first, ast.Constant) else None
            if isinstance(first, ast.Name):
                message = constants.get(first.id)
            if isinstance(message, str):
                found.append((f"{path.relative_to(PACKAGE)}:{node.lineno}", message))
    return found


def test_the_scan_finds_the_messages() -> None:
    # A scan that finds nothing would pass whatever the code says.
    messages = dict(_messages())
    assert len(messages) > 30
    assert any(message == "The refresh token is invalid, expired or revoked." for message in messages.values())


@pytest.mark.parametrize(("where", "message"), _messages(), ids=lambda value: str(value)[:60])
def test_every_literal_error_message_is_a_sentence(where: str, message: str) -> None:
    assert SENTENCE.match(message), f"{where}: {message!r} is not a sentence"
