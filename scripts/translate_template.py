"""Print template.yaml as CloudFormation deploys it (SAM transform applied offline), as JSON.

    .venv/bin/python scripts/translate_template.py template.yaml > translated.json

checkov scans this form: the roles, policies and permissions SAM generates are checked too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from veriflow.local.template import load_template


def main(argv: list[str]) -> int:
    path = Path(argv[1] if len(argv) > 1 else "template.yaml")
    json.dump(load_template(path).cfn, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
