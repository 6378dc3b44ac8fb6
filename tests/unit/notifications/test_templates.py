"""Every template renders from its files; hostile data is escaped in HTML and harmless in text."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import UndefinedError

from veriflow.notifications.render import TEMPLATES, UnknownTemplate, render

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>&amp;'

# What each template needs, as its producer sends it.
SAMPLE_DATA = {
    "auth.verify_email": {"token": "tok"},
    "auth.register_existing": {},
    "auth.reset_password": {"token": "tok"},
    "auth.change_email": {"token": "tok", "user_id": "u", "expires_at": "2026-12-01T00:00:00+00:00"},
    "auth.phone_code": {"code": "123456"},
    "auth.welcome": {"display_name": "Ada"},
    "orgs.invitation": {"token": "tok", "org_id": "o", "org_name": "Acme", "role": "member",
                        "expires_at": "2026-12-01T00:00:00+00:00"},
    "webhooks.endpoint_disabled": {"endpoint_id": "e", "url": "https://hooks.example/in", "org_id": "o"},
    "system.broadcast": {"title": "Hello", "body": "First.\n\nSecond."},
    "certificates.issued": {"recipient_name": "Ada", "title": "Engines 101", "issuer_name": "Acme",
                            "verify_url": "https://api.example/v1/verify/c"},
    "certificates.tamper_detected": {"certificate_id": "c", "title": "Engines 101", "recipient_name": "Ada",
                                     "verification_id": "v", "regions": [{"box_registered": [10, 20, 30, 40]}]},
    "verification.completed": {"verdict": "authentic", "trust_score": 91, "confidence": 0.5,
                               "verification_id": "v"},
    "notifications.digest": {"items": [{"subject": "One", "text": "First"}, {"subject": "Two", "text": "Second"}]},
}


def test_every_template_folder_has_sample_data_and_renders() -> None:
    folders = {str(p.parent.relative_to(TEMPLATES)).replace("/", ".") for p in Path(TEMPLATES).rglob("subject.txt")}
    assert folders == set(SAMPLE_DATA)
    for template_id, data in SAMPLE_DATA.items():
        rendered = render(template_id, data)
        assert rendered.subject
        assert rendered.text
        if rendered.html is not None:
            assert rendered.html.startswith("<!doctype html>")


def test_hostile_data_is_escaped_in_html_and_never_breaks_the_subject_line() -> None:
    # GIVEN an organization name and a broadcast made of markup and header injection
    invitation = render("orgs.invitation", {**SAMPLE_DATA["orgs.invitation"], "org_name": HOSTILE + "\r\nBcc: x@y"})
    broadcast = render("system.broadcast", {"title": HOSTILE, "body": HOSTILE})
    # THEN no markup survives in the HTML bodies...
    for html in (invitation.html, broadcast.html):
        assert html is not None
        assert "<script>" not in html
        assert "<img" not in html
        assert "&lt;script&gt;" in html
        assert "&amp;amp;" in html
    # ...the plain text keeps the characters as they were typed...
    assert HOSTILE in broadcast.text
    # ...and the subject stays one line
    assert "\n" not in invitation.subject
    assert "\r" not in invitation.subject


def test_link_tokens_are_url_encoded() -> None:
    rendered = render("auth.reset_password", {"token": 'a b"&<'})
    assert "token=a%20b%22%26%3C" in rendered.text
    assert rendered.html is not None
    assert 'token=a%20b%22%26%3C"' in rendered.html


def test_missing_data_fails_instead_of_sending_blanks() -> None:
    with pytest.raises(UndefinedError):
        render("auth.verify_email", {})
    with pytest.raises(UnknownTemplate):
        render("auth.no_such_template", {})
    with pytest.raises(UnknownTemplate):
        render("../../etc", {})
