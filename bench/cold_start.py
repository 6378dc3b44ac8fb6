"""Cold start of every function in template.yaml: import + first invocation in a fresh interpreter.

The template is deployed on a local moto server first, so first invocations reach their resources.
For each function: a new `python` process loads CodeUri/<module>.py by file path (as Lambda does),
then calls the handler once with the first sample event in events/<CodeUri dir>/*.json and a fake
Lambda context (no event: import only). STAGE=local, fake AWS credentials, a temp SQLite database.
The API functions' first call is a signed-in read instead (SIGNED_IN_SAMPLES, with the token of a
superadmin the bench seeds and signs in): the token verified, the rate limit counted, the database read,
as a real first request does.
Median of --runs runs after one untimed run. Beside it, the same figure for a bare `import boto3`
(the baseline) and the ratio to it. Interpreter start-up is excluded. The health function's target
(< 400 ms) is judged on the first figure. Reports only: no budget is asserted in tests.

Two more columns show what Lambda adds to the first figure, and a third what SnapStart takes off it:
  traced  - as in Lambda with `Tracing: Active`: the tracer is on, so the X-Ray SDK is imported
            (locally our tracer is off and never imports it).
  no .pyc - `sam build` ships no .pyc files and Lambda's code directories are read-only, so our
            code and the layers compile from source on every cold start (the runtime's stdlib
            does not): stdlib bytecode cached, everything else compiled each run.
  restored - a function with SnapStart in the template (parameter SnapStart=PublishedVersions): init
            and the before-snapshot hooks untimed (Lambda runs them when it publishes a version),
            then the after-restore hooks and the first call. Lambda's own restore of the snapshot
            comes on top and cannot be measured here.

  libs    - the floor under the function's first figure: the third-party modules (those under
            site-packages) its cold start loaded, imported by themselves in a fresh interpreter, in
            the order it loaded them. What is left of the total ("ours") is our code's share.

A last row, "libraries", imports what every API function's first request needs before any of our
code runs (FastAPI, SQLAlchemy's ORM, PyJWT with cryptography, pydantic-settings, Mangum,
Powertools), boto3 apart, after `veriflow`'s one-line __init__ as the functions do.

Usage: .venv/bin/python bench/cold_start.py [--runs 5] [--function LogicalId ...] [--libraries]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HEALTH_TARGET_MS = 400.0
LIBRARIES = ",".join((
    "fastapi", "sqlalchemy.orm", "jwt", "cryptography.hazmat.primitives.asymmetric.ec", "pydantic_settings",
    "mangum", "aws_lambda_powertools.logging", "aws_lambda_powertools.metrics", "aws_lambda_powertools.tracing",
))

# The API functions' first call: a read of the signed-in user's own data (or a lookup that reads
# the database and finds nothing), by CodeUri directory.
SIGNED_IN_SAMPLES = {
    "users": "get-me.json",
    "orgs": "list-orgs.json",
    "admin": "list-audit-log.json",
    "notifications": "unread-count.json",
    "auth": "list-sessions.json",
    "certificates": "get.json",
    "uploads": "get.json",
}
BENCH_EMAIL = "bench-superadmin@example.com"
UNLIMITED = 1_000_000  # requests per minute: every run is one user from one IP

CONTEXT = r"""
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
"""

# Runs in the fresh interpreter: argv = module_file, code_dir, attribute, event_file ("" for none),
# mode ("cold" or "restored"), result_file. Timings go to the result file: the handler's own
# logging owns stdout. "libraries" lists the site-packages modules loaded, in load order.
FUNCTION_RUN = r"""
import importlib.util, json, sys, sysconfig, time
module_file, code_dir, attr, event_file, mode, result_file = sys.argv[1:7]
event = json.load(open(event_file)) if event_file else None
""" + CONTEXT + r"""
started = time.perf_counter()
sys.path.insert(0, code_dir)
spec = importlib.util.spec_from_file_location("lambda_function_under_test", module_file)
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
handler = getattr(module, attr)
imported = time.perf_counter()
if mode == "restored":
    from veriflow.local.snapstart import restore, take_snapshot
    take_snapshot()
    imported = started = time.perf_counter()
    restore()
status = None
if event is not None:
    response = handler(event, Context())
    status = response.get("statusCode") if isinstance(response, dict) else None
invoked = time.perf_counter()
site = tuple({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
libraries = [name for name, loaded in list(sys.modules.items())
             if str(getattr(loaded, "__file__", None) or "").startswith(site)]
json.dump({"import_ms": (imported - started) * 1000, "invoke_ms": (invoked - imported) * 1000,
           "status": status, "libraries": libraries}, open(result_file, "w"))
"""

# argv = email, password, module_file, code_dir, login event_file, result_file: seeds a superadmin
# (idempotent) and signs in through the auth function; the result holds the access token.
SIGN_IN = r"""
import importlib.util, json, sys
email, password, module_file, code_dir, event_file, result_file = sys.argv[1:7]
from veriflow.core.db import session_scope
from veriflow.users.service import seed_superadmin
with session_scope() as session:
    seed_superadmin(session, email, password)
""" + CONTEXT + r"""
sys.path.insert(0, code_dir)
spec = importlib.util.spec_from_file_location("auth_function", module_file)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
event = json.load(open(event_file))
event["body"] = json.dumps({"email": email, "password": password})
response = module.handler(event, Context())
json.dump({"status": response["statusCode"], "body": response["body"]}, open(result_file, "w"))
"""

# argv = modules (comma-separated), result_file: the time to import them in a fresh interpreter.
IMPORT_ONLY = r"""
import importlib, json, sys, time
started = time.perf_counter()
for name in sys.argv[1].split(","):
    importlib.import_module(name)
json.dump({"import_ms": (time.perf_counter() - started) * 1000, "invoke_ms": 0.0, "status": None},
          open(sys.argv[2], "w"))
"""

# argv = modules (comma-separated), result_file: a function's libraries imported in the order they
# finished loading (a package after its modules: the first of them loads the package). `veriflow`
# first, as in every function: its __init__ only sets pydantic's defer_build default, which makes
# FastAPI's import cheaper. A module that cannot be imported by its name (one a package puts in
# sys.modules under an alias) is skipped: its package's import loads it.
LIBRARY_FLOOR = r"""
import importlib, json, sys, time
started = time.perf_counter()
for name in ["veriflow", *sys.argv[1].split(",")]:
    try:
        importlib.import_module(name)
    except Exception:
        pass
json.dump({"import_ms": (time.perf_counter() - started) * 1000, "invoke_ms": 0.0, "status": None},
          open(sys.argv[2], "w"))
"""


def traced_environment(function_dir: Path) -> dict[str, str]:
    """What Lambda sets that turns tracing on; segments go to a UDP port nobody listens on."""
    return {
        "LAMBDA_TASK_ROOT": str(function_dir),
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "POWERTOOLS_TRACE_DISABLED": "false",
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
    }


def load_cfn_template() -> ModuleType:
    """scripts/cfn_template.py (the template reader the checks use), loaded by path."""
    spec = importlib.util.spec_from_file_location("cfn_template", ROOT / "scripts" / "cfn_template.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class Runner:
    def __init__(self, runs: int, tmp: Path) -> None:
        self.runs = runs
        self.tmp = tmp

    def once(self, code: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
        result_file = self.tmp / "result.json"
        result_file.unlink(missing_ok=True)
        proc = subprocess.run(
            [sys.executable, "-c", code, *args, str(result_file)],
            env=env,
            cwd=self.tmp,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if proc.returncode != 0 or not result_file.exists():
            raise RuntimeError(f"exit {proc.returncode}\n{proc.stdout[-1500:]}{proc.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(result_file.read_text())
        return result

    def median(self, code: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
        """Medians of import, first call and their sum, after one untimed run."""
        self.once(code, args, env)
        samples = [self.once(code, args, env) for _ in range(self.runs)]
        return {
            "import_ms": statistics.median(s["import_ms"] for s in samples),
            "invoke_ms": statistics.median(s["invoke_ms"] for s in samples),
            "total_ms": statistics.median(s["import_ms"] + s["invoke_ms"] for s in samples),
            "status": samples[-1]["status"],
            "libraries": samples[-1].get("libraries", []),
        }

    def median_without_our_bytecode(self, code: str, args: list[str], env: dict[str, str]) -> float:
        """Median total with only the stdlib's bytecode cached (a private cache, emptied of ours)."""
        prefix = self.tmp / "pycache"
        shutil.rmtree(prefix, ignore_errors=True)
        self.once(code, args, env | {"PYTHONPYCACHEPREFIX": str(prefix)})
        paths = sysconfig.get_paths()
        for ours in {ROOT, Path(paths["purelib"]), Path(paths["platlib"])}:
            shutil.rmtree(prefix / ours.resolve().relative_to("/"), ignore_errors=True)
        env = env | {"PYTHONPYCACHEPREFIX": str(prefix), "PYTHONDONTWRITEBYTECODE": "1"}
        totals: list[float] = [
            s["import_ms"] + s["invoke_ms"] for s in (self.once(code, args, env) for _ in range(self.runs))
        ]
        return statistics.median(totals)


@contextlib.contextmanager
def local_cloud(tmp_dir: str) -> Iterator[Any]:
    """The template deployed on a moto server, so first invocations reach real (local) resources;
    the database migrated."""
    from veriflow.core.migrations import upgrade
    from veriflow.local import LocalCloud
    from veriflow.local.dev import DEV_PARAMETERS, moto_server

    upgrade(f"sqlite:///{tmp_dir}/bench.sqlite3")
    with moto_server() as endpoint:
        cloud = LocalCloud(ROOT / "template.yaml", parameters=DEV_PARAMETERS, endpoint_url=endpoint).deploy()
        try:
            yield cloud
        finally:
            cloud.close()


def cloud_environment(cloud: Any, logical_id: str) -> dict[str, str]:
    environment: dict[str, str] = cloud.functions[logical_id].environment()
    keep = ("AWS_ENDPOINT_URL", "_TABLE", "_QUEUE_URL", "_SECRET_ARN", "_BUCKET", "PUBLIC_API_URL", "JWT_", "DB_",
            "DATABASE_HOST")
    resources = {name: value for name, value in environment.items() if name.startswith(keep) or name.endswith(keep)}
    # Every run is one user from one IP: lift the limits (still counted on every call), or the
    # runs after the first few answer 429.
    return resources | {f"{name}_PER_IP_PER_MIN": str(UNLIMITED) for name in ("LOGIN", "REGISTER", "FORGOT")} | {
        "API_RATE_LIMIT_TIERS": json.dumps(dict.fromkeys(("member", "staff", "api_key"), UNLIMITED))
    }


def sign_in(run: Runner, function: Any, env: dict[str, str]) -> str:
    """A superadmin seeded in the bench's database, signed in through the auth function: its access token."""
    password = secrets.token_urlsafe(18)
    argv = [BENCH_EMAIL, password, str(function.module_file), str(function.code_uri),
            str(ROOT / "events" / "auth" / "login.json")]
    result = run.once(SIGN_IN, argv, env)
    if result["status"] != 200:
        raise RuntimeError(f"signing in answered {result['status']}: {result['body'][:300]}")
    token: str = json.loads(result["body"])["access_token"]
    return token


def signed_in_event(sample: Path, token: str, tmp: Path) -> Path:
    """The sample event with the bench user's token in place of its placeholder."""
    event = json.loads(sample.read_text())
    event["headers"]["authorization"] = f"Bearer {token}"
    written = tmp / "events" / f"{sample.parent.name}-{sample.name}"
    written.parent.mkdir(exist_ok=True)
    written.write_text(json.dumps(event))
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--function", action="append", help="only these logical ids")
    parser.add_argument("--libraries", action="store_true",
                        help="also list the packages each function's cold start loaded (its libs column)")
    args = parser.parse_args()

    cfn = load_cfn_template()
    template = cfn.load_template(ROOT / "template.yaml")
    functions = cfn.functions(template, ROOT)
    found = [function for function in functions if not args.function or function.logical_id in args.function]
    snapstart = {lid for lid, res in template["Resources"].items() if "SnapStart" in res.get("Properties", {})}
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON", "_X_AMZN", "LAMBDA_"))}
    # This checkout's package, not whichever one the environment's editable install points at.
    base_env["PYTHONPATH"] = str(ROOT / "shared")

    rows: list[tuple[str, dict[str, Any], str]] = []
    notes: list[str] = []
    errors = 0
    with tempfile.TemporaryDirectory(prefix="veriflow-bench-") as tmp_dir, local_cloud(tmp_dir) as cloud:
        run = Runner(args.runs, Path(tmp_dir))
        database = {"DATABASE_URL": f"sqlite:///{tmp_dir}/bench.sqlite3"}
        env = base_env | cfn.local_environment(cfn.Function("Baseline", None, None), database)
        baseline = run.median(IMPORT_ONLY, ["boto3"], env)
        baseline["nopyc_ms"] = run.median_without_our_bytecode(IMPORT_ONLY, ["boto3"], env)
        baseline["traced_ms"] = baseline["total_ms"]
        libraries = run.median(LIBRARY_FLOOR, [LIBRARIES], env)
        libraries["nopyc_ms"] = run.median_without_our_bytecode(LIBRARY_FLOOR, [LIBRARIES], env)
        libraries["traced_ms"] = libraries["total_ms"]
        for row in (baseline, libraries):
            row["floor_ms"] = row["total_ms"]

        def function_env(function: Any) -> dict[str, str]:
            # The function's own resolved environment, its resources on the local cloud's endpoint.
            env: dict[str, str] = base_env | cfn.local_environment(function, database)
            return env | cloud_environment(cloud, function.logical_id)

        token: str | None = None  # signed in once, when the first API function needs it
        for function in found:
            module_file = function.module_file
            if module_file is None or not module_file.is_file():
                notes.append(f"{function.logical_id}: no handler module ({function.handler}), skipped")
                continue
            event: Path | None
            call: Path | None
            sample = SIGNED_IN_SAMPLES.get(function.code_uri.name)
            if sample is not None:
                if token is None:
                    auth = next(f for f in functions if f.code_uri is not None and f.code_uri.name == "auth")
                    token = sign_in(run, auth, function_env(auth))
                event = ROOT / "events" / function.code_uri.name / sample
                call = signed_in_event(event, token, run.tmp)
            else:
                events = sorted((ROOT / "events" / function.code_uri.name).glob("*.json"))
                event = call = events[0] if events else None
            if event is None:
                notes.append(f"{function.logical_id}: no events/{function.code_uri.name}/*.json, import only")
            env = function_env(function)
            argv = [str(module_file), str(function.code_uri), function.handler_attr, str(call or "")]
            try:
                try:
                    result = run.median(FUNCTION_RUN, [*argv, "cold"], env)
                except RuntimeError as error:
                    # The pipeline's sample events name uploads this bench does not create.
                    argv[-1] = ""
                    result = run.median(FUNCTION_RUN, [*argv, "cold"], env)
                    notes.append(f"{function.logical_id}: import only, its first call raised "
                                 f"{str(error).strip().splitlines()[-1][:160]}")
                    event = None
                traced = env | traced_environment(function.code_uri)
                result["traced_ms"] = run.median(FUNCTION_RUN, [*argv, "cold"], traced)["total_ms"]
                result["nopyc_ms"] = run.median_without_our_bytecode(FUNCTION_RUN, [*argv, "cold"], env)
                result["floor_ms"] = run.median(LIBRARY_FLOOR, [",".join(result["libraries"])], env)["total_ms"]
                result["restored_ms"] = (
                    run.median(FUNCTION_RUN, [*argv, "restored"], env)["total_ms"]
                    if function.logical_id in snapstart else None
                )
            except RuntimeError as error:
                errors += 1
                notes.append(f"{function.logical_id}: FAILED\n{error}")
                continue
            if isinstance(result["status"], int) and result["status"] >= 500:
                errors += 1
                notes.append(f"{function.logical_id}: the first invocation answered {result['status']}")
            shown = str(event.relative_to(ROOT)) if event else "(import only)"
            if result["status"] is not None:
                shown += f" -> {result['status']}"
            rows.append((function.logical_id, result, shown))
            if args.libraries:
                packages = Counter(name.partition(".")[0] for name in result["libraries"])
                notes.append(f"{function.logical_id} loaded " + ", ".join(
                    f"{package} ({count})" for package, count in packages.most_common()))

    print(f"cold start: median of {args.runs} fresh interpreters, {sys.executable}")
    width = max([len(name) for name, _, _ in rows] + [len("import boto3")])
    print(
        f"{'function':<{width}}  {'import':>6}  {'1st call':>8}  {'total ms':>8}  {'x boto3':>7}"
        f"  {'libs':>5}  {'ours':>5}  {'traced':>6}  {'no .pyc':>7}  {'restored':>8}  event"
    )
    table = [("import boto3", baseline, "(baseline)"), *rows,
             ("libraries", libraries, "(the API libraries, boto3 apart)")]
    for name, result, shown in table:
        restored = result.get("restored_ms")
        print(
            f"{name:<{width}}  {result['import_ms']:>6.0f}  {result['invoke_ms']:>8.0f}  {result['total_ms']:>8.0f}"
            f"  {result['total_ms'] / baseline['total_ms']:>7.2f}  {result['floor_ms']:>5.0f}"
            f"  {result['total_ms'] - result['floor_ms']:>5.0f}  {result['traced_ms']:>6.0f}"
            f"  {result['nopyc_ms']:>7.0f}  {'-' if restored is None else f'{restored:.0f}':>8}  {shown}"
        )
    for note in notes:
        print(f"note: {note}")

    health = [result for name, result, _ in rows if name.startswith("Health")]
    for result in health:
        verdict = "PASS" if result["total_ms"] < HEALTH_TARGET_MS else "FAIL"
        print(f"{verdict}: health cold start {result['total_ms']:.0f} ms (target < {HEALTH_TARGET_MS:.0f} ms)")
    if not health:
        print("health function not found in the template: no target to compare")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
