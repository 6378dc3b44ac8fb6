"""Talking to an OpenID provider: the token endpoint and its JWKS (cached), over stdlib HTTP with timeouts."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote_plus, urlencode, urlsplit

from veriflow.core import aws
from veriflow.core.errors import ServiceUnavailable
from veriflow.core.snapstart import after_restore
from veriflow.identity.claims import refuse
from veriflow.identity.settings import OidcProvider, get_auth_settings

_UNAVAILABLE = "The sign-in provider did not answer; try again shortly."

ALGORITHMS = {"RS256": "RSA", "ES256": "EC"}
FAILED = "oidc_login_failed"
MAX_RESPONSE_BYTES = 1024 * 1024
MIN_RSA_BITS = 2048


class _Caches:
    lock = threading.Lock()
    jwks: dict[str, tuple[float, list[dict[str, Any]]]] = {}
    jwks_forced: dict[str, float] = {}
    secrets: dict[str, tuple[float, str]] = {}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A token endpoint that redirects is misconfigured; following it would resend the code.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _http_json(url: str, *, form: dict[str, str] | None = None, headers: dict[str, str] | None = None,
               ) -> dict[str, Any]:
    # Settings already refuse other schemes; checked again here, where the URL is opened.
    if urlsplit(url).scheme not in ("https", "http"):
        raise ValueError("only http(s) URLs are fetched")
    data = urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers={"Accept": "application/json", **(headers or {})})  # noqa: S310
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(request, timeout=get_auth_settings().oidc_http_timeout_s) as response:
        body = response.read(MAX_RESPONSE_BYTES + 1)
    if len(body) > MAX_RESPONSE_BYTES:
        raise ValueError("response too large")
    document = json.loads(body)
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    return document


def _client_secret(config: OidcProvider) -> str | None:
    if config.client_secret is None:
        return None
    value = config.client_secret.get_secret_value()
    if not value.startswith("arn:aws:secretsmanager:"):
        return value
    with _Caches.lock:
        cached = _Caches.secrets.get(value)
        if cached is None or time.monotonic() - cached[0] > get_auth_settings().oidc_jwks_cache_ttl_s:
            stored = aws.client("secretsmanager").get_secret_value(SecretId=value)["SecretString"]
            # Either the bare secret or {"client_secret": "..."}.
            if stored.lstrip().startswith("{"):
                stored = json.loads(stored)["client_secret"]
            cached = _Caches.secrets[value] = (time.monotonic(), stored)
    return cached[1]


def exchange_code(config: OidcProvider, code: str, code_verifier: str, redirect_uri: str) -> str:
    """The ID token the provider returns for an authorization code and its PKCE verifier."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": code_verifier, "client_id": config.client_id}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    secret = _client_secret(config)
    if secret is not None and config.token_auth_method == "client_secret_post":  # noqa: S105 (a method name)
        form["client_secret"] = secret
    elif secret is not None:
        # RFC 6749 2.3.1: form-encode both parts before joining them.
        pair = f"{quote_plus(config.client_id)}:{quote_plus(secret)}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    try:
        response = _http_json(config.token_endpoint, form=form, headers=headers)
    except urllib.error.HTTPError as exc:
        if 400 <= exc.code < 500:
            refuse(FAILED, f"token_endpoint_{exc.code}")
        raise ServiceUnavailable(_UNAVAILABLE) from None
    except (OSError, ValueError):
        raise ServiceUnavailable(_UNAVAILABLE) from None
    id_token = response.get("id_token")
    if not isinstance(id_token, str):
        refuse(FAILED, "no_id_token")
    return id_token


def _fetch_jwks(uri: str) -> list[dict[str, Any]]:
    try:
        keys = _http_json(uri).get("keys")
    except (OSError, ValueError):
        raise ServiceUnavailable(_UNAVAILABLE) from None
    if not isinstance(keys, list):
        raise ServiceUnavailable(_UNAVAILABLE)
    found = [key for key in keys if isinstance(key, dict)]
    _Caches.jwks[uri] = (time.monotonic(), found)
    return found


def _jwk(config: OidcProvider, kid: str | None, alg: str) -> dict[str, Any] | None:
    def pick(keys: list[dict[str, Any]]) -> dict[str, Any] | None:
        if kid is None:  # a provider with a single key may omit kid
            usable = [key for key in keys if key.get("kty") == ALGORITHMS[alg]]
            return usable[0] if len(usable) == 1 else None
        return next((key for key in keys if key.get("kid") == kid), None)

    settings = get_auth_settings()
    with _Caches.lock:
        cached = _Caches.jwks.get(config.jwks_uri)
        fresh = cached is not None and time.monotonic() - cached[0] < settings.oidc_jwks_cache_ttl_s
        keys = cached[1] if cached is not None and fresh else _fetch_jwks(config.jwks_uri)
        found = pick(keys)
        forced_at = _Caches.jwks_forced.get(config.jwks_uri, float("-inf"))
        if found is None and fresh and time.monotonic() - forced_at >= settings.oidc_jwks_refresh_interval_s:
            # The provider may have rotated its keys since we cached them: refetch once.
            _Caches.jwks_forced[config.jwks_uri] = time.monotonic()
            found = pick(_fetch_jwks(config.jwks_uri))
        return found


def verification_key(config: OidcProvider, header: dict[str, Any]) -> Any:
    """The provider's public key for an ID token's header, refusing algorithms other than RS256/ES256."""
    import jwt

    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ALGORITHMS or (kid is not None and not isinstance(kid, str)):
        refuse(FAILED, "algorithm")
    jwk = _jwk(config, kid, alg)
    if jwk is None:
        refuse(FAILED, "kid_unknown")
    if jwk.get("kty") != ALGORITHMS[alg] or jwk.get("alg", alg) != alg or jwk.get("use", "sig") != "sig":
        refuse(FAILED, "jwk_mismatch")
    try:
        key = jwt.PyJWK(jwk, algorithm=alg).key
    except jwt.PyJWTError:
        refuse(FAILED, "jwk_invalid")
    if alg == "RS256" and key.key_size < MIN_RSA_BITS:
        refuse(FAILED, "rsa_key_too_small")
    if alg == "ES256" and getattr(key, "curve", None) is not None and key.curve.name != "secp256r1":
        refuse(FAILED, "jwk_mismatch")
    return key


def reset_oidc_caches() -> None:
    """Forget cached JWKS and client secrets (tests, or changed providers)."""
    with _Caches.lock:
        _Caches.jwks.clear()
        _Caches.jwks_forced.clear()
        _Caches.secrets.clear()


# Cache ages come from time.monotonic, which stands still while a snapshot waits.
after_restore(reset_oidc_caches)
