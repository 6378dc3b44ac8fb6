"""Slugs: readable, made from the name, unique even when two requests race for the same one."""

from __future__ import annotations

from typing import Any

import pytest

from veriflow.orgs import service
from veriflow.orgs.service import slugify


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Acme Academy", "acme-academy"), ("  Ünïcödé — Schule ", "unicode-schule"), ("!!!", "org"),
     ("日本語", "org"), ("x" * 200, "x" * 56)],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_a_slug_taken_between_check_and_insert_gets_a_random_suffix(
    api: Any, identity: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an organization holding the slug, and a check that (like a racing request) misses it
    ada = identity.user()
    assert api("POST", "/v1/orgs", ada, json_body={"name": "Acme"})["json"]["slug"] == "acme"
    monkeypatch.setattr(service, "_free_slug", lambda _session, base: base)
    # WHEN another organization of that name is created
    second = api("POST", "/v1/orgs", ada, json_body={"name": "Acme"})
    # THEN it is created all the same, under the slug with a random suffix, and owned by its creator
    assert second["statusCode"] == 201, second["json"]
    assert second["json"]["slug"].startswith("acme-")
    assert len(second["json"]["slug"]) == len("acme-") + 6
    assert api("GET", f"/v1/orgs/{second['json']['id']}", ada)["json"]["role"] == "owner"
