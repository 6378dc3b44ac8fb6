"""Every failure a client can cause, or we can, answers in the one error envelope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.exc import OperationalError

from veriflow.core.errors import Conflict, NotFound, ValidationFailed, field_error
from veriflow.core.http import create_app, http_handler
from veriflow.core.routing import APIRouter

REQUEST_ID = "Kx2bqiYEoAMEbSg="  # the sample event's API Gateway request id

router = APIRouter(prefix="/v1/things", tags=["things"])


class ThingCreate(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    count: int = Field(ge=0)


class Gadget(BaseModel):
    code: str = Field(pattern=r"^[a-z]+$")
    serial: str

    @field_validator("serial")
    @classmethod
    def _serial(cls, value: str) -> str:
        if not value.startswith("SN"):
            raise ValueError("A serial number starts with SN.")
        return value


@router.post("", status_code=201)
def create_thing(thing: ThingCreate) -> dict[str, Any]:
    if thing.name == "taken":
        raise Conflict("A thing with this name exists.", details={"field": "name"})
    return thing.model_dump()


@router.post("/gadgets")
def create_gadget(gadget: Gadget) -> dict[str, Any]:
    if gadget.code == "taken":
        # A domain rule, after the schema passed: the same detail shape as the schema's.
        raise ValidationFailed("The gadget cannot be made.", errors=[
            field_error(("body", "code"), "This code is reserved.", "code_reserved")])
    return gadget.model_dump()


@router.get("/missing")
def missing() -> None:
    raise NotFound("No such thing.")


@router.get("/crash")
def crash() -> None:
    raise OperationalError("SELECT secret FROM users WHERE password = 'hunter2'", {}, Exception("db down"))


Invoke = Callable[..., dict[str, Any]]


@pytest.fixture
def call(invoke_http: Invoke) -> Callable[..., dict[str, Any]]:
    handler = http_handler(create_app(router))

    def call(method: str, path: str, body: str | None = None, **kwargs: Any) -> dict[str, Any]:
        return invoke_http(handler, method, path, body, **kwargs)

    return call


def assert_envelope(response: dict[str, Any], status: int, code: str) -> dict[str, Any]:
    assert response["statusCode"] == status, response
    error = response["json"]["error"]
    assert set(response["json"]) == {"error"}
    assert set(error) == {"code", "message", "details", "request_id"}
    assert error["code"] == code
    assert error["request_id"] == REQUEST_ID
    assert response["headers"]["x-request-id"] == REQUEST_ID
    return error  # type: ignore[no-any-return]


def test_success_is_a_plain_resource(call: Callable[..., dict[str, Any]]) -> None:
    response = call("POST", "/v1/things", '{"name": "kite", "count": 2}')
    assert response["statusCode"] == 201
    assert response["json"] == {"name": "kite", "count": 2}


def test_unknown_route_is_404(call: Callable[..., dict[str, Any]]) -> None:
    error = assert_envelope(call("GET", "/v1/nowhere/<script>"), 404, "not_found")
    # The message is a sentence that does not echo the request.
    assert error["message"] == "No route has this path."
    assert "script" not in str(error)


def test_wrong_method_is_405(call: Callable[..., dict[str, Any]]) -> None:
    response = call("DELETE", "/v1/things")
    assert_envelope(response, 405, "method_not_allowed")
    assert "POST" in response["headers"]["allow"]


def test_invalid_json_is_400(call: Callable[..., dict[str, Any]]) -> None:
    assert_envelope(call("POST", "/v1/things", '{"name": "kite",'), 400, "malformed_json")


def test_validation_error_is_422_without_fastapi_detail(call: Callable[..., dict[str, Any]]) -> None:
    # GIVEN a body with a wrong type and a missing field, one carrying a secret-looking value
    response = call("POST", "/v1/things", '{"name": "", "count": "s3cr3t-value"}')
    # THEN the envelope lists each problem by location, without echoing the input
    error = assert_envelope(response, 422, "validation_failed")
    assert "detail" not in response["json"]
    locations = {tuple(item["loc"]) for item in error["details"]}
    assert locations == {("body", "name"), ("body", "count")}
    assert "s3cr3t-value" not in response["body"]


def _assert_field_errors(error: dict[str, Any]) -> list[dict[str, Any]]:
    details: list[dict[str, Any]] = error["details"]
    assert isinstance(details, list)
    for item in details:
        assert set(item) == {"loc", "msg", "type"}, item
        assert all(isinstance(part, str) for part in item["loc"])
        assert isinstance(item["msg"], str)
        assert isinstance(item["type"], str)
    return details


def test_schema_errors_name_field_and_rule_without_input_or_ctx(call: Callable[..., dict[str, Any]]) -> None:
    # GIVEN values breaking a pattern (pydantic puts the pattern in `ctx`) and a validator of ours
    response = call("POST", "/v1/things/gadgets", '{"code": "SECRET-9", "serial": "hunter2-serial"}')
    # THEN each detail is {loc, msg, type}: no `input`, no `ctx`, and neither value comes back
    details = _assert_field_errors(assert_envelope(response, 422, "validation_failed"))
    by_field = {tuple(item["loc"]): item for item in details}
    assert by_field[("body", "code")]["type"] == "string_pattern_mismatch"
    # A validator's own message is the sentence, without pydantic's "Value error, " prefix.
    assert by_field[("body", "serial")] == {"loc": ["body", "serial"], "msg": "A serial number starts with SN.",
                                            "type": "value_error"}
    for leak in ("SECRET-9", "hunter2", '"input"', '"ctx"'):
        assert leak not in response["body"]


def test_domain_validation_has_the_schema_shape(call: Callable[..., dict[str, Any]]) -> None:
    # GIVEN a body the schema accepts WHEN a domain rule refuses it
    response = call("POST", "/v1/things/gadgets", '{"code": "taken", "serial": "SN1"}')
    # THEN the 422 lists the field and the rule, like a schema error
    details = _assert_field_errors(assert_envelope(response, 422, "validation_failed"))
    assert details == [{"loc": ["body", "code"], "msg": "This code is reserved.", "type": "code_reserved"}]


def test_body_over_one_megabyte_is_413(call: Callable[..., dict[str, Any]]) -> None:
    big = '{"name": "' + "x" * (1024 * 1024) + '", "count": 1}'
    error = assert_envelope(call("POST", "/v1/things", big), 413, "payload_too_large")
    assert error["details"] == {"max_bytes": 1024 * 1024}


def test_body_of_exactly_the_limit_is_accepted(call: Callable[..., dict[str, Any]]) -> None:
    prefix, suffix = '{"count": 1, "name": "kite", "pad": "', '"}'
    body = prefix + "x" * (1024 * 1024 - len(prefix) - len(suffix)) + suffix
    assert len(body) == 1024 * 1024
    assert call("POST", "/v1/things", body)["statusCode"] == 201


def test_domain_error_keeps_its_status_and_details(call: Callable[..., dict[str, Any]]) -> None:
    error = assert_envelope(call("POST", "/v1/things", '{"name": "taken", "count": 1}'), 409, "conflict")
    assert error["details"] == {"field": "name"}
    assert_envelope(call("GET", "/v1/things/missing"), 404, "not_found")


def test_unexpected_exception_is_500_without_internals(call: Callable[..., dict[str, Any]]) -> None:
    # GIVEN a route whose database call fails with SQL in the exception
    response = call("GET", "/v1/things/crash")
    # THEN the client sees a 500 envelope with the request id, and no SQL, secret or traceback
    assert_envelope(response, 500, "internal_error")
    for leak in ("SELECT", "hunter2", "Traceback", "OperationalError"):
        assert leak not in response["body"]


def test_client_request_id_is_used_without_gateway_id(
    call: Callable[..., dict[str, Any]], invoke_http: Invoke
) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(create_app(router))
    assert client.get("/v1/nowhere", headers={"x-request-id": "abc-123"}).json()["error"]["request_id"] == "abc-123"
    # A hostile id is replaced, not reflected.
    hostile = client.get("/v1/nowhere", headers={"x-request-id": "<script>"}).json()["error"]["request_id"]
    assert hostile != "<script>"
    assert len(hostile) == 32
