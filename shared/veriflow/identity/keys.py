"""ES256 signing keys for access tokens, kept in a Secrets Manager secret, rotated, cached briefly.

The secret holds {"keys": [{"kid", "private_key_pem", "created_at", "retire_at"}], "active": kid}.
Only the functions that sign tokens read it. They publish its public half (JWKs, no private keys)
to a second secret, which every function verifies tokens with and /.well-known/jwks.json serves:
after every write, and whenever they find the published copy made from another version (a
container that died between the two writes), so the two converge.
Writes carry a ClientRequestToken derived from the version they replace, so two containers that
bootstrap or rotate at once write the same version id: Secrets Manager keeps the first and refuses
the second, and both then re-read and converge on what is stored.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from veriflow.core import aws
from veriflow.core.snapstart import after_restore
from veriflow.identity.claims import as_utc
from veriflow.identity.keyset import (
    KeySet,
    SigningKey,
    VerificationKey,
    new_entry,
    parse_keyset,
    parse_public_document,
    parse_time,
    public_document,
    public_jwk,
)
from veriflow.identity.settings import get_auth_settings

_NAMESPACE = uuid.UUID("6f3c2a4e-8d1b-4c7a-9e55-0a1b2c3d4e5f")


class _Cache:
    lock = threading.Lock()
    keyset: KeySet | None = None
    loaded_at = 0.0
    forced_at = float("-inf")


class _PublicCache:
    lock = threading.Lock()
    keys: tuple[VerificationKey, ...] | None = None
    loaded_at = 0.0
    forced_at = float("-inf")


def _read() -> tuple[dict[str, Any] | None, str | None]:
    """The stored signing keys (None when the secret holds none yet) and their version id."""
    return _get(get_auth_settings().signing_keys_secret())


def _read_public() -> tuple[dict[str, Any] | None, str | None]:
    """The published verification keys (None when none are published yet) and their version id."""
    return _get(get_auth_settings().verification_keys_secret())


def _get(secret_id: str) -> tuple[dict[str, Any] | None, str | None]:
    client = aws.client("secretsmanager")
    try:
        response = client.get_secret_value(SecretId=secret_id)
    except client.exceptions.ResourceNotFoundException:
        return None, None  # the secret exists without a value yet (or does not exist: the write says)
    try:
        document = json.loads(response.get("SecretString") or "")
    except ValueError:
        document = None  # e.g. a random string generated when the secret was created
    if not isinstance(document, dict) or not document.get("keys"):
        return None, response["VersionId"]
    return document, response["VersionId"]


def _write(document: dict[str, Any], replaces: str, secret_id: str | None = None) -> None:
    client = aws.client("secretsmanager")
    token = str(uuid.uuid5(_NAMESPACE, replaces))
    # ResourceExistsException: another container wrote its version first; the re-read that follows sees it.
    with contextlib.suppress(client.exceptions.ResourceExistsException):
        client.put_secret_value(SecretId=secret_id or get_auth_settings().signing_keys_secret(),
                                SecretString=json.dumps(document), ClientRequestToken=token)


def _publish(keyset: KeySet) -> None:
    """Make the published public keys those of `keyset`, unless they already are."""
    published, _ = _read_public()
    if published is not None and published.get("source_version") == keyset.version_id:
        return
    _write(public_document(keyset), f"publish:{keyset.version_id}", get_auth_settings().verification_keys_secret())


def _load_or_bootstrap(now: datetime) -> KeySet:
    document, version_id = _read()
    if document is None:
        entry = new_entry(now)
        _write({"keys": [entry], "active": entry["kid"]}, f"bootstrap:{version_id}")
        document, version_id = _read()
        if document is None or version_id is None:
            raise RuntimeError("the signing-key secret holds no keys after bootstrapping")
    assert version_id is not None
    keyset = parse_keyset(document, version_id)
    _publish(keyset)
    return keyset


def _remember(keyset: KeySet) -> KeySet:
    _Cache.keyset, _Cache.loaded_at = keyset, time.monotonic()
    return keyset


def load_keys(*, now: datetime | None = None) -> KeySet:
    """The key set, from the in-process cache while it is fresh (SIGNING_KEYS_CACHE_TTL_S)."""
    with _Cache.lock:
        ttl = get_auth_settings().signing_keys_cache_ttl_s
        if _Cache.keyset is not None and time.monotonic() - _Cache.loaded_at < ttl:
            return _Cache.keyset
        return _remember(_load_or_bootstrap(as_utc(now)))


def signing_key(now: datetime | None = None) -> SigningKey:
    """The active key, which signs new access tokens."""
    return load_keys(now=now).active


def _published_keys() -> tuple[VerificationKey, ...]:
    document, _ = _read_public()
    return parse_public_document(document) if document is not None else ()


def verification_keys() -> tuple[VerificationKey, ...]:
    """The published public keys, from the in-process cache while it is fresh."""
    with _PublicCache.lock:
        ttl = get_auth_settings().signing_keys_cache_ttl_s
        if _PublicCache.keys is None or time.monotonic() - _PublicCache.loaded_at >= ttl:
            _PublicCache.keys, _PublicCache.loaded_at = _published_keys(), time.monotonic()
        return _PublicCache.keys


def verification_key(kid: str, now: datetime | None = None) -> VerificationKey | None:
    """The live key named `kid`; on an unknown kid the keys are re-read once (rate-limited)."""
    now = as_utc(now)
    key = next((k for k in verification_keys() if k.kid == kid), None)
    if key is None:
        with _PublicCache.lock:
            interval = get_auth_settings().signing_keys_refresh_interval_s
            if time.monotonic() - _PublicCache.forced_at >= interval:
                # Another container may have rotated since this one cached the keys.
                _PublicCache.forced_at = time.monotonic()
                _PublicCache.keys, _PublicCache.loaded_at = _published_keys(), time.monotonic()
                key = next((k for k in _PublicCache.keys if k.kid == kid), None)
    return key if key is not None and key.is_live(now) else None


def rotate_signing_key(now: datetime | None = None) -> KeySet:
    """Adds a new active key; the previous one retires once every token it signed has expired.

    A container may keep signing with the previous key for up to the cache TTL after rotation, so
    retire_at = now + access token TTL + cache TTL + leeway. Keys already past retire_at are dropped.
    """
    now = as_utc(now)
    settings = get_auth_settings()
    with _Cache.lock:
        document, version_id = _read()
        if document is None:
            return _remember(_load_or_bootstrap(now))
        assert version_id is not None
        grace = timedelta(seconds=settings.access_token_ttl_s + settings.signing_keys_cache_ttl_s
                          + settings.jwt_leeway_s)
        kept = []
        for entry in document["keys"]:
            retire_at = entry.get("retire_at")
            if retire_at and parse_time(retire_at) <= now:
                continue
            if entry["kid"] == document["active"]:
                entry = {**entry, "retire_at": (now + grace).isoformat()}
            kept.append(entry)
        new = new_entry(now)
        _write({"keys": [*kept, new], "active": new["kid"]}, f"rotate:{version_id}")
        return _remember(_load_or_bootstrap(now))


def jwks(now: datetime | None = None) -> dict[str, list[dict[str, str]]]:
    """The JWK Set of every live key, for /.well-known/jwks.json."""
    now = as_utc(now)
    return {"keys": [{**public_jwk(key.public_key), "kid": key.kid, "use": "sig", "alg": "ES256"}
                     for key in verification_keys() if key.is_live(now)]}


def reset_key_cache() -> None:
    """Forget the cached keys (tests, or after changing either key secret)."""
    with _Cache.lock:
        _Cache.keyset, _Cache.loaded_at, _Cache.forced_at = None, 0.0, float("-inf")
    with _PublicCache.lock:
        _PublicCache.keys, _PublicCache.loaded_at, _PublicCache.forced_at = None, 0.0, float("-inf")


# A resumed copy reads the keys afresh: its clock says no time has passed since the snapshot.
after_restore(reset_key_cache)
