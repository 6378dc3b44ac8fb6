"""The verification page for people: server-rendered, no JavaScript, one inline style allowed by
its hash in a strict Content-Security-Policy, every value escaped."""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#111}"
    "main{max-width:40rem;margin:2rem auto;background:#fff;padding:2rem;border-radius:8px}"
    "h1{font-size:1.5rem;margin:.5rem 0}.verdict{font-weight:700;padding:.5rem 1rem;border-radius:4px}"
    ".valid{background:#e6f4ea}.invalid{background:#fce8e6}.pending,.unavailable{background:#fef7e0}"
    ".checks{list-style:none;padding:0}.checks li{margin:.5rem 0;padding:.5rem 1rem;border-radius:4px}"
    ".name{font-weight:600;text-transform:capitalize}.result{float:right;text-transform:uppercase;font-size:.8rem}"
    ".small{font-size:.85rem;color:#555}.qr{text-align:center}"
)
VERDICT_TEXT = {
    "valid": "Verified: this certificate is authentic, anchored on chain and issued by a proven issuer.",
    "invalid": "Not valid: at least one check failed.",
    "pending": "Not verified yet: some checks are still pending.",
    "unavailable": "Could not verify now: a check could not be completed. This does not mean it is invalid.",
}


def _hash(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


CSP = (
    f"default-src 'none'; style-src 'sha256-{_hash(STYLE)}'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY"}


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(context: dict[str, Any]) -> str:
    return _environment().get_template("verify.html").render(
        style=STYLE, verdict_text=VERDICT_TEXT[context["verdict"]], **context)


def wants_html(accept: str | None) -> bool:
    """A browser's Accept (text/html before any JSON); API clients get JSON by default."""
    if not accept:
        return False
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    html = types.index("text/html") if "text/html" in types else None
    json_at = types.index("application/json") if "application/json" in types else None
    return html is not None and (json_at is None or html < json_at)
