"""Under `make dev` every link a notification template builds from app_url leads to a page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from veriflow.local import app_pages

TEMPLATES = Path(__file__).resolve().parents[2] / "shared/veriflow/notifications/templates"
# `app_url ~ "/verify-email?token="` (HTML) and `{{ app_url }}/verify-email?token=` (text), with
# Jinja expressions in the path (`"/orgs/" ~ org_id ~ "/webhooks/" ~ endpoint_id`) made "x".
_HTML_LINK = re.compile(r'app_url((?:\s*~\s*(?:"[^"]*"|\w+))*)')
_TEXT_LINK = re.compile(r"\{\{ app_url \}\}((?:[^\s\"<{]|\{\{[^}]*\}\})*)")


def _links() -> set[str]:
    found: set[str] = set()
    for template in TEMPLATES.rglob("*.*"):
        text = template.read_text(encoding="utf-8")
        for parts in _HTML_LINK.findall(text):
            pieces = re.findall(r'"([^"]*)"|(\w+)', parts)
            found.add("".join(literal if literal else "x" for literal, _ in pieces))
        for path in _TEXT_LINK.findall(text):
            found.add(re.sub(r"\{\{[^}]*\}\}", "x", path))
    return {link.partition("?")[0].strip("/") for link in found}


def _no_api(method: str, path: str, body: bytes) -> tuple[int, bytes]:
    raise AssertionError("a GET never calls the API")


@pytest.mark.parametrize("link", sorted(_links()))
def test_every_app_link_in_a_mail_has_a_page(link: str) -> None:
    # GIVEN a link a template builds  WHEN it is opened under make dev
    status, page = app_pages.page("http://127.0.0.1:3000", "GET", link, "token=abc", b"", _no_api)
    # THEN a page answers (not a 404), naming the API behind it
    assert status == 200, page
    assert "/v1/" in page or link == ""


def test_the_button_makes_the_call_with_the_token() -> None:
    # GIVEN the verify-email page  WHEN its button is pressed
    calls: list[tuple[str, str, bytes]] = []

    def api(method: str, path: str, body: bytes) -> tuple[int, bytes]:
        calls.append((method, path, body))
        return 204, b""

    status, page = app_pages.page("http://127.0.0.1:3000", "POST", "verify-email", "", b"token=abc", api)
    # THEN the API was called with the token, and the page says it is done
    assert calls == [("POST", "/v1/auth/verify-email", b'{"token": "abc"}')]
    assert (status, "Done." in page) == (200, True)


def test_an_unknown_page_is_404() -> None:
    status, _ = app_pages.page("http://127.0.0.1:3000", "GET", "nowhere", "", b"", _no_api)
    assert status == 404
