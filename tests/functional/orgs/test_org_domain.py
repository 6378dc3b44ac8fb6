"""/v1/orgs/{id}/domain: claim a domain, prove it with a DNS TXT record, withdraw it; audited."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.fake_dns import FakeNameServer


def _claim(api: Any, owner: Any, org: Any, domain: str = "example.org") -> dict[str, Any]:
    response = api("PUT", f"/v1/orgs/{org}/domain", owner, json_body={"domain": domain})
    assert response["statusCode"] == 200, response["json"]
    return response["json"]  # type: ignore[no-any-return]


def _token(claim: dict[str, Any]) -> str:
    return claim["txt_record"]["value"].removeprefix("veriflow-verify=")


def test_a_claim_returns_the_record_to_publish_and_a_check_proves_it(
    api: Any, identity: Any, dns_server: FakeNameServer
) -> None:
    # GIVEN an owner WHEN they claim a domain, in any case
    owner = identity.user()
    org = identity.org(owner)
    claim = _claim(api, owner, org, "Example.ORG")
    # THEN the TXT record to publish comes back, and the claim waits for its check
    assert claim["name"] == "example.org"
    assert claim["status"] == "pending"
    assert claim["txt_record"]["name"] == "_veriflow.example.org"
    assert claim["txt_record"]["type"] == "TXT"
    assert len(_token(claim)) == 32
    assert claim["proven_at"] is None
    shown = api("GET", f"/v1/orgs/{org}", owner)["json"]
    assert shown["domain"] == claim
    assert shown["verified"] is False
    assert dns_server.queries == []  # reading an organization never resolves
    # WHEN the record is published and checked
    dns_server.publish("example.org", _token(claim))
    checked = api("POST", f"/v1/orgs/{org}/domain/check", owner)
    # THEN the domain is proven, and each step is in the audit log
    assert checked["statusCode"] == 200, checked["json"]
    assert checked["json"]["status"] == "valid"
    assert checked["json"]["proven_at"] is not None
    assert checked["json"]["checked_at"] is not None
    assert dns_server.queries == ["_veriflow.example.org"]
    assert api("GET", f"/v1/orgs/{org}", owner)["json"]["domain"]["status"] == "valid"
    events = identity.audit("org.domain.")
    assert [e.action for e in events] == ["org.domain.claimed", "org.domain.checked"]
    assert events[0].details == {"domain": "example.org", "previous": None}
    assert events[1].details == {"domain": "example.org", "result": "valid", "proven_elsewhere": False}
    assert {e.actor_id for e in events} == {str(owner.id)}
    assert {e.org_id for e in events} == {org}


@pytest.mark.parametrize(("dns", "result"), [
    ("wrong token", "invalid"), ("nxdomain", "invalid"), ("no txt", "invalid"),
    ("timeout", "unavailable"), ("servfail", "unavailable"), ("network", "unavailable"),
])
def test_what_a_check_finds(api: Any, identity: Any, dns_server: FakeNameServer, dns: str, result: str) -> None:
    # GIVEN a claim, and DNS answering with another token, no name, no TXT record or nothing at all
    owner = identity.user()
    org = identity.org(owner)
    _claim(api, owner, org)
    if dns == "wrong token":
        dns_server.publish("example.org", "0" * 32)
    elif dns == "no txt":
        dns_server.records["_veriflow.example.org"] = []
    elif dns != "nxdomain":
        dns_server.fail(dns)
    # WHEN checked THEN a missing or wrong record is invalid, an outage unavailable (never invalid)
    checked = api("POST", f"/v1/orgs/{org}/domain/check", owner)
    assert checked["statusCode"] == 200, checked["json"]
    assert checked["json"]["status"] == result
    assert checked["json"]["proven_at"] is None
    assert identity.audit("org.domain.checked")[0].details["result"] == result


def test_an_outage_keeps_a_proof_and_a_missing_record_ends_it(
    api: Any, identity: Any, dns_server: FakeNameServer
) -> None:
    owner = identity.user()
    org = identity.org(owner)
    claim = _claim(api, owner, org)
    dns_server.publish("example.org", _token(claim))
    proven_at = api("POST", f"/v1/orgs/{org}/domain/check", owner)["json"]["proven_at"]
    # WHEN DNS is down THEN the proof stands (proven since the same moment), the status says so
    dns_server.fail("timeout")
    down = api("POST", f"/v1/orgs/{org}/domain/check", owner)["json"]
    assert (down["status"], down["proven_at"]) == ("unavailable", proven_at)
    # WHEN DNS answers again without the record THEN the proof ends
    dns_server.fail(None)
    dns_server.unpublish("example.org")
    gone = api("POST", f"/v1/orgs/{org}/domain/check", owner)["json"]
    assert (gone["status"], gone["proven_at"]) == ("invalid", None)


def test_the_same_claim_again_keeps_its_token_and_another_starts_afresh(
    api: Any, identity: Any, dns_server: FakeNameServer
) -> None:
    owner = identity.user()
    org = identity.org(owner)
    first = _claim(api, owner, org)
    dns_server.publish("example.org", _token(first))
    api("POST", f"/v1/orgs/{org}/domain/check", owner)
    # WHEN the same domain is claimed again THEN nothing changes (the published token stays valid)
    again = _claim(api, owner, org, "example.org")
    assert (again["status"], _token(again)) == ("valid", _token(first))
    # WHEN another domain is claimed THEN a new token, and its proof starts over
    other = _claim(api, owner, org, "academy.example")
    assert other["status"] == "pending"
    assert other["proven_at"] is None
    assert _token(other) != _token(first)
    claims = identity.audit("org.domain.claimed")
    assert [e.details for e in claims] == [{"domain": "example.org", "previous": None},
                                           {"domain": "academy.example", "previous": "example.org"}]


def test_removing_the_claim(api: Any, identity: Any, dns_server: FakeNameServer) -> None:
    owner = identity.user()
    org = identity.org(owner)
    claim = _claim(api, owner, org)
    dns_server.publish("example.org", _token(claim))
    api("POST", f"/v1/orgs/{org}/domain/check", owner)
    # WHEN removed THEN the organization shows no domain, and the removal is audited
    assert api("DELETE", f"/v1/orgs/{org}/domain", owner)["statusCode"] == 204
    assert api("GET", f"/v1/orgs/{org}", owner)["json"]["domain"] is None
    assert identity.audit("org.domain.removed")[0].details == {"domain": "example.org", "was_proven": True}
    # AND without a claim there is nothing to check or remove
    for method, path in (("DELETE", f"/v1/orgs/{org}/domain"), ("POST", f"/v1/orgs/{org}/domain/check")):
        response = api(method, path, owner)
        assert response["statusCode"] == 404
        assert response["json"]["error"]["message"] == "This organization claims no domain."


@pytest.mark.parametrize("domain", [
    "localhost", "example", "192.0.2.7", "-bad.example", "bad-.example", "a..example", "example.org.",
    "exa mple.org", "exämple.org", "_veriflow.example.org", "https://example.org", f"{'a' * 64}.example",
    ".".join(["abcdefghi"] * 26) + ".org", "",
])
def test_only_dns_names_can_be_claimed(api: Any, identity: Any, domain: str) -> None:
    owner = identity.user()
    org = identity.org(owner)
    response = api("PUT", f"/v1/orgs/{org}/domain", owner, json_body={"domain": domain})
    assert response["statusCode"] == 422
    assert [d["loc"] for d in response["json"]["error"]["details"]] == [["body", "domain"]]
    assert identity.audit("org.domain.") == []


def test_a_domain_proven_by_another_organization_stays_theirs_while_their_record_is_published(
    api: Any, identity: Any, dns_server: FakeNameServer
) -> None:
    # GIVEN organization A has proven example.org
    owner_a, owner_b = identity.user(), identity.user()
    org_a, org_b = identity.org(owner_a, "A"), identity.org(owner_b, "B")
    dns_server.publish("example.org", _token(_claim(api, owner_a, org_a)))
    assert api("POST", f"/v1/orgs/{org_a}/domain/check", owner_a)["json"]["status"] == "valid"
    # WHEN B claims it too (a claim alone blocks nobody) and its record is published beside A's
    claim_b = _claim(api, owner_b, org_b)
    dns_server.publish("example.org", _token(claim_b))
    contested = api("POST", f"/v1/orgs/{org_b}/domain/check", owner_b)
    # THEN B is refused, its claim is invalid, and the refusal is audited
    assert contested["statusCode"] == 409
    assert contested["json"]["error"]["code"] == "conflict"
    assert api("GET", f"/v1/orgs/{org_b}", owner_b)["json"]["domain"]["status"] == "invalid"
    assert identity.audit("org.domain.checked")[-1].details["proven_elsewhere"] is True
    # WHEN the domain's owner keeps B's record only (the domain changed hands)
    dns_server.records["_veriflow.example.org"] = [claim_b["txt_record"]["value"]]
    taken = api("POST", f"/v1/orgs/{org_b}/domain/check", owner_b)
    # THEN B proves it, and A's proof has ended
    assert taken["statusCode"] == 200, taken["json"]
    assert taken["json"]["status"] == "valid"
    assert api("GET", f"/v1/orgs/{org_a}", owner_a)["json"]["domain"]["status"] == "invalid"


def test_a_holder_whose_dns_is_down_keeps_its_proof(api: Any, identity: Any, dns_server: FakeNameServer) -> None:
    owner_a, owner_b = identity.user(), identity.user()
    org_a, org_b = identity.org(owner_a, "A"), identity.org(owner_b, "B")
    dns_server.publish("example.org", _token(_claim(api, owner_a, org_a)))
    api("POST", f"/v1/orgs/{org_a}/domain/check", owner_a)
    claim_b = _claim(api, owner_b, org_b)

    # GIVEN a name server that answers B's lookup, then fails A's
    answers = iter([[claim_b["txt_record"]["value"]]])
    resolve = dns_server.resolve

    def first_answer_then_outage(qname: str, rdtype: str, **kwargs: Any) -> Any:
        try:
            dns_server.records[qname] = next(answers)
        except StopIteration:
            dns_server.fail("servfail")
        return resolve(qname, rdtype, **kwargs)

    dns_server.resolve = first_answer_then_outage  # type: ignore[method-assign]
    # WHEN B checks THEN A is not stripped of its proof by an outage: B is refused
    assert api("POST", f"/v1/orgs/{org_b}/domain/check", owner_b)["statusCode"] == 409
    assert api("GET", f"/v1/orgs/{org_a}", owner_a)["json"]["domain"]["status"] == "unavailable"
    assert api("GET", f"/v1/orgs/{org_a}", owner_a)["json"]["domain"]["proven_at"] is not None
