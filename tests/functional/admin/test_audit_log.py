"""/v1/admin/audit-log: filters and cursor pages, for holders of audit:read only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from veriflow.core.types import utcnow


def test_auditors_filter_the_log_and_page_through_it(api: Any, identity: Any) -> None:
    # GIVEN an admin who suspended someone and an owner who made and revoked an API key
    admin = identity.user(roles=("admin",))
    owner = identity.user()
    org = identity.org(owner)
    target = identity.user()
    api("POST", f"/v1/users/{target.id}/suspend", admin, json_body={"reason": "spam"})
    key = api("POST", f"/v1/orgs/{org}/api-keys", owner, json_body={"name": "k", "scopes": ["org:read"]})["json"]
    api("DELETE", f"/v1/orgs/{org}/api-keys/{key['id']}", owner)
    log = "/v1/admin/audit-log"
    # WHEN the admin filters by action prefix, actor, target and organization
    by_prefix = api("GET", log, admin, query={"action": "org.api_key."})
    by_actor = api("GET", log, admin, query={"actor_id": str(admin.id)})
    by_target = api("GET", log, admin, query={"target_id": str(target.id)})
    by_org = api("GET", log, admin, query={"org_id": str(org)})
    # THEN each answers the matching records, newest first
    assert by_prefix["statusCode"] == 200
    assert [e["action"] for e in by_prefix["json"]["data"]] == ["org.api_key.revoked", "org.api_key.created"]
    assert [e["action"] for e in by_actor["json"]["data"]] == ["user.suspended"]
    assert by_target["json"]["data"][0]["details"] == {"reason": "spam", "sessions_revoked": 1}
    assert {e["org_id"] for e in by_org["json"]["data"]} == {str(org)}
    record = by_actor["json"]["data"][0]
    assert record["ip"] == "203.0.113.7"
    assert record["request_id"]
    # AND time windows and pages work
    future = (utcnow() + timedelta(minutes=1)).isoformat()
    assert api("GET", log, admin, query={"since": future})["json"]["data"] == []
    assert len(api("GET", log, admin, query={"until": future})["json"]["data"]) == 3
    first = api("GET", log, admin, query={"limit": 2})["json"]
    rest = api("GET", log, admin, query={"limit": 2, "cursor": first["next_cursor"]})["json"]
    assert len(first["data"]) == 2
    assert len(rest["data"]) == 1
    assert rest["next_cursor"] is None
    assert {e["id"] for e in first["data"]}.isdisjoint({e["id"] for e in rest["data"]})


def test_only_auditors_read_the_log(api: Any, identity: Any) -> None:
    log = "/v1/admin/audit-log"
    assert api("GET", log, identity.user())["statusCode"] == 403
    assert api("GET", log, identity.user(roles=("reviewer",)))["statusCode"] == 403
    assert api("GET", log, identity.api_key(identity.org(identity.user())))["statusCode"] == 403
    assert api("GET", log)["statusCode"] == 401
    assert api("GET", log, identity.user(roles=("superadmin",)))["statusCode"] == 200
    bad = api("GET", log, identity.user(roles=("admin",)), query={"cursor": "not-a-cursor"})
    assert bad["statusCode"] == 422
    assert [d["loc"] for d in bad["json"]["error"]["details"]] == [["query", "cursor"]]
    # A number is no date and time (pydantic alone would read it as seconds since 1970)
    numeric = api("GET", log, identity.user(roles=("admin",)), query={"until": "0.5"})
    assert numeric["statusCode"] == 422
    assert [d["loc"] for d in numeric["json"]["error"]["details"]] == [["query", "until"]]


def test_listing_the_log_runs_a_constant_number_of_queries(api: Any, identity: Any, count_queries: Any) -> None:
    admin = identity.user(roles=("admin",))
    owner = identity.user()
    org = identity.org(owner)
    api("PATCH", f"/v1/orgs/{org}", owner, json_body={"description": "one"})
    with count_queries() as few:
        api("GET", "/v1/admin/audit-log", admin)
    for n in range(10):
        api("PATCH", f"/v1/orgs/{org}", owner, json_body={"description": f"change {n}"})
    with count_queries() as many:
        assert len(api("GET", "/v1/admin/audit-log", admin)["json"]["data"]) == 11
    assert len(many) == len(few)


def test_the_rate_limit_applies_per_caller(api: Any, identity: Any, monkeypatch: Any) -> None:
    # GIVEN staff may make three requests a minute, members two, and a clock inside one window
    from veriflow.access.limits import get_limit_settings

    monkeypatch.setattr("veriflow.core.ratelimit.clock", lambda: 6_000_010.0)
    monkeypatch.setenv("API_RATE_LIMIT_TIERS", '{"staff": 3, "member": 2, "api_key": 5}')
    get_limit_settings.cache_clear()
    admin, other = identity.user(roles=("admin",)), identity.user(roles=("admin",))
    answers = [api("GET", "/v1/admin/audit-log", admin) for _ in range(4)]
    # THEN the fourth is refused with Retry-After, and other callers are unaffected
    assert [a["statusCode"] for a in answers] == [200, 200, 200, 429]
    assert answers[0]["headers"]["ratelimit-remaining"] == "2"
    assert int(answers[-1]["headers"]["retry-after"]) > 0
    assert answers[-1]["json"]["error"]["code"] == "rate_limited"
    assert api("GET", "/v1/users/me", other)["statusCode"] == 200
    # AND a member's tier is smaller
    member = identity.user()
    assert [api("GET", "/v1/users/me", member)["statusCode"] for _ in range(3)] == [200, 200, 429]
