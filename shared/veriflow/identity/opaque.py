"""Opaque tokens (refresh, email verification, password reset, API keys): shown once, stored hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32  # 256 bits of randomness


def new_token(prefix: str = "") -> tuple[str, str]:
    """A new token: (plaintext to show once, SHA-256 hex digest to store).

    The plaintext is `prefix` followed by 43 URL-safe characters; the prefix (e.g. "vf_live_")
    lets people and secret scanners recognise the token and is covered by the digest.
    """
    if not all(c.isascii() and (c.isalnum() or c in "-_") for c in prefix):
        raise ValueError("a token prefix uses URL-safe ASCII characters only")
    plaintext = prefix + secrets.token_urlsafe(TOKEN_BYTES)
    return plaintext, hash_token(plaintext)


def hash_token(plaintext: str) -> str:
    """The SHA-256 hex digest under which a token is stored and looked up.

    A fast hash is right here (unlike passwords): the token has 256 bits of entropy.
    """
    return hashlib.sha256(plaintext.encode()).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    """Compares two strings in time that does not depend on where they differ."""
    return hmac.compare_digest(a.encode(), b.encode())


def token_matches(plaintext: str, digest: str) -> bool:
    """True when `plaintext` hashes to the stored `digest` (compared in constant time)."""
    return constant_time_equals(hash_token(plaintext), digest)
