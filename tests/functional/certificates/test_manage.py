"""Bulk issue, validation, access across organizations, search and revocation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.certificates.conftest import fields
from tests.functional.conftest import Identity


def _rows(count: int, **overrides: Any) -> list[dict[str, Any]]:
    names = ["Ada Lovelace", "Charles Babbage", "Grace Hopper", "Alan Turing", "Mary Somerville"]
    return [{**fields(recipient_name=names[i % len(names)], recipient_email=f"p{i}@example.org"),
             "client_key": f"row-{i}", **overrides} for i in range(count)]


def test_bulk_issue_is_all_or_nothing_and_errors_name_the_rows(api: Any, issuer: Any) -> None:
    owner, org_id = issuer
    # GIVEN 300 rows, two of them wrong (a naive date, an expiry before the issue date)
    rows = _rows(300)
    rows[17]["issued_at"] = "2026-11-30T10:00:00"
    rows[201]["expires_at"] = "2020-01-01T00:00:00Z"
    # WHEN they are sent in one request
    refused = api("POST", "/v1/certificates/bulk", owner, json_body={"org_id": str(org_id), "items": rows})
    # THEN nothing is issued and the errors name rows 17 and 201
    assert refused["statusCode"] == 422
    locations = {tuple(d["loc"][:3]) for d in refused["json"]["error"]["details"]}
    assert locations == {("body", "items", "17"), ("body", "items", "201")}
    listed = api("GET", "/v1/certificates", owner, query={"org_id": str(org_id)})["json"]
    assert listed["data"] == []


def test_bulk_issue_returns_an_upload_per_row_and_a_retry_returns_the_same_rows(api: Any, issuer: Any) -> None:
    owner, org_id = issuer
    rows = _rows(40)
    first = api("POST", "/v1/certificates/bulk", owner, json_body={"org_id": str(org_id), "items": rows})
    assert first["statusCode"] == 201, first["json"]
    data = first["json"]["data"]
    assert [row["row"] for row in data] == list(range(40))
    assert all(row["created"] and row["upload"]["fields"]["key"] for row in data)
    # WHEN the same request is retried (a lost answer)
    again = api("POST", "/v1/certificates/bulk", owner, json_body={"org_id": str(org_id), "items": rows})
    # THEN the same certificates come back, none created
    assert [r["certificate"]["id"] for r in again["json"]["data"]] == [r["certificate"]["id"] for r in data]
    assert not any(r["created"] for r in again["json"]["data"])
    # AND a client key reused for a different certificate is a conflict naming the row
    rows[3]["title"] = "Something else"
    conflict = api("POST", "/v1/certificates/bulk", owner, json_body={"org_id": str(org_id), "items": rows})
    assert conflict["statusCode"] == 409
    assert conflict["json"]["error"]["details"][0]["loc"] == ["body", "items", "3", "client_key"]


def test_bulk_refuses_more_than_1000_rows_and_repeated_keys(api: Any, issuer: Any) -> None:
    owner, org_id = issuer
    too_many = api("POST", "/v1/certificates/bulk", owner, json_body={"org_id": str(org_id), "items": _rows(1001)})
    assert too_many["statusCode"] == 422
    repeated = _rows(3)
    repeated[2]["client_key"] = "row-0"
    duplicate = api("POST", "/v1/certificates/bulk", owner, json_body={"org_id": str(org_id), "items": repeated})
    assert duplicate["statusCode"] == 422
    assert "items 0 and 2" in duplicate["json"]["error"]["details"][0]["msg"]


@pytest.mark.parametrize(("change", "field"), [
    ({"issued_at": "2026-11-30T10:00:00"}, "issued_at"),
    ({"issued_at": 1_796_000_000}, "issued_at"),  # seconds since 1970: the schema says date-time text
    ({"expires_at": "1796000000"}, "expires_at"),
    ({"expires_at": "2026-11-29T10:00:00Z"}, None),
    ({"metadata": {f"k{i}": "v" for i in range(21)}}, "metadata"),
    ({"metadata": {"notes": "x" * 500, "more": "y" * 500, **{f"n{i}": "z" * 400 for i in range(8)}}}, "metadata"),
    ({"metadata": {"big": 2**60}}, "metadata"),
    ({"image_type": "image/gif"}, "image_type"),
    ({"recipient_email": "not an address"}, "recipient_email"),
])
def test_bad_fields_are_422_naming_the_field(api: Any, issuer: Any, change: dict[str, Any], field: str | None) -> None:
    owner, org_id = issuer
    refused = api("POST", "/v1/certificates", owner, json_body={"org_id": str(org_id), **fields(**change)})
    assert refused["statusCode"] == 422, refused["json"]
    detail = refused["json"]["error"]["details"][0]
    if field is not None:
        assert detail["loc"][1] == field
    assert "x" * 100 not in str(refused["json"])  # input is never echoed back


def test_another_organizations_certificates_are_not_found(api: Any, issuer: Any, identity: Identity) -> None:
    # GIVEN a certificate of one organization, and the admin of another
    owner, org_id = issuer
    issued = api("POST", "/v1/certificates", owner, json_body={"org_id": str(org_id), **fields()})["json"]
    certificate_id = issued["certificate"]["id"]
    stranger = identity.user()
    other_org = identity.org(stranger, "Other School")
    other_key = identity.api_key(other_org, ("certificates:read", "certificates:issue", "certificates:revoke"))
    # THEN neither that person nor that organization's key can see, re-upload or revoke it
    for actor in (stranger, other_key):
        assert api("GET", f"/v1/certificates/{certificate_id}", actor)["statusCode"] == 404
        assert api("POST", f"/v1/certificates/{certificate_id}/image", actor)["statusCode"] == 404
        revoked = api("POST", f"/v1/certificates/{certificate_id}/revoke", actor, json_body={"reason": "no"})
        assert revoked["statusCode"] == 404
    assert api("GET", "/v1/certificates", stranger, query={"org_id": str(org_id)})["statusCode"] == 404
    # AND the other org's key cannot issue in our name
    assert api("POST", "/v1/certificates", other_key,
               json_body={"org_id": str(org_id), **fields()})["statusCode"] == 404


def test_roles_and_scopes_decide_who_issues(api: Any, issuer: Any, identity: Identity) -> None:
    _owner, org_id = issuer
    member = identity.member(org_id, identity.user(), "member")
    issuing = identity.member(org_id, identity.user(), "issuer")
    reader_key = identity.api_key(org_id, ("certificates:read",))
    issuing_key = identity.api_key(org_id, ("certificates:issue", "certificates:read"))
    assert api("POST", "/v1/certificates", member, json_body={"org_id": str(org_id), **fields()})["statusCode"] == 403
    assert api("POST", "/v1/certificates", reader_key, json_body=fields())["statusCode"] == 403
    assert api("POST", "/v1/certificates", issuing, json_body={"org_id": str(org_id), **fields()})["statusCode"] == 201
    by_key = api("POST", "/v1/certificates", issuing_key, json_body=fields())
    assert by_key["statusCode"] == 201
    assert by_key["json"]["certificate"]["org_id"] == str(org_id)
    # A person must say which organization issues.
    assert api("POST", "/v1/certificates", issuing, json_body=fields())["statusCode"] == 422


def test_search_finds_by_partial_name_title_and_id(api: Any, issuer: Any) -> None:
    owner, org_id = issuer
    rows = _rows(5)
    rows[4]["title"] = "Navigation and Astronomy"
    data = api("POST", "/v1/certificates/bulk", owner, json_body={"org_id": str(org_id), "items": rows})["json"]["data"]
    ids = {row["certificate"]["recipient_name"]: row["certificate"]["id"] for row in data}

    def found(q: str) -> list[str]:
        page = api("GET", "/v1/certificates", owner, query={"org_id": str(org_id), "q": q})
        assert page["statusCode"] == 200, page["json"]
        return sorted(c["recipient_name"] for c in page["json"]["data"])

    assert found("hop") == ["Grace Hopper"]
    assert found("GRACE hop") == ["Grace Hopper"]
    assert found("lovel") == ["Ada Lovelace"]
    assert found("astro") == ["Mary Somerville"]
    assert found("engines") == ["Ada Lovelace", "Alan Turing", "Charles Babbage", "Grace Hopper"]
    assert found(ids["Alan Turing"]) == ["Alan Turing"]
    assert found("%") == []
    assert found("zzz") == []


def test_list_pages_and_filters(api: Any, issuer: Any) -> None:
    owner, org_id = issuer
    api("POST", "/v1/certificates/bulk", owner, json_body={"org_id": str(org_id), "items": _rows(7)})
    first = api("GET", "/v1/certificates", owner, query={"org_id": str(org_id), "limit": 5})["json"]
    rest = api("GET", "/v1/certificates", owner,
               query={"org_id": str(org_id), "limit": 5, "cursor": first["next_cursor"]})["json"]
    assert len(first["data"]) == 5
    assert len(rest["data"]) == 2
    assert rest["next_cursor"] is None
    waiting = api("GET", "/v1/certificates", owner, query={"org_id": str(org_id), "status": "awaiting_image"})
    assert len(waiting["json"]["data"]) == 7
    by_email = api("GET", "/v1/certificates", owner, query={"org_id": str(org_id), "recipient_email": "P3@example.org"})
    assert [c["recipient_email"] for c in by_email["json"]["data"]] == ["p3@example.org"]


def test_a_person_lists_by_naming_the_organization_in_the_query(api: Any, issuer: Any) -> None:
    owner, _ = issuer
    refused = api("GET", "/v1/certificates", owner)
    assert refused["statusCode"] == 422
    assert refused["json"]["error"]["message"] == "Name the organization whose certificates to list."
    assert [d["loc"] for d in refused["json"]["error"]["details"]] == [["query", "org_id"]]


def test_a_person_issues_by_naming_the_organization_in_the_body(api: Any, issuer: Any) -> None:
    owner, _ = issuer
    refused = api("POST", "/v1/certificates", owner, json_body=fields())
    assert refused["statusCode"] == 422
    assert refused["json"]["error"]["message"] == "Name the issuing organization."
    assert refused["json"]["error"]["details"] == [
        {"loc": ["body", "org_id"], "msg": "org_id is required when a person issues.", "type": "missing"}]


@pytest.mark.parametrize("value", ["0.5", "1796000000", "-1", "1e9"])
def test_date_filters_are_date_time_text_not_numbers(api: Any, issuer: Any, value: str) -> None:
    owner, org_id = issuer
    refused = api("GET", "/v1/certificates", owner, query={"org_id": str(org_id), "issued_from": value})
    assert refused["statusCode"] == 422
    detail = refused["json"]["error"]["details"][0]
    assert (detail["loc"], detail["type"]) == (["query", "issued_from"], "datetime_type")
    text = {"org_id": str(org_id), "issued_from": "2026-01-31T09:30:00Z"}
    accepted = api("GET", "/v1/certificates", owner, query=text)
    assert accepted["statusCode"] == 200


def test_revocation_is_final_audited_and_announced(api: Any, issuer: Any, identity: Identity) -> None:
    owner, org_id = issuer
    issued = api("POST", "/v1/certificates", owner, json_body={"org_id": str(org_id), **fields()})["json"]
    certificate_id = issued["certificate"]["id"]
    revoked = api("POST", f"/v1/certificates/{certificate_id}/revoke", owner,
                  json_body={"reason": "Issued to the wrong person."})
    assert revoked["statusCode"] == 200
    assert revoked["json"]["status"] == "revoked"
    assert revoked["json"]["revoked_reason"] == "Issued to the wrong person."
    again = api("POST", f"/v1/certificates/{certificate_id}/revoke", owner, json_body={"reason": "twice"})
    assert again["json"]["revoked_reason"] == "Issued to the wrong person."
    assert [e.action for e in identity.audit("certificate.revoked")] == ["certificate.revoked"]
    listed = api("GET", "/v1/certificates", owner, query={"org_id": str(org_id), "status": "revoked"})["json"]
    assert [c["id"] for c in listed["data"]] == [certificate_id]
