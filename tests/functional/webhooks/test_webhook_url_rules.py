"""Where an endpoint may point: refused at registration (422) when not https to public addresses,
and checked again at send time, connecting only to the address that was vetted."""

from __future__ import annotations

from typing import Any

import pytest
import urllib3.util.connection

from veriflow.core.db import session_scope
from veriflow.messaging.webhook_models import WebhookAttempt


def _register(api: Any, identity: Any, url: str) -> dict[str, Any]:
    owner = identity.user()
    org = identity.org(owner)
    return api("POST", f"/v1/orgs/{org}/webhooks", owner,  # type: ignore[no-any-return]
               json_body={"url": url, "event_types": ["certificate.issued"]})


@pytest.mark.parametrize("url", [
    "http://10.0.0.5/hooks",
    "http://172.16.0.1/hooks",
    "http://192.168.1.10/hooks",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/hooks",
    "http://[fd00::1]/hooks",
    "http://[::ffff:10.0.0.5]/hooks",
    "http://0.0.0.0:8080/hooks",
    "http://224.0.0.1/hooks",
])
def test_private_and_special_addresses_are_refused_even_locally(api: Any, identity: Any, url: str) -> None:
    refused = _register(api, identity, url)
    assert refused["statusCode"] == 422, refused["json"]
    assert "not public" in refused["json"]["error"]["message"]


def test_a_name_resolving_to_a_private_address_is_refused(api: Any, identity: Any, dns: Any) -> None:
    # GIVEN a name whose DNS answer is an internal address
    dns.point("intranet.acme.example", "10.20.30.40")
    # THEN registering it is refused
    refused = _register(api, identity, "https://intranet.acme.example/hooks")
    assert refused["statusCode"] == 422
    [detail] = refused["json"]["error"]["details"]
    assert (detail["loc"], detail["type"]) == (["body", "url"], "url_host_not_public")
    assert "intranet.acme.example" not in str(refused["json"])
    assert dns.asked == ["intranet.acme.example"]


@pytest.mark.usefixtures("production_rules")
@pytest.mark.parametrize(("url", "why"), [
    ("https://127.0.0.1/hooks", "not public"),
    ("https://127.1.2.3:8443/hooks", "not public"),
    ("https://[::1]/hooks", "not public"),
    ("https://[::ffff:127.0.0.1]/hooks", "not public"),
    ("https://localhost/hooks", "not public"),
    ("http://hooks.acme.example/in", "https"),
])
def test_outside_local_loopback_and_plain_http_are_refused(api: Any, identity: Any, dns: Any, url: str,
                                                           why: str) -> None:
    dns.point("hooks.acme.example", "93.184.216.34")
    dns.point("localhost", "127.0.0.1", "::1")
    refused = _register(api, identity, url)
    assert refused["statusCode"] == 422, refused["json"]
    assert why in refused["json"]["error"]["message"]


@pytest.mark.usefixtures("production_rules")
def test_outside_local_https_to_a_public_host_is_accepted_and_changes_are_checked(
    api: Any, identity: Any, dns: Any
) -> None:
    dns.point("hooks.acme.example", "93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946")
    dns.point("internal.acme.example", "192.168.0.7")
    owner = identity.user()
    org = identity.org(owner)
    created = api("POST", f"/v1/orgs/{org}/webhooks", owner,
                  json_body={"url": "https://hooks.acme.example/in", "event_types": ["certificate.issued"]})
    assert created["statusCode"] == 201, created["json"]
    path = f"/v1/orgs/{org}/webhooks/{created['json']['id']}"
    assert api("PATCH", path, owner, json_body={"url": "https://internal.acme.example/in"})["statusCode"] == 422
    assert api("PATCH", path, owner, json_body={"url": "http://hooks.acme.example/in"})["statusCode"] == 422
    assert api("GET", path, owner)["json"]["url"] == "https://hooks.acme.example/in"


def test_a_name_rebound_to_a_private_address_is_refused_at_send_time_without_connecting(
    hooks: Any, worker: Any, dns: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an endpoint whose name resolved to a public address when it was registered
    dns.point("hooks.rebind.example", "93.184.216.34")
    endpoint = hooks.endpoint("http://hooks.rebind.example:8080/hooks")
    # AND whose DNS now answers with the cloud's metadata address
    dns.point("hooks.rebind.example", "169.254.169.254")
    connections: list[Any] = []
    monkeypatch.setattr(urllib3.util.connection, "create_connection", lambda *a, **k: connections.append(a))
    [delivery_id] = hooks.send(endpoint.org)
    # WHEN the worker delivers
    worker.run()
    # THEN no connection is made, and the attempt is logged as refused (and retried later)
    assert connections == []
    with session_scope() as session:
        attempt = session.query(WebhookAttempt).filter_by(delivery_id=delivery_id).one()
        assert attempt.response_status is None
        assert attempt.error == "refused: The host hooks.rebind.example resolves to an address that is not public."


def test_the_post_goes_to_the_vetted_address_with_the_names_host_header(hooks: Any, worker: Any, receiver: Any,
                                                                        dns: Any) -> None:
    # GIVEN an endpoint named by a host name that resolves to the receiver's address
    port = receiver.url.split(":")[2].split("/")[0]
    dns.point("hooks.acme.test", "127.0.0.1")
    endpoint = hooks.endpoint(f"http://hooks.acme.test:{port}/hooks?tenant=7")
    dns.asked.clear()
    hooks.send(endpoint.org)
    # WHEN the worker delivers
    worker.run()
    # THEN the name was resolved once, and the receiver saw the name in Host, with path and query
    assert dns.asked == ["hooks.acme.test"]
    [request] = receiver.requests
    assert request.headers["host"] == f"hooks.acme.test:{port}"
    assert request.path == "/hooks?tenant=7"
