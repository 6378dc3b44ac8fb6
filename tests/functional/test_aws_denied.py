"""An AWS call a route makes that the function's role does not allow answers the generic 500
envelope with the request id, never AWS's text (role and resource ARNs, the policy verdict), and is
logged with the exception."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from veriflow.core.aws import client

Api = Any
Identity = Any

ROLE_ARN = "arn:aws:sts::123456789012:assumed-role/veriflow-prod-UsersApiFunctionRole-1A2B3C/veriflow-prod-users"
TABLE_ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/veriflow-prod-RateLimitTable-9Z8Y7X"
DENIED = (
    f"User: {ROLE_ARN} is not authorized to perform: dynamodb:UpdateItem on resource: {TABLE_ARN} "
    "because no identity-based policy allows the dynamodb:UpdateItem action"
)


@pytest.fixture
def log_stream(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Everything the shared logger writes, at INFO, for the length of the test."""
    from veriflow.core.observability import logger

    stream = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", stream)
    previous = logger.log_level
    logger.setLevel("INFO")
    yield stream
    logger.setLevel(previous)


@pytest.mark.parametrize(("method", "path", "signed_in"), [
    ("GET", "/v1/users/me", True),
    ("GET", "/v1/orgs", True),
    ("POST", "/v1/auth/login", False),
], ids=["users", "orgs", "auth"])
def test_a_denied_aws_call_is_a_generic_500_with_the_request_id(
    api: Api, identity: Identity, log_stream: io.StringIO, method: str, path: str, signed_in: bool
) -> None:
    # GIVEN a route whose rate-limit counter (DynamoDB) is denied by IAM, as AWS words it
    ada = identity.user("ada@people.example", password="correct horse battery staple")
    body = {"email": "ada@people.example", "password": "correct horse battery staple"} if not signed_in else None
    with Stubber(client("dynamodb")) as dynamodb:
        dynamodb.add_client_error(
            "update_item", service_error_code="AccessDeniedException", service_message=DENIED, http_status_code=400
        )
        # WHEN the route is called
        response = api(method, path, ada if signed_in else None, json_body=body)
        dynamodb.assert_no_pending_responses()
    # THEN it is the generic 500 envelope carrying the request id, and nothing AWS said
    assert response["statusCode"] == 500, response["json"]
    error = response["json"]["error"]
    assert error["code"] == "internal_error"
    assert error["details"] is None
    assert error["request_id"]
    assert error["request_id"] == response["headers"]["x-request-id"]
    for leak in ("arn:", "not authorized", "AccessDenied", "dynamodb", "123456789012", "policy"):
        assert leak not in response["body"]
    # AND the log has the cause with its traceback, once, under the same request id
    records = [json.loads(line) for line in log_stream.getvalue().splitlines() if line.startswith("{")]
    errors = [record for record in records if record.get("level") == "ERROR"]
    assert len(errors) == 1
    assert errors[0]["correlation_id"] == error["request_id"]
    assert "AccessDeniedException" in errors[0]["exception"]
