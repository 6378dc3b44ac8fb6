"""The template checks in scripts/, run as CI runs them, on small templates in a temp dir."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"


def run_check(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPTS / script), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


STATE_MACHINE_TEMPLATE = """\
    Transform: AWS::Serverless-2016-10-31
    Conditions:
      IsProd: !Equals [!Ref Stage, prod]
    Resources:
      PipelineStateMachine:
        Type: AWS::Serverless::StateMachine
        Properties:
          DefinitionUri: statemachines/pipeline.asl.json
          DefinitionSubstitutions:
            ExifFunctionArn: !GetAtt ExifFunction.Arn
            TableName: !Ref Table
            Retries: !If [IsProd, 3, 1]
"""


def pipeline_asl(*names: str) -> str:
    states = {
        f"S{i}": {"Type": "Task", "Resource": f"${{{name}}}", "Next": f"S{i + 1}"} for i, name in enumerate(names)
    }
    states[f"S{len(names)}"] = {"Type": "Succeed"}
    return json.dumps({"StartAt": "S0", "States": states}, indent=2)


class TestAslSubstitutions:
    def test_passes_with_no_state_machines_at_all(self, tmp_path: Path) -> None:
        # GIVEN a template without state machines and no statemachines/ directory
        write(tmp_path / "template.yaml", "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n")

        # WHEN the check runs
        result = run_check("check_asl_substitutions.py", "--root", str(tmp_path))

        # THEN it passes and says there was nothing to check
        assert result.returncode == 0, result.stderr
        assert "nothing to check" in result.stdout

    def test_passes_when_every_placeholder_has_a_key(self, tmp_path: Path) -> None:
        # GIVEN a definition whose placeholders are all substituted (values given by short tags)
        write(tmp_path / "template.yaml", STATE_MACHINE_TEMPLATE)
        write(tmp_path / "statemachines/pipeline.asl.json", pipeline_asl("ExifFunctionArn", "TableName"))

        # WHEN the check runs
        result = run_check("check_asl_substitutions.py", "--root", str(tmp_path))

        # THEN it passes, and reports the substitution nothing uses without failing on it
        assert result.returncode == 0, result.stderr
        assert "ok    PipelineStateMachine (statemachines/pipeline.asl.json): 2 placeholder(s)" in result.stdout
        assert "substitution Retries is not used" in result.stdout

    def test_fails_on_a_placeholder_without_a_key(self, tmp_path: Path) -> None:
        # GIVEN a definition that uses ${ElaFunctionArn}, which the template does not substitute
        write(tmp_path / "template.yaml", STATE_MACHINE_TEMPLATE)
        write(tmp_path / "statemachines/pipeline.asl.json", pipeline_asl("ExifFunctionArn", "ElaFunctionArn"))

        # WHEN the check runs
        result = run_check("check_asl_substitutions.py", "--root", str(tmp_path))

        # THEN it fails and names the placeholder
        assert result.returncode == 1
        assert "${ElaFunctionArn} has no DefinitionSubstitutions key" in result.stderr

    def test_fails_on_placeholders_in_a_file_no_state_machine_uses(self, tmp_path: Path) -> None:
        # GIVEN an ASL file with a placeholder that the template never wires up
        write(tmp_path / "template.yaml", "Resources: {}\n")
        write(tmp_path / "statemachines/orphan.asl.json", pipeline_asl("VerdictFunctionArn"))

        # WHEN the check runs
        result = run_check("check_asl_substitutions.py", "--root", str(tmp_path))

        # THEN it fails: nothing would ever substitute it
        assert result.returncode == 1
        assert "statemachines/orphan.asl.json" in result.stderr
        assert "${VerdictFunctionArn}" in result.stderr

    def test_fails_when_definition_uri_is_missing(self, tmp_path: Path) -> None:
        # GIVEN a state machine pointing at a file that does not exist
        write(tmp_path / "template.yaml", STATE_MACHINE_TEMPLATE)

        # WHEN the check runs
        result = run_check("check_asl_substitutions.py", "--root", str(tmp_path))

        # THEN it fails
        assert result.returncode == 1
        assert "does not exist" in result.stderr

    def test_checks_an_inline_definition(self, tmp_path: Path) -> None:
        # GIVEN an inline definition using a placeholder with no key
        write(
            tmp_path / "template.yaml",
            """\
            Resources:
              Inline:
                Type: AWS::Serverless::StateMachine
                Properties:
                  Definition:
                    StartAt: Work
                    States:
                      Work: {Type: Task, Resource: "${WorkArn}", End: true}
            """,
        )

        # WHEN the check runs
        result = run_check("check_asl_substitutions.py", "--root", str(tmp_path))

        # THEN it fails on that placeholder
        assert result.returncode == 1
        assert "Inline (<inline>): ${WorkArn}" in result.stderr

    def test_passes_on_the_project_template(self) -> None:
        # GIVEN / WHEN the check runs on the real template
        result = run_check("check_asl_substitutions.py")

        # THEN it passes
        assert result.returncode == 0, result.stderr


FUNCTION_TEMPLATE = """\
    Transform: AWS::Serverless-2016-10-31
    Parameters:
      LogLevel: {Type: String, Default: INFO}
    Globals:
      Function:
        Runtime: python3.13
        Layers: [!Ref DepsLayer]
        Environment:
          Variables:
            LOG_LEVEL: !Ref LogLevel
    Resources:
      DepsLayer:
        Type: AWS::Serverless::LayerVersion
        Properties: {ContentUri: layers/deps/}
      WorkFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: functions/work/
          Handler: app.handler
          Layers: [arn:aws:lambda:eu-west-1:123456789012:layer:other:1]
"""


class TestHandlers:
    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            ("import os\nassert os.environ['STAGE'] == 'local'\ndef handler(event, context): ...\n", 0),
            ("import os\nassert os.environ['LOG_LEVEL'] == 'INFO'\ndef handler(event, context): ...\n", 0),
            ("import helpers\nhandler = helpers.handler\n", 0),
            ("def other(event, context): ...\n", 1),
            ("handler = 42\n", 1),
            ("import not_a_module_anywhere\ndef handler(event, context): ...\n", 1),
        ],
        ids=["callable", "parameter-default", "sibling-module", "missing", "not-callable", "import-error"],
    )
    def test_handler_must_import_and_be_callable(self, tmp_path: Path, source: str, expected: int) -> None:
        # GIVEN a function whose app.py is `source` (with a sibling module beside it)
        write(tmp_path / "template.yaml", FUNCTION_TEMPLATE)
        write(tmp_path / "functions/work/app.py", source)
        write(tmp_path / "functions/work/helpers.py", "def handler(event, context): ...\n")

        # WHEN the check runs
        result = run_check("check_handlers.py", "--root", str(tmp_path))

        # THEN it passes only when the handler resolves to a callable
        assert result.returncode == expected, result.stdout + result.stderr

    def test_fails_when_the_module_file_is_missing(self, tmp_path: Path) -> None:
        # GIVEN a function whose CodeUri has no app.py
        write(tmp_path / "template.yaml", FUNCTION_TEMPLATE)
        (tmp_path / "functions/work").mkdir(parents=True)

        # WHEN the check runs
        result = run_check("check_handlers.py", "--root", str(tmp_path))

        # THEN it fails and says which file
        assert result.returncode == 1
        assert "app.py does not exist" in result.stderr


class TestFunctionSizes:
    def build(self, root: Path, code_bytes: int, layer_bytes: int) -> Path:
        build = root / ".aws-sam/build"
        for logical_id, size in (("WorkFunction", code_bytes), ("DepsLayer", layer_bytes)):
            (build / logical_id).mkdir(parents=True)
            with (build / logical_id / "blob").open("wb") as blob:
                blob.truncate(size)  # sparse: costs no disk
        return build

    def test_passes_under_the_limit_and_prints_the_table(self, tmp_path: Path) -> None:
        # GIVEN a built function of 10 MB with a 100 MB layer
        write(tmp_path / "template.yaml", FUNCTION_TEMPLATE)
        self.build(tmp_path, 10 * 1024 * 1024, 100 * 1024 * 1024)

        # WHEN the check runs
        result = run_check("check_function_sizes.py", "--root", str(tmp_path))

        # THEN it passes; the row adds layer and code, and names the layer it cannot measure
        assert result.returncode == 0, result.stderr
        row = next(line for line in result.stdout.splitlines() if line.startswith("WorkFunction"))
        assert row.split()[1:4] == ["10.0", "100.0", "110.0"]
        assert "(external, not measured)" in row

    def test_fails_when_function_and_layers_exceed_250_mb(self, tmp_path: Path) -> None:
        # GIVEN 1 MB of code on a 250 MB layer
        write(tmp_path / "template.yaml", FUNCTION_TEMPLATE)
        self.build(tmp_path, 1024 * 1024, 250 * 1024 * 1024)

        # WHEN the check runs
        result = run_check("check_function_sizes.py", "--root", str(tmp_path))

        # THEN it fails
        assert result.returncode == 1
        assert "over Lambda's 250 MB" in result.stderr

    def test_fails_without_build_output(self, tmp_path: Path) -> None:
        # GIVEN a template that was never built
        write(tmp_path / "template.yaml", FUNCTION_TEMPLATE)

        # WHEN the check runs
        result = run_check("check_function_sizes.py", "--root", str(tmp_path))

        # THEN it fails and says to build first
        assert result.returncode == 1
        assert "sam-build" in result.stderr


class TestLayerContents:
    SHIPPED = {
        "veriflow/__init__.py": "",
        "veriflow/core/__init__.py": "",
        "veriflow/core/http.py": "from veriflow.core import errors\nfrom . import errors as again\n",
        "veriflow/users/service.py": "def later():\n    from veriflow.core.http import create_app\n",
    }

    def layer(self, root: Path, files: dict[str, str]) -> Path:
        for relative, text in files.items():
            write(root / ".aws-sam/build/SharedLayer/python" / relative, text)
        return root / ".aws-sam/build/SharedLayer/python"

    def test_passes_for_a_layer_of_shipped_modules(self, tmp_path: Path) -> None:
        # GIVEN a built layer of shipped modules only (absolute, relative and in-function imports)
        self.layer(tmp_path, self.SHIPPED)

        # WHEN the check runs
        result = run_check("check_layer_contents.py", "--root", str(tmp_path))

        # THEN it passes
        assert result.returncode == 0, result.stderr
        assert "layer contents: passed" in result.stdout

    @pytest.mark.parametrize(
        ("extra", "shipped"),
        [
            ({"veriflow/local/__init__.py": ""}, "veriflow/local"),
            ({"veriflow/local/cloud.py": "import moto\n"}, "veriflow/local"),
            ({"veriflow/cli.py": "def main(): ...\n"}, "veriflow/cli.py"),
            ({"veriflow/__pycache__/cli.cpython-313.pyc": ""}, "veriflow/__pycache__/cli.cpython-313.pyc"),
        ],
        ids=["local-package", "local-module", "cli", "cli-bytecode"],
    )
    def test_fails_when_development_code_ships(self, tmp_path: Path, extra: dict[str, str], shipped: str) -> None:
        # GIVEN a built layer that still holds the local cloud or the command line
        self.layer(tmp_path, {**self.SHIPPED, **extra})

        # WHEN the check runs
        result = run_check("check_layer_contents.py", "--root", str(tmp_path))

        # THEN it fails and names what ships
        assert result.returncode == 1
        assert f"SharedLayer ships {shipped} (development only)" in result.stderr

    @pytest.mark.parametrize(
        "source",
        [
            "from veriflow.local.template import parse_template\n",
            "import veriflow.cli\n",
            "def later():\n    from veriflow import local\n",
            "from .. import cli\n",
        ],
        ids=["from-local", "import-cli", "in-function", "relative"],
    )
    def test_fails_when_a_shipped_module_imports_development_code(self, tmp_path: Path, source: str) -> None:
        # GIVEN a shipped module importing a module that does not ship
        self.layer(tmp_path, {**self.SHIPPED, "veriflow/core/bad.py": source})

        # WHEN the check runs
        result = run_check("check_layer_contents.py", "--root", str(tmp_path))

        # THEN it fails and names the file and line
        assert result.returncode == 1
        assert "veriflow/core/bad.py:" in result.stderr
        assert "which does not ship" in result.stderr

    def test_prune_removes_development_code_and_keeps_the_rest(self, tmp_path: Path) -> None:
        # GIVEN a layer as SAM builds it from shared/: everything, the local cloud and the CLI included
        package = self.layer(tmp_path, {**self.SHIPPED, "veriflow/local/cloud.py": "", "veriflow/cli.py": ""})

        # WHEN the check runs with --prune (what `make sam-build` does)
        result = run_check("check_layer_contents.py", "--root", str(tmp_path), "--prune")

        # THEN the development code is gone, the shipped modules stay, and the check passes
        assert result.returncode == 0, result.stderr
        assert not (package / "veriflow/local").exists()
        assert not (package / "veriflow/cli.py").exists()
        assert sorted(p.relative_to(package).as_posix() for p in package.rglob("*.py")) == sorted(self.SHIPPED)

    def test_fails_without_build_output(self, tmp_path: Path) -> None:
        # GIVEN a project that was never built
        # WHEN the check runs
        result = run_check("check_layer_contents.py", "--root", str(tmp_path))

        # THEN it fails and says to build first
        assert result.returncode == 1
        assert "sam-build" in result.stderr
