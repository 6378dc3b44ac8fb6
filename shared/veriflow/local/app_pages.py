"""Stand-ins for the web app's pages under `make dev`, where email links point (`PUBLIC_APP_URL`
is `<local API>/_local/app`). Each page says which API call the app would make with the link's
token, as a curl command; a link whose call needs nothing but the token gets a button that makes it.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, quote

PREFIX = "/_local/app/"


@dataclass(frozen=True)
class AppAction:
    title: str
    path: str
    body: dict[str, str]  # field -> where its value comes from: "token" or a placeholder
    signed_in: bool = False
    method: str = "POST"

    @property
    def token_only(self) -> bool:
        return not self.signed_in and set(self.body.values()) <= {"token"}


# The links notification templates build from app_url, and the API call behind each.
ACTIONS: dict[str, AppAction] = {
    "verify-email": AppAction("Confirm your email", "/v1/auth/verify-email", {"token": "token"}),
    "confirm-email": AppAction("Confirm your new email", "/v1/auth/verify-email", {"token": "token"}),
    "reset-password": AppAction("Choose a new password", "/v1/auth/password/reset",
                                {"token": "token", "new_password": "<your new password>"}),
    "invitations/accept": AppAction("Accept the invitation", "/v1/orgs/invitations/accept", {"token": "token"},
                                    signed_in=True),
    "forgot-password": AppAction("Reset your password", "/v1/auth/password/forgot", {"email": "<your email>"}),
    "orgs/{org_id}/webhooks/{endpoint_id}": AppAction(
        "Your webhook endpoint", "/v1/orgs/{org_id}/webhooks/{endpoint_id}", {}, signed_in=True, method="GET"),
    "settings/notifications": AppAction("Your notification settings", "/v1/notifications/preferences", {},
                                        signed_in=True, method="GET"),
}

# (method, path, json body) -> (status, response body): the local API, in process.
CallApi = Callable[[str, str, bytes], tuple[int, bytes]]


def page(api_url: str, method: str, name: str, query: str, form: bytes, call_api: CallApi) -> tuple[int, str]:
    """The page for `GET /_local/app/<name>?token=...`, or the result of its button (`POST`)."""
    if name == "":
        items = "".join(f'<li><a href="{PREFIX}{html.escape(page)}">{html.escape(action.title)}</a></li>'
                        for page, action in ACTIONS.items() if "{" not in page)
        return 200, _html("Veriflow (local)", "<p>Under <code>make dev</code> these pages stand in for the web app; "
                          f"the API is at <a href=\"{api_url}/docs\">{api_url}/docs</a>.</p><ul>{items}</ul>")
    action, path_params = _match(name)
    if action is None:
        return 404, _html("Not a page of the app", f"<p>The web app has no page {html.escape(name)!s} here.</p>")
    params = parse_qs(form.decode("utf-8", "replace") if method == "POST" else query)
    token = (params.get("token") or [""])[0]
    body = {field: token if source == "token" else source for field, source in action.body.items()}
    if method == "POST" and action.token_only and action.method == "POST":
        status, answer = call_api("POST", action.path, json.dumps(body).encode())
        outcome = "Done." if status < 300 else f"The API answered {status}: {answer.decode('utf-8', 'replace')}"
        return 200 if status < 300 else status, _html(action.title, f"<p>{html.escape(outcome)}</p>")
    auth = ' -H "Authorization: Bearer $ACCESS_TOKEN"' if action.signed_in else ""
    payload = f" -H 'content-type: application/json' -d '{json.dumps(body)}'" if action.body else ""
    api_path = action.path.format_map(path_params)
    curl = f"curl -s -X {action.method} {api_url}{api_path}{auth}{payload}"
    parts = ["<p>Under <code>make dev</code> this page stands in for the web app. The app would make this call:</p>",
             f"<pre>{html.escape(curl)}</pre>"]
    if action.token_only:
        parts.append(f'<form method="post"><input type="hidden" name="token" value="{html.escape(token)}">'
                     f'<button type="submit">{html.escape(action.title)}</button></form>')
    return 200, _html(action.title, "\n".join(parts))


def _match(name: str) -> tuple[AppAction | None, dict[str, str]]:
    for pattern, action in ACTIONS.items():
        regex = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(pattern))
        if found := re.fullmatch(regex, name):
            return action, {key: quote(value, safe="") for key, value in found.groupdict().items()}
    return None, {}


def _html(title: str, content: str) -> str:
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            "</head><body style=\"font-family:sans-serif;max-width:48rem;margin:2rem auto;\">"
            f"<h1>{html.escape(title)}</h1>\n{content}\n</body></html>")
