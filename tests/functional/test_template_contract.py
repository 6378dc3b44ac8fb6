"""Code and template stay in step: routes, OpenAPI, sample events and health coverage."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from veriflow.local import LocalCloud

ROOT = Path(__file__).resolve().parents[2]

# What readiness can probe, by the environment-variable suffix that names each kind of resource.
CHECKED_RESOURCES = {
    "AWS::S3::Bucket": "_BUCKET",
    "AWS::SQS::Queue": "_QUEUE_URL",
    "AWS::DynamoDB::Table": "_TABLE",
    "AWS::SecretsManager::Secret": "_SECRET_ARN",
    "AWS::StepFunctions::StateMachine": "_STATE_MACHINE_ARN",
}


def _router_routes(app: FastAPI) -> set[tuple[str, str]]:
    # The app's own OpenAPI document is FastAPI's public list of what it serves.
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    # FastAPI writes a greedy parameter `{name:path}`, API Gateway `{name+}`.
    return {
        (method.upper(), re.sub(r"\{(\w+):path\}", r"{\1+}", path)) for path, ops in paths.items() for method in ops
    }


def _http_functions(template_cloud: LocalCloud) -> dict[str, set[tuple[str, str]]]:
    """Each HTTP function's routes, without `$default` (the catch-all has no route of its own)."""
    by_function: dict[str, set[tuple[str, str]]] = {}
    for route in template_cloud.routes:
        routes = by_function.setdefault(route.function_id, set())
        if route.path != "$default":
            routes.add((route.method, route.path))
    return by_function


def test_unmatched_requests_reach_one_function(template_cloud: LocalCloud) -> None:
    # API Gateway's own 404 is not our envelope: the $default route sends strays to a function.
    catch_all = [route.function_id for route in template_cloud.routes if route.path == "$default"]
    assert catch_all == ["HealthApiFunction"]


def test_every_template_route_is_served_and_every_served_route_is_in_the_template(template_cloud: LocalCloud) -> None:
    functions = _http_functions(template_cloud)
    assert "HealthApiFunction" in functions
    for function_id, template_routes in functions.items():
        app = template_cloud.functions[function_id].module().app
        served = _router_routes(app)
        assert template_routes - served == set(), f"{function_id}: in the template, not in its routers"
        assert served - template_routes == set(), f"{function_id}: in its routers, not in the template"


def test_each_function_serves_only_its_own_group(template_cloud: LocalCloud) -> None:
    # A function's app mounts its group's routers only: no route answers from two functions.
    seen: dict[tuple[str, str], str] = {}
    for function_id in _http_functions(template_cloud):
        for route in _router_routes(template_cloud.functions[function_id].module().app):
            assert route not in seen, f"{route} is served by {seen.get(route)} and {function_id}"
            seen[route] = function_id


def test_merged_openapi_documents_every_route_and_the_error_envelope(template_cloud: LocalCloud) -> None:
    spec = template_cloud.openapi()
    documented = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    assert documented == {(route.method, route.path) for route in template_cloud.routes if route.path != "$default"}
    operation_ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            tag = op["tags"][0]
            assert op["operationId"].startswith(f"{tag}-"), (method, path)
            error = op["responses"]["default"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}
    assert spec["components"]["schemas"]["Error"]["required"] == ["error"]
    assert "503" in spec["paths"]["/health/ready"]["get"]["responses"]


def test_every_route_has_a_sample_event(template_cloud: LocalCloud) -> None:
    # The events sam local invoke and the tests use, one per route at least.
    keys: dict[str, set[str]] = {}
    for path in (ROOT / "events").glob("*/*.json"):
        event: dict[str, Any] = json.loads(path.read_text())
        if "routeKey" in event:
            keys.setdefault(event["routeKey"], set()).add(str(path))
    missing = [route.route_key for route in template_cloud.routes if route.route_key not in keys]
    assert missing == []


def test_readiness_covers_every_resource_the_functions_use(template_cloud: LocalCloud) -> None:
    # GIVEN the health function's environment as the template resolves it
    environment = template_cloud.functions["HealthApiFunction"].environment()
    dead_letter_queues = {
        json.dumps(queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
        for queue in template_cloud.stack.template.resources("AWS::SQS::Queue").values()
        if "RedrivePolicy" in queue.get("Properties", {})
    }
    for logical_id, resource in template_cloud.stack.template.resources(*CHECKED_RESOURCES).items():
        if json.dumps({"Fn::GetAtt": [logical_id, "Arn"]}) in dead_letter_queues:
            continue  # a dead-letter queue is watched by its alarm, not used by functions
        suffix = CHECKED_RESOURCES[resource["Type"]]
        physical = template_cloud.resources[logical_id]
        named = {value for name, value in environment.items() if name.endswith(suffix)}
        # THEN each bucket, queue, table, secret and state machine is probed by readiness
        assert named & {physical.name, physical.arn, physical.ref, physical.url}, logical_id
