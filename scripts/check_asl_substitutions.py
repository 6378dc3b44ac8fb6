"""Every ${Name} in a state machine definition must have a DefinitionSubstitutions key.

Step Functions leaves an unmatched ${Name} in the deployed definition as literal text, so a typo
shows up as a failing execution long after deploy. Checked here, on:
  - statemachines/*.asl.json (a file no state machine uses may not hold placeholders either),
  - every DefinitionUri (a local file) and inline Definition in the template.
Substitution keys that no placeholder uses are reported but do not fail the check.

Usage: check_asl_substitutions.py [--root DIR] [--template FILE]
"""

# ruff: noqa: T201 - a command-line check: printing is its output

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfn_template import load_template

PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
STATE_MACHINE_TYPES = {"AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"}


@dataclass(frozen=True)
class Use:
    """One state machine's definition: where it comes from and the keys it substitutes."""

    state_machine: str
    source: str  # a file path relative to root, or "<inline>"
    text: str
    keys: frozenset[str]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def template_uses(template: dict[str, Any], root: Path) -> tuple[list[Use], list[str]]:
    """The definitions the template wires up, and notes about those this check cannot read."""
    uses, notes = [], []
    for logical_id, resource in (template.get("Resources") or {}).items():
        if not isinstance(resource, dict) or resource.get("Type") not in STATE_MACHINE_TYPES:
            continue
        props = resource.get("Properties") or {}
        keys = frozenset((props.get("DefinitionSubstitutions") or {}).keys())
        uri = props.get("DefinitionUri")
        if isinstance(uri, str):
            path = (root / uri).resolve()
            if not path.is_file():
                notes.append(f"ERROR {logical_id}: DefinitionUri {uri} does not exist")
                continue
            uses.append(Use(logical_id, str(path.relative_to(root.resolve())), path.read_text(), keys))
        elif "Definition" in props:
            uses.append(Use(logical_id, "<inline>", json.dumps(props["Definition"]), keys))
        elif uri is not None or "DefinitionS3Location" in props or "DefinitionString" in props:
            notes.append(f"note  {logical_id}: definition not in a local file, not checked")
    return uses, notes


def check(root: Path, template_path: Path) -> tuple[list[str], list[str]]:
    """Returns (errors, report lines)."""
    template = load_template(template_path)
    uses, notes = template_uses(template, root)
    errors = [note.removeprefix("ERROR ") for note in notes if note.startswith("ERROR")]
    report = [note for note in notes if not note.startswith("ERROR")]

    for use in uses:
        found = placeholders(use.text)
        for name in sorted(found - use.keys):
            errors.append(f"{use.state_machine} ({use.source}): ${{{name}}} has no DefinitionSubstitutions key")
        for name in sorted(use.keys - found):
            report.append(f"note  {use.state_machine}: substitution {name} is not used by {use.source}")
        report.append(f"ok    {use.state_machine} ({use.source}): {len(found)} placeholder(s)")

    used_files = {use.source for use in uses}
    for path in sorted((root / "statemachines").glob("*.asl.json")):
        relative = str(path.resolve().relative_to(root.resolve()))
        if relative in used_files:
            continue
        orphans = placeholders(path.read_text())
        if orphans:
            names = ", ".join(f"${{{name}}}" for name in sorted(orphans))
            errors.append(f"{relative}: no state machine in the template uses it, so {names} stay unresolved")
        else:
            report.append(f"note  {relative}: not used by any state machine in the template")

    if not uses and not errors:
        report.append("no state machine definitions in the template or statemachines/: nothing to check")
    return errors, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--template", type=Path, help="default: ROOT/template.yaml")
    args = parser.parse_args(argv)
    errors, report = check(args.root, args.template or args.root / "template.yaml")
    for line in report:
        print(line)
    for error in errors:
        print(f"FAIL  {error}", file=sys.stderr)
    print(f"state machine substitutions: {'FAILED' if errors else 'passed'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
