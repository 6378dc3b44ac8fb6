"""API Gateway HTTP API behaviour: routes from the template's HttpApi events, payload v2.0 events in,
Lambda proxy responses out."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from veriflow.local.stack import Stack

_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
               "application/x-www-form-urlencoded", "+json", "+xml")


@dataclass(frozen=True)
class Route:
    method: str  # an HTTP method, or ANY
    path: str  # "/items/{id}", "/files/{proxy+}", or "$default"
    function_id: str
    function_name: str

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"

    def match(self, path: str) -> dict[str, str] | None:
        """Path parameters when `path` fits this route's path, else None."""
        pattern, actual = self.path.strip("/").split("/"), path.strip("/").split("/")
        params: dict[str, str] = {}
        for index, segment in enumerate(pattern):
            if segment.startswith("{") and segment.endswith("+}"):
                rest = actual[index:]
                if not rest or rest == [""]:
                    return None
                params[segment[1:-2]] = unquote("/".join(rest))
                return params
            if index >= len(actual):
                return None
            if segment.startswith("{") and segment.endswith("}"):
                if not actual[index]:
                    return None
                params[segment[1:-1]] = unquote(actual[index])
            elif segment != actual[index]:
                return None
        return params if len(actual) == len(pattern) else None

    def specificity(self) -> tuple[bool, int, bool]:
        # API Gateway prefers literal segments over variables over greedy ones, and a method over ANY.
        segments = self.path.strip("/").split("/")
        return ("+}" not in self.path, sum(not s.startswith("{") for s in segments), self.method != "ANY")


def http_routes(stack: Stack) -> list[Route]:
    """Every HttpApi event of the template's functions (those whose condition holds)."""
    functions = stack.resources("AWS::Lambda::Function")
    routes = []
    for lid, resource in stack.template.sam["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function" or lid not in functions:
            continue
        for event in (resource.get("Properties", {}).get("Events") or {}).values():
            if event.get("Type") != "HttpApi":
                continue
            props = stack.resolve(event.get("Properties") or {})
            path = str(props.get("Path", "$default"))
            method = str(props.get("Method", "ANY")).upper()
            routes.append(Route(method, path, lid, stack.physical(lid).name))
    return routes


class RouteTable:
    def __init__(self, routes: list[Route]) -> None:
        self.routes = [route for route in routes if route.path != "$default"]
        self.default = next((route for route in routes if route.path == "$default"), None)

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]] | str:
        """The route and its path parameters, or "not_found" / "method_not_allowed"."""
        fitting = [(route, params) for route in self.routes if (params := route.match(path)) is not None]
        allowed = [(route, params) for route, params in fitting if route.method in (method, "ANY")]
        if allowed:
            return max(allowed, key=lambda found: found[0].specificity())
        if self.default is not None:
            return self.default, {}
        return "method_not_allowed" if fitting else "not_found"


def is_text(content_type: str | None) -> bool:
    return content_type is None or any(marker in content_type.lower() for marker in _TEXT_TYPES)


def build_event(
    route: Route, params: dict[str, str], method: str, target: str, headers: list[tuple[str, str]],
    body: bytes, source_ip: str, api_id: str, account_id: str, request_id: str,
) -> dict[str, Any]:
    """An API Gateway HTTP API payload 2.0 event for one request."""
    raw_path, _, raw_query = target.partition("?")
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
        else:
            joined[key] = f"{joined[key]},{value}" if key in joined else value
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    now = time.time()
    host = joined.get("host", "localhost")
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": route.route_key, "rawPath": raw_path, "rawQueryString": raw_query,
        "headers": joined,
        "requestContext": {
            "accountId": account_id, "apiId": api_id, "domainName": host, "domainPrefix": host.split(".")[0],
            "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": source_ip,
                     "userAgent": joined.get("user-agent", "")},
            "requestId": request_id, "routeKey": route.route_key, "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if params:
        event["pathParameters"] = params
    if body:
        textual = is_text(joined.get("content-type"))
        try:
            event["body"] = body.decode("utf-8") if textual else None
        except UnicodeDecodeError:
            event["body"] = None
        if event["body"] is None:
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    return event


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def to_http_response(result: Any) -> HttpResponse:
    """A Lambda proxy result as API Gateway turns it into HTTP (payload 2.0 rules)."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # Anything else is taken as a JSON body with status 200, as API Gateway does.
        return HttpResponse(200, [("content-type", "application/json")], json.dumps(result).encode())
    headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(value)) for value in values)
    headers.extend(("set-cookie", str(cookie)) for cookie in result.get("cookies") or [])
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode("utf-8")
    return HttpResponse(int(result["statusCode"]), headers, body)
