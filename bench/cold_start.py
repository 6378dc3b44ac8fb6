"""Cold start of every function in template.yaml: import + first invocation in a fresh interpreter.

For each function: a new `python` process loads CodeUri/<module>.py by file path (as Lambda does),
then calls the handler once with the first sample event in events/<CodeUri dir>/*.json and a fake
Lambda context (no event: import only). STAGE=local, fake AWS credentials, a temp SQLite database.
Median of --runs runs after one untimed run (so bytecode is cached, as in a build shipping .pyc).
Beside it, the same figure for a bare `import boto3`, and the ratio to that baseline.
Interpreter start-up itself is excluded from both. Reports only: budgets are not asserted here.

`sam build` ships no .pyc files and Lambda's code directories are read-only, so in Lambda our code
and the layers compile from source on every cold start (the runtime's stdlib does not). The
"no .pyc" column measures that case: stdlib bytecode cached, everything else compiled each run.

Usage: .venv/bin/python bench/cold_start.py [--runs 5] [--function LogicalId ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
HEALTH_TARGET_MS = 400.0

# Runs in the fresh interpreter: argv = module_file, code_dir, attribute, event_file ("" for none),
# result_file. Timings go to the result file: the handler's own logging owns stdout.
CHILD = r"""
import importlib.util, json, sys, time
module_file, code_dir, attr, event_file, result_file = sys.argv[1:6]
event = json.load(open(event_file)) if event_file else None

class Context:
    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:bench"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 10_000

started = time.perf_counter()
sys.path.insert(0, code_dir)
spec = importlib.util.spec_from_file_location("lambda_function_under_test", module_file)
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
handler = getattr(module, attr)
imported = time.perf_counter()
status = None
if event is not None:
    response = handler(event, Context())
    status = response.get("statusCode") if isinstance(response, dict) else None
invoked = time.perf_counter()
json.dump({"import_ms": (imported - started) * 1000, "invoke_ms": (invoked - imported) * 1000,
           "status": status}, open(result_file, "w"))
"""

BASELINE = r"""
import json, sys, time
started = time.perf_counter()
import boto3
json.dump({"import_ms": (time.perf_counter() - started) * 1000, "invoke_ms": 0.0, "status": None},
          open(sys.argv[1], "w"))
"""


def load_cfn_template() -> ModuleType:
    """scripts/cfn_template.py (the template reader the checks use), loaded by path."""
    spec = importlib.util.spec_from_file_location("cfn_template", ROOT / "scripts" / "cfn_template.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run_once(code: str, args: list[str], env: dict[str, str], tmp: Path) -> dict[str, float]:
    result_file = tmp / "result.json"
    result_file.unlink(missing_ok=True)
    proc = subprocess.run(
        [sys.executable, "-c", code, *args, str(result_file)],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0 or not result_file.exists():
        raise RuntimeError(f"exit {proc.returncode}\n{proc.stdout[-1500:]}{proc.stderr[-3000:]}")
    result: dict[str, float] = json.loads(result_file.read_text())
    return result


def median_of(runs: int, code: str, args: list[str], env: dict[str, str], tmp: Path) -> dict[str, float]:
    """Median timings with bytecode cached, plus `total_nopyc_ms` with only the stdlib's cached."""
    run_once(code, args, env, tmp)  # untimed: writes __pycache__
    samples = [run_once(code, args, env, tmp) for _ in range(runs)]

    # A private bytecode cache: filled once, then emptied of everything but the stdlib's.
    prefix = tmp / "pycache"
    shutil.rmtree(prefix, ignore_errors=True)
    run_once(code, args, env | {"PYTHONPYCACHEPREFIX": str(prefix)}, tmp)
    for ours in {ROOT, Path(sysconfig.get_paths()["purelib"]), Path(sysconfig.get_paths()["platlib"])}:
        shutil.rmtree(prefix / ours.resolve().relative_to("/"), ignore_errors=True)
    cold_env = env | {"PYTHONPYCACHEPREFIX": str(prefix), "PYTHONDONTWRITEBYTECODE": "1"}
    cold = [run_once(code, args, cold_env, tmp) for _ in range(runs)]
    return {
        "import_ms": statistics.median(s["import_ms"] for s in samples),
        "invoke_ms": statistics.median(s["invoke_ms"] for s in samples),
        "total_ms": statistics.median(s["import_ms"] + s["invoke_ms"] for s in samples),
        "total_nopyc_ms": statistics.median(s["import_ms"] + s["invoke_ms"] for s in cold),
        "status": samples[-1]["status"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--function", action="append", help="only these logical ids")
    args = parser.parse_args()

    cfn = load_cfn_template()
    found = [
        function
        for function in cfn.functions(cfn.load_template(ROOT / "template.yaml"), ROOT)
        if not args.function or function.logical_id in args.function
    ]
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}

    rows, notes, errors = [], [], 0
    with tempfile.TemporaryDirectory(prefix="veriflow-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        database = {"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"}
        baseline_env = base_env | cfn.local_environment(cfn.Function("Baseline", None, None), database)
        baseline_result = median_of(args.runs, BASELINE, [], baseline_env, tmp)
        baseline, baseline_nopyc = baseline_result["total_ms"], baseline_result["total_nopyc_ms"]

        for function in found:
            module_file = function.module_file
            if module_file is None or not module_file.is_file():
                notes.append(f"{function.logical_id}: no handler module ({function.handler}), skipped")
                continue
            events = sorted((ROOT / "events" / function.code_uri.name).glob("*.json"))
            event = events[0] if events else None
            if event is None:
                notes.append(f"{function.logical_id}: no events/{function.code_uri.name}/*.json, import only")
            env = base_env | cfn.local_environment(function, database)
            child_args = [str(module_file), str(function.code_uri), function.handler_attr, str(event or "")]
            try:
                result = median_of(args.runs, CHILD, child_args, env, tmp)
            except RuntimeError as error:
                errors += 1
                notes.append(f"{function.logical_id}: FAILED\n{error}")
                continue
            if isinstance(result["status"], int) and result["status"] >= 500:
                errors += 1
                notes.append(f"{function.logical_id}: the first invocation answered {result['status']}")
            shown_event = event.relative_to(ROOT) if event else "(import only)"
            rows.append((function, shown_event, result))

    print(f"cold start: median of {args.runs} fresh interpreters, {sys.executable}")
    width = max([len(function.logical_id) for function, _, _ in rows] + [len("import boto3")])
    print(
        f"{'function':<{width}}  {'import ms':>9}  {'1st call ms':>11}  {'total ms':>8}  {'x boto3':>7}"
        f"  {'no .pyc ms':>10}  {'x boto3':>7}  event"
    )
    print(
        f"{'import boto3':<{width}}  {baseline:>9.0f}  {'':>11}  {baseline:>8.0f}  {1:>7.2f}"
        f"  {baseline_nopyc:>10.0f}  {1:>7.2f}  (baseline)"
    )
    for function, shown_event, result in rows:
        print(
            f"{function.logical_id:<{width}}  {result['import_ms']:>9.0f}  {result['invoke_ms']:>11.0f}"
            f"  {result['total_ms']:>8.0f}  {result['total_ms'] / baseline:>7.2f}"
            f"  {result['total_nopyc_ms']:>10.0f}  {result['total_nopyc_ms'] / baseline_nopyc:>7.2f}  {shown_event}"
            + (f" -> {result['status']}" if result["status"] is not None else "")
        )
    for note in notes:
        print(f"note: {note}")

    health = [r for f, _, r in rows if f.code_uri is not None and f.code_uri.name == "health"]
    for result in health:
        verdict = "PASS" if result["total_ms"] < HEALTH_TARGET_MS else "FAIL"
        print(f"{verdict}: health cold start {result['total_ms']:.0f} ms (target < {HEALTH_TARGET_MS:.0f} ms)")
    if not health:
        print("health function not found in the template: no target to compare")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
