"""The published OpenAPI document says what the API enforces, and /docs works offline."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from veriflow.core.pagination import CURSOR_PATTERN
from veriflow.local import LocalCloud

Spec = dict[str, Any]


@pytest.fixture(scope="module")
def spec(template_cloud: LocalCloud) -> Spec:
    return template_cloud.openapi()


def _operations(spec: Spec) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield method.upper(), path, op


def _body_schema(spec: Spec, method: str, path: str) -> dict[str, Any]:
    ref = spec["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]]  # type: ignore[no-any-return]


def test_the_document_is_valid_openapi(spec: Spec) -> None:
    validate(spec)


def test_both_security_schemes_are_declared_and_used(spec: Spec) -> None:
    # GIVEN the document /docs renders WHEN its security is read
    schemes = spec["components"]["securitySchemes"]
    # THEN bearer JWT and X-API-Key are schemes (the Authorize button), not header parameters
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schemes["apiKeyAuth"] == {**schemes["apiKeyAuth"], "type": "apiKey", "in": "header", "name": "X-API-Key"}
    me = spec["paths"]["/v1/users/me"]["get"]
    assert {name for requirement in me["security"] for name in requirement} == {"bearerAuth", "apiKeyAuth"}
    assert "security" not in spec["paths"]["/v1/auth/login"]["post"]
    for method, path, op in _operations(spec):
        names = {p["name"].lower() for p in op.get("parameters", []) if p["in"] == "header"}
        assert not names & {"authorization", "x-api-key"}, (method, path)


def test_email_fields_declare_their_format(spec: Spec) -> None:
    for method, path, field in [
        ("POST", "/v1/auth/register", "email"), ("POST", "/v1/auth/login", "email"),
        ("POST", "/v1/auth/password/forgot", "email"), ("POST", "/v1/users/me/email", "new_email"),
        ("POST", "/v1/orgs/{org_id}/invitations", "email"),
    ]:
        assert _body_schema(spec, method, path)["properties"][field]["format"] == "email", (method, path)


def test_every_cursor_declares_the_enforced_pattern(spec: Spec) -> None:
    cursors = [(path, p["schema"]) for _, path, op in _operations(spec) for p in op.get("parameters", [])
               if p["name"] == "cursor"]
    assert len(cursors) == 11
    for path, schema in cursors:
        string = next(s for s in schema.get("anyOf", [schema]) if s.get("type") == "string")
        assert string["pattern"] == CURSOR_PATTERN, path
        assert re.fullmatch(CURSOR_PATTERN, "1767323045678901.68df59ce4c3c4fa28bd8822b3c781554")


def test_fields_that_cannot_be_cleared_are_not_nullable(spec: Spec) -> None:
    # GIVEN updates whose fields may be left out but never set to null
    org = _body_schema(spec, "PATCH", "/v1/orgs/{org_id}")["properties"]
    hook = _body_schema(spec, "PATCH", "/v1/orgs/{org_id}/webhooks/{endpoint_id}")["properties"]
    # THEN their schemas admit no null (and no null default); a website may still be cleared
    for schema in (org["name"], org["description"], *hook.values()):
        assert "null" not in json.dumps(schema), schema
    assert {"type": "null"} in org["website"]["anyOf"]


def test_422_bodies_are_the_envelope_with_field_errors(spec: Spec) -> None:
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    details = schemas["ValidationFailed"]["properties"]["error"]["properties"]["details"]
    assert details == {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}}
    assert schemas["FieldError"]["required"] == ["loc", "msg", "type"]
    with_422 = [op for _, _, op in _operations(spec) if "422" in op["responses"]]
    assert with_422
    for op in with_422:
        assert op["responses"]["422"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ValidationFailed"}


def test_docs_load_nothing_from_elsewhere(local_api: httpx.Client) -> None:
    # GIVEN the local server's /docs page
    page = local_api.get("/docs")
    assert page.status_code == 200
    # THEN every script, style and icon it loads comes from this server, and each answers
    sources = re.findall(r'(?:src|href)=["\']([^"\']+)["\']', page.text)
    assert sources
    assert not [source for source in sources if source.startswith(("http:", "https:", "//"))], sources
    for source in sources:
        asset = local_api.get(source)
        assert asset.status_code == 200, source
        assert asset.headers["content-type"].split(";")[0] in {"application/javascript", "text/css", "image/png"}
    assert "SwaggerUIBundle" in local_api.get("/docs/assets/swagger-ui-bundle.js").text
    # Only the files the page loads are served, not the package's whole folder.
    assert local_api.get("/docs/assets/index.html").status_code == 404
