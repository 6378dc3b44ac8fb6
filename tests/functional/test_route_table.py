"""A wrong method on any route of the API is a 405 with `Allow`; an unknown path stays a 404.

API Gateway sends what no route matches to `$default` (the health function), which answers from
the route table written from template.yaml (scripts/route_table.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from veriflow.health.routes import allowed_methods
from veriflow.local import LocalCloud

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "shared/veriflow/health/data/routes.json"

Invoke = Callable[..., dict[str, Any]]

WRONG_METHODS = [
    ("DELETE", "/v1/auth/login", "POST"),
    ("POST", "/v1/users/me", "GET, PATCH"),
    ("PUT", "/v1/orgs", "GET, POST"),
    ("GET", "/v1/orgs/4f7c3c0e-3b1a-4c55-9d7e-0b1f3b6f9a10/api-keys/k1", "DELETE"),
    ("POST", "/health/live", "GET"),
    ("TRACE", "/.well-known/jwks.json", "GET"),
    ("QUERY", "/v1/notifications", "GET"),
    ("DELETE", "/v1/notifications/preferences", "GET, PATCH"),
]


@pytest.fixture
def health(load_function: Callable[[str], ModuleType]) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    return load_function("health").handler  # type: ignore[no-any-return]


def test_shipped_table_is_the_templates_routes(template_cloud: LocalCloud) -> None:
    # GIVEN the routes the local cloud builds from template.yaml (conditions and intrinsics resolved)
    expected: dict[str, set[str]] = {}
    for route in template_cloud.routes:
        if route.path != "$default":
            expected.setdefault(route.path, set()).add(route.method)
    # WHEN the shipped table is read
    shipped = json.loads(TABLE.read_text())["routes"]
    # THEN it holds exactly those routes
    assert {path: set(methods) for path, methods in shipped.items()} == expected


def test_the_generator_check_fails_on_a_stale_table(tmp_path: Path) -> None:
    # GIVEN a table that lacks a route of the template
    stale = json.loads(TABLE.read_text())
    del stale["routes"]["/v1/users/me"]
    output = tmp_path / "routes.json"
    output.write_text(json.dumps(stale))
    script = [sys.executable, str(ROOT / "scripts/route_table.py"), "--output", str(output), "--check"]
    # WHEN the build's check runs, THEN it fails; after regenerating, it passes
    assert subprocess.run(script, capture_output=True, check=False).returncode == 1
    subprocess.run(script[:-1], capture_output=True, check=True)
    assert subprocess.run(script, capture_output=True, check=False).returncode == 0
    assert output.read_text() == TABLE.read_text()


def test_path_parameters_match_one_segment() -> None:
    assert allowed_methods("/v1/orgs/acme") == ["GET", "PATCH"]
    assert allowed_methods("/v1/orgs/acme/members/u1") == ["DELETE", "PATCH"]
    # A literal route and a parameter route on the same shape both count.
    assert allowed_methods("/v1/orgs/invitations/accept") == ["POST"]
    assert allowed_methods("/v1/orgs//members/u1") == []
    assert allowed_methods("/v1/orgs/a/b/members/u1") == []


@pytest.mark.parametrize(("method", "path", "allow"), WRONG_METHODS)
def test_wrong_method_is_405_with_allow_in_the_deployed_shape(
    health: Any, invoke_http: Invoke, method: str, path: str, allow: str
) -> None:
    # WHEN API Gateway hands the health function a request no route took ($default)
    response = invoke_http(health, method, path)
    # THEN it is a 405 envelope naming the methods the path has
    assert response["statusCode"] == 405, response
    assert response["headers"]["allow"] == allow
    error = response["json"]["error"]
    assert error["code"] == "method_not_allowed"
    assert allow in error["message"]


def test_unknown_path_stays_404(health: Any, invoke_http: Invoke) -> None:
    for method in ("GET", "DELETE"):
        response = invoke_http(health, method, "/v1/nowhere")
        assert response["statusCode"] == 404
        assert "allow" not in response["headers"]
        assert response["json"]["error"]["code"] == "not_found"


def test_options_lists_the_methods(health: Any, invoke_http: Invoke) -> None:
    response = invoke_http(health, "OPTIONS", "/v1/users/me")
    assert response["statusCode"] == 204
    assert response["headers"]["allow"] == "GET, PATCH"


def test_the_sample_event_is_a_405(
    health: Any, sample_event: Callable[[str, str], dict[str, Any]], lambda_context: Any
) -> None:
    # GIVEN the $default sample event for `sam local invoke` (DELETE /v1/auth/login)
    response = health(sample_event("health", "wrong_method"), lambda_context)
    assert response["statusCode"] == 405
    assert response["headers"]["allow"] == "POST"


@pytest.mark.parametrize(("method", "path", "allow"), WRONG_METHODS)
def test_wrong_method_is_405_with_allow_on_the_local_cloud(
    local_api: httpx.Client, method: str, path: str, allow: str
) -> None:
    # WHEN the local HTTP API of the real template gets a wrong method
    response = local_api.request(method, path)
    # THEN the $default function answers, as on AWS
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert local_api.request(method, "/v1/nowhere").status_code == 404
