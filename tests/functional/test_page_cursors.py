"""Page cursors: the published pattern is exactly what is accepted. A string of that pattern is a
position to page on from (an empty page at worst), anything else a 422 naming the cursor, never a
500, on SQLite and PostgreSQL alike, through the real handlers."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from veriflow.core.db import session_scope
from veriflow.core.deps import PageCursor
from veriflow.core.pagination import CURSOR_PATTERN
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
OLD_STYLE = base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00", str(uuid.uuid4())]).encode()).decode()


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
    assert response["statusCode"] == 422, response["json"]
    error = response["json"]["error"]
    assert error["code"] == "validation_failed"
    [detail] = error["details"]
    assert detail["loc"] == ["query", "cursor"]
    assert detail["type"] in ("string_pattern_mismatch", "string_too_long")
    assert error["request_id"]


def test_the_published_pattern_is_the_validated_one() -> None:
    # The spec's pattern and the query's are one constant: they cannot drift apart.
    assert any(getattr(item, "pattern", None) == CURSOR_PATTERN for item in PageCursor.__metadata__[0].metadata)


@pytest.mark.parametrize("route", PAGED_ROUTES)
def test_a_cursor_not_of_the_pattern_is_422_on_every_paged_list(
    api: Api, superadmin_with_org: tuple[Any, dict[str, str]], route: str
) -> None:
    # GIVEN a caller allowed to read the list, and its first page
    admin, ids = superadmin_with_org
    path = route.format(**ids)
    assert api("GET", path, admin)["statusCode"] == 200
    # WHEN the cursor is not of the published pattern (here, an older base64 spelling)
    response = api("GET", path, admin, query={"cursor": OLD_STYLE})
    # THEN it is refused by validation, naming the cursor, not a server error
    assert_bad_cursor(response)


LARGEST = "9999999999999999." + "f" * 32


@pytest.mark.parametrize(("route", "cursor"), [
    *((route, LARGEST) for route in PAGED_ROUTES),
    ("/v1/users", "0." + "0" * 32),
    ("/v1/users", "1767323045678901.68df59ce4c3c4fa28bd8822b3c781554"),
])
def test_every_cursor_of_the_pattern_pages_on(
    api: Api, superadmin_with_org: tuple[Any, dict[str, str]], route: str, cursor: str
) -> None:
    # GIVEN a cursor the pattern admits, whether or not the API wrote it
    admin, ids = superadmin_with_org
    # WHEN a list is asked from there
    response = api("GET", route.format(**ids), admin, query={"cursor": cursor})
    # THEN it is a page (perhaps empty), never a 400 or a 500
    assert response["statusCode"] == 200, response["json"]
    assert set(response["json"]) == {"data", "next_cursor"}


@pytest.mark.parametrize("cursor", ["12.abc", "-1." + "0" * 32, "1." + "0" * 32 + "\n", "1." + "A" * 32,
                                    "12345678901234567." + "0" * 32])
def test_malformed_cursors_are_422(api: Api, superadmin_with_org: tuple[Any, dict[str, str]], cursor: str) -> None:
    admin, _ = superadmin_with_org
    assert_bad_cursor(api("GET", "/v1/users", admin, query={"cursor": cursor}))


def test_the_apis_cursor_pages_on(api: Api, identity: Identity) -> None:
    # GIVEN three accounts listed one per page
    admin = identity.user(roles=("superadmin",))
    identity.user()
    identity.user()
    first = api("GET", "/v1/users", admin, query={"limit": 1})
    # WHEN the next page is asked with the cursor the API gave
    given = api("GET", "/v1/users", admin, query={"limit": 1, "cursor": first["json"]["next_cursor"]})
    third = api("GET", "/v1/users", admin, query={"limit": 1, "cursor": given["json"]["next_cursor"]})
    # THEN each page holds the next account, and the last page says so
    assert given["statusCode"] == third["statusCode"] == 200
    ids = [page["json"]["data"][0]["id"] for page in (first, given, third)]
    assert len(set(ids)) == 3
    assert third["json"]["next_cursor"] is None
