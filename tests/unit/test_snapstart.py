"""SnapStart (template parameter `SnapStart`): what each API function does before the snapshot and
after a restore, run the way the Lambda runtime runs the hooks, in a fresh interpreter per function."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from veriflow.local.template import parse_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = parse_template((ROOT / "template.yaml").read_text(encoding="utf-8"))
SNAPSTART_FUNCTIONS = sorted(
    name
    for name, resource in TEMPLATE["Resources"].items()
    if "SnapStart" in resource.get("Properties", {})
)
# A request each function refuses before it needs AWS or the database: a token that is no JWT.
EVENTS = {
    "UsersApiFunction": "users/assign-role.json",
    "OrgsApiFunction": "orgs/accept-invitation.json",
    "AdminApiFunction": "admin/list-audit-log.json",
    "NotificationsApiFunction": "notifications/list-unread.json",
    "AuthApiFunction": "auth/list-sessions.json",
    "CertificatesApiFunction": "certificates/issue.json",
    "UploadsApiFunction": "uploads/create.json",
}

RUN = r"""
import importlib.util, json, sys
module_file, event_file, snapshot = sys.argv[1], sys.argv[2], sys.argv[3] == "snapshot"
sys.path.insert(0, str(__import__("pathlib").Path(module_file).parent))
spec = importlib.util.spec_from_file_location("app", module_file)
app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)

class Context:
    function_name, function_version, memory_limit_in_mb = "f", "1", 512
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:f:live"
    aws_request_id, log_group_name, log_stream_name = "00000000-0000-4000-8000-000000000000", "g", "s"
    def get_remaining_time_in_millis(self): return 10_000

from veriflow.core import aws, db
from veriflow.identity import keys
found = {}
if snapshot:
    from veriflow.local.snapstart import restore, take_snapshot
    take_snapshot()
    found["in_snapshot"] = sorted({m.split(".")[0] for m in sys.modules} & {"jwt", "cryptography", "boto3", "pg8000"})
    # botocore's loader caches each parsed model under (method, service, type, version)
    parsed = {key[1] for key in aws._loader()._cache if isinstance(key, tuple) and len(key) > 1}
    found["models_loaded"] = sorted(parsed & {"dynamodb", "secretsmanager", "sqs", "s3"})
    found["engine_in_snapshot"] = db._engine is not None
    aws._clients["sqs"] = "a client built before the snapshot"
    keys._Cache.keyset = "keys read before the snapshot"
    restore()
    found["clients_after_restore"] = sorted(aws._clients)
    found["keys_after_restore"] = keys._Cache.keyset
response = app.handler(json.load(open(event_file)), Context())
found["status"] = response["statusCode"]
found["body"] = json.loads(response["body"])
print(json.dumps(found))
"""


@functools.cache
def _run(logical_id: str, mode: str) -> dict[str, Any]:
    props = TEMPLATE["Resources"][logical_id]["Properties"]
    module_file = ROOT / props["CodeUri"] / (props["Handler"].rsplit(".", 1)[0] + ".py")
    # Any AWS call would go to a closed port and fail: the hooks and these requests make none.
    env = {
        "STAGE": "local", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "shared"),
        "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",  # fake, never sent
        "POWERTOOLS_SERVICE_NAME": "veriflow", "POWERTOOLS_METRICS_NAMESPACE": "Veriflow",
        "POWERTOOLS_TRACE_DISABLED": "true", "DATABASE_URL": "sqlite:////nonexistent/dir/db.sqlite3",
    }
    out = subprocess.run(
        [sys.executable, "-c", RUN, str(module_file), str(ROOT / "events" / EVENTS[logical_id]), mode],
        capture_output=True, text=True, check=False, cwd=ROOT, env=env, timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["log"] = out.stdout
    return result


def test_snapstart_is_a_template_option_for_every_api_function_and_off_by_default() -> None:
    parameter = TEMPLATE["Parameters"]["SnapStart"]
    assert parameter["Default"] == "None"
    assert parameter["AllowedValues"] == ["None", "PublishedVersions"]
    assert sorted(EVENTS) == SNAPSTART_FUNCTIONS
    for name in SNAPSTART_FUNCTIONS:
        props = TEMPLATE["Resources"][name]["Properties"]
        assert props["SnapStart"] == {"ApplyOn": {"Ref": "SnapStart"}}
        # SnapStart applies to published versions only: the routes must invoke one.
        assert props["AutoPublishAlias"] == "live"


@pytest.mark.parametrize("logical_id", sorted(EVENTS))
def test_the_snapshot_holds_the_first_requests_imports_and_no_connection(logical_id: str) -> None:
    # GIVEN a function initialised as Lambda does  WHEN the before-snapshot hooks run
    found = _run(logical_id, "snapshot")
    # THEN token crypto, boto3 with its models and the database driver are in the snapshot
    assert found["in_snapshot"] == ["boto3", "cryptography", "jwt", "pg8000"]
    assert found["models_loaded"] == ["dynamodb", "s3", "secretsmanager", "sqs"]
    # AND no engine (so no connection) is kept in it
    assert found["engine_in_snapshot"] is False
    # AND the priming request stopped at routing (404), calling nothing
    assert "priming request answered" not in found["log"]


@pytest.mark.parametrize("logical_id", sorted(EVENTS))
def test_a_restored_copy_builds_its_own_clients_and_reads_keys_afresh(logical_id: str) -> None:
    found = _run(logical_id, "snapshot")
    assert found["clients_after_restore"] == []
    assert found["keys_after_restore"] is None


@pytest.mark.parametrize("logical_id", sorted(EVENTS))
def test_a_restored_copy_answers_as_a_fresh_one(logical_id: str) -> None:
    # GIVEN the same request to a copy resumed from the snapshot and to one initialised normally
    restored, fresh = _run(logical_id, "snapshot"), _run(logical_id, "fresh")
    # THEN both refuse the token alike: the priming request left nothing behind
    assert fresh["status"] == 401
    assert (restored["status"], restored["body"]) == (fresh["status"], fresh["body"])
