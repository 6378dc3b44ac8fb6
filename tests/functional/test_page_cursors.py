"""Every cursor-paged list answers 400 to a cursor it did not give out (a naive time included),
never a 500, on SQLite and PostgreSQL alike, through the real handlers."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from veriflow.core.db import session_scope
from veriflow.messaging.webhook_models import WebhookEndpoint

Api = Any
Identity = Any

# Every route whose query takes `cursor: PageCursor`; {org} and {endpoint} are filled per test.
PAGED_ROUTES = [
    "/v1/users",
    "/v1/orgs",
    "/v1/orgs/{org}/members",
    "/v1/orgs/{org}/invitations",
    "/v1/orgs/{org}/api-keys",
    "/v1/orgs/{org}/webhooks",
    "/v1/orgs/{org}/webhooks/{endpoint}/deliveries",
    "/v1/notifications",
    "/v1/admin/broadcasts",
    "/v1/admin/audit-log",
]


def cursor_of(value: Any) -> str:
    """A cursor spelled the way the API spells its own (URL-safe base64 of JSON, unpadded)."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


NAIVE = cursor_of(["2026-01-01T00:00:00", str(uuid.uuid4())])


@pytest.fixture
def superadmin_with_org(identity: Identity) -> tuple[Any, dict[str, str]]:
    """A superadmin who owns an organization with one webhook endpoint: every list is reachable."""
    admin = identity.user(roles=("superadmin",))
    org = identity.org(admin)
    with session_scope() as session:
        endpoint = WebhookEndpoint(org_id=org, url="https://hooks.example/in", secret="whsec_x", created_by=admin.id)
        session.add(endpoint)
        session.flush()
        endpoint_id = endpoint.id
    return admin, {"org": str(org), "endpoint": str(endpoint_id)}


def assert_bad_cursor(response: dict[str, Any]) -> None:
    assert response["statusCode"] == 400, response["json"]
    error = response["json"]["error"]
    assert (error["code"], error["details"]) == ("bad_request", {"cursor": "invalid"})
    assert error["request_id"]


@pytest.mark.parametrize("route", PAGED_ROUTES)
def test_a_cursor_with_a_naive_time_is_400_on_every_paged_list(
    api: Api, superadmin_with_org: tuple[Any, dict[str, str]], route: str
) -> None:
    # GIVEN a caller allowed to read the list, and its first page
    admin, ids = superadmin_with_org
    path = route.format(**ids)
    assert api("GET", path, admin)["statusCode"] == 200
    # WHEN the cursor holds a time without an offset
    response = api("GET", path, admin, query={"cursor": NAIVE})
    # THEN it is refused as a bad cursor, not a server error
    assert_bad_cursor(response)


@pytest.mark.parametrize("cursor", [
    "!!not base64!!",
    base64.urlsafe_b64encode(b"\xff\xfe not json").decode(),
    cursor_of({"at": "2026-01-01T00:00:00+00:00"}),
    cursor_of(["2026-01-01T00:00:00+00:00"]),
    cursor_of([20260101, str(uuid.uuid4())]),
    cursor_of(["2026-01-01T00:00:00+00:00", 7]),
    cursor_of(["yesterday", str(uuid.uuid4())]),
    cursor_of(["2026-01-01T00:00:00+00:00", "not-a-uuid"]),
    cursor_of(["9999-12-31T23:59:59-23:59", str(uuid.uuid4())]),
    cursor_of(["0001-01-01T00:00:00+23:59", str(uuid.uuid4())]),
], ids=["base64", "json", "object", "one-part", "time-number", "id-number", "time-text", "id-text",
        "past-max", "before-min"])
def test_malformed_cursors_are_400(api: Api, superadmin_with_org: tuple[Any, dict[str, str]], cursor: str) -> None:
    # GIVEN an admin listing accounts
    admin, _ = superadmin_with_org
    # WHEN the cursor is not one the API wrote
    response = api("GET", "/v1/users", admin, query={"cursor": cursor})
    # THEN it is a 400 naming the cursor
    assert_bad_cursor(response)


def test_a_cursor_with_an_offset_pages_on(api: Api, identity: Identity) -> None:
    # GIVEN three accounts listed one per page
    admin = identity.user(roles=("superadmin",))
    identity.user()
    identity.user()
    first = api("GET", "/v1/users", admin, query={"limit": 1})
    # WHEN the next page is asked with the cursor the API gave, and with the same time in +02:00
    at, row_id = json.loads(base64.urlsafe_b64decode(first["json"]["next_cursor"] + "=="))
    shifted = datetime.fromisoformat(at).astimezone(timezone(timedelta(hours=2))).isoformat()
    given = api("GET", "/v1/users", admin, query={"limit": 1, "cursor": first["json"]["next_cursor"]})
    offset = api("GET", "/v1/users", admin, query={"limit": 1, "cursor": cursor_of([shifted, row_id])})
    # THEN both give the same second page
    assert given["statusCode"] == offset["statusCode"] == 200
    assert given["json"]["data"] == offset["json"]["data"] != first["json"]["data"]
