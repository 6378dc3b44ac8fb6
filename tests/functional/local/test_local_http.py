"""The local HTTP API turns requests into payload v2 events for the template's HttpApi functions."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from moto import mock_aws

from veriflow.local import MOTO_CONFIG, LocalCloud
from veriflow.local.apigw import build_event

Recorded = Callable[[str], dict[str, dict[str, Any]]]


@pytest.fixture
def api(cloud: LocalCloud) -> Iterator[httpx.Client]:
    server = cloud.http_api()
    base_url = server.start(port=0)
    try:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            yield client
    finally:
        server.stop()


def test_request_becomes_a_payload_v2_event(api: httpx.Client, cloud: LocalCloud) -> None:
    # GIVEN GET /items/{id} routed to EchoFunction, which answers with the event it got
    # WHEN a request with a query, headers and cookies arrives
    response = api.get("/items/42%20x?tag=a&tag=b&empty=", headers={
        "X-Custom": "v1", "User-Agent": "tests/1.0", "Cookie": "a=1; b=2",
    })

    # THEN the function saw API Gateway's payload 2.0 event
    assert response.status_code == 200
    event = response.json()["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /items/{id}"
    assert event["rawPath"] == "/items/42%20x"
    assert event["rawQueryString"] == "tag=a&tag=b&empty="
    assert event["queryStringParameters"] == {"tag": "a,b", "empty": ""}
    assert event["pathParameters"] == {"id": "42 x"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"]["x-custom"] == "v1"
    assert "cookie" not in event["headers"]
    assert all(name == name.lower() for name in event["headers"])
    assert event["isBase64Encoded"] is False
    assert "body" not in event
    context = event["requestContext"]
    assert context["http"] == {"method": "GET", "path": "/items/42%20x", "protocol": "HTTP/1.1",
                               "sourceIp": "127.0.0.1", "userAgent": "tests/1.0"}
    assert context["routeKey"] == "GET /items/{id}"
    assert context["requestId"] == response.headers["apigw-requestid"]
    assert context["apiId"] == cloud.resources["ServerlessHttpApi"].ref
    assert isinstance(context["timeEpoch"], int)
    # AND the proxy response's headers and cookies came back
    assert response.headers["x-echo"] == "yes"
    assert response.headers.get_list("set-cookie") == ["session=abc; HttpOnly", "theme=dark"]
    # AND the function ran with the template's environment plus the local overrides
    env = response.json()["env"]
    assert env["STAGE"] == "local"
    assert env["QUEUE_URL"] == cloud.resources["WorkQueue"].url


def test_bodies_text_and_binary(api: httpx.Client) -> None:
    # WHEN a JSON body is posted, THEN it arrives as text
    created = api.post("/items", json={"name": "x"})
    assert created.status_code == 201
    event = created.json()["event"]
    assert (json.loads(event["body"]), event["isBase64Encoded"]) == ({"name": "x"}, False)

    # WHEN a binary body goes to the greedy ANY route, THEN it arrives base64-encoded
    raw = bytes(range(256))
    put = api.put("/files/a/b.png", content=raw, headers={"content-type": "image/png"})
    event = put.json()["event"]
    assert event["routeKey"] == "ANY /files/{proxy+}"
    assert event["pathParameters"] == {"proxy": "a/b.png"}
    assert (base64.b64decode(event["body"]), event["isBase64Encoded"]) == (raw, True)

    # WHEN the function answers base64, THEN the client gets the decoded bytes
    assert api.get("/files/binary").content == b"\x00\x01\x02\xff"


def test_unmatched_routes_answer_in_our_envelope(api: httpx.Client) -> None:
    # WHEN no route has the path, THEN 404 not_found
    missing = api.get("/nowhere")
    assert missing.status_code == 404
    error = missing.json()["error"]
    assert (error["code"], error["details"], error["request_id"]) == (
        "not_found", None, missing.headers["apigw-requestid"])

    # WHEN the path exists for another method, THEN 405 method_not_allowed
    wrong = api.delete("/items/1")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"


def test_bodies_over_the_gateway_limit_are_refused_unread(api: httpx.Client) -> None:
    # WHEN a body over API Gateway's 10 MB arrives, THEN 413 in our envelope, no function runs
    too_big = api.post("/items", content=b"x" * (10 * 1024 * 1024 + 1))
    assert too_big.status_code == 413
    assert too_big.json()["error"]["code"] == "payload_too_large"


def test_responses_carry_one_content_length(api: httpx.Client) -> None:
    # Read the raw response: HTTP clients fold repeated headers away.
    host, port = str(api.base_url.host), int(api.base_url.port or 80)
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"GET /hello/world HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n")
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head = raw.split(b"\r\n\r\n", 1)[0].decode().lower().splitlines()
    assert len([line for line in head if line.startswith("content-length:")]) == 1


def test_fastapi_function_and_merged_openapi(api: httpx.Client) -> None:
    # WHEN a route of a function built with veriflow.core.http is called on fresh connections (a new
    # server thread each time, none with an event loop of its own), THEN Mangum serves every one
    for name in ("world", "again", "once more"):
        hello = api.get(f"/hello/{name}", headers={"connection": "close"})
        assert (hello.status_code, hello.json()) == (200, {"greeting": f"hello {name}"})

    # WHEN the spec and the docs page are asked for, THEN the spec has the function's routes
    spec = api.get("/openapi.json").json()
    assert "/hello/{name}" in spec["paths"]
    docs = api.get("/docs")
    assert docs.status_code == 200
    assert "/openapi.json" in docs.text


def test_fire_schedule_over_http(api: httpx.Client, recorded: Recorded) -> None:
    # WHEN a loopback client asks the local API to fire a schedule (what `veriflow fire` does)
    fired = api.post("/_local/schedules/TickFunctionEveryMinute")

    # THEN it fired and the function got a scheduled event
    assert fired.status_code == 200
    assert fired.json()["rule"] == "TickFunctionEveryMinute"
    assert [result["ok"] for result in fired.json()["results"]] == [True]
    assert len(recorded("tick#")) == 1
    # AND unknown schedules and other methods are refused in our envelope
    unknown = api.post("/_local/schedules/NoSuchRule")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "not_found")
    assert api.get("/_local/schedules/TickFunctionEveryMinute").status_code == 405


def test_local_endpoints_refuse_remote_clients(cloud: LocalCloud) -> None:
    # GIVEN a request from a non-loopback address (the server may listen on every interface)
    server = cloud.http_api()

    # WHEN it asks to fire a schedule, THEN it is treated as an unknown route
    response = server.handle("POST", "/_local/schedules/TickFunctionEveryMinute", [], b"", "192.0.2.10")
    assert response.status == 404


def test_repo_template_serves_its_routes_and_spec(repo_template: Path) -> None:
    # GIVEN the real template deployed in-process (its database secret parameter is a placeholder)
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        cloud = LocalCloud(repo_template, parameters={
            "DatabaseSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:veriflow-db",
        }).deploy()
        server = cloud.http_api()
        base_url = server.start()
        try:
            # WHEN liveness and the merged spec are asked for
            live = httpx.get(f"{base_url}/health/live", timeout=30)
            spec = httpx.get(f"{base_url}/openapi.json", timeout=30).json()
        finally:
            server.stop()
            cloud.close()

    # THEN the health function answered through its real handler, and the spec lists its routes
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert {"/health/live", "/health/ready"} <= set(spec["paths"])


def test_http_function_invoked_from_async_code(cloud: LocalCloud) -> None:
    # GIVEN a payload v2 event for the FastAPI function, and a caller running on an event loop
    route = next(route for route in cloud.routes if route.function_id == "ApiFunction")
    event = build_event(route, {"name": "async"}, "GET", "/hello/async", [("Host", "localhost")], b"",
                        "127.0.0.1", "api", "123456789012", "request-1")

    async def caller() -> Any:
        return cloud.invoke("ApiFunction", event)

    # WHEN it invokes the function (whose Mangum drives its own loop)
    result = asyncio.run(caller())

    # THEN the handler ran to completion off the caller's running loop
    assert (result["statusCode"], json.loads(result["body"])) == (200, {"greeting": "hello async"})
