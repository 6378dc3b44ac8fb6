"""Seals a successor token pair with a key only the holder of the previous refresh token has."""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"veriflow refresh successor v1"


def _key(refresh_token: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(refresh_token.encode())


def seal(refresh_token: str, payload: dict[str, Any]) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(_key(refresh_token)).encrypt(nonce, json.dumps(payload).encode(), _INFO)


def unseal(refresh_token: str, sealed: bytes) -> dict[str, Any] | None:
    """The payload, or None when `refresh_token` is not the one it was sealed for."""
    try:
        plain = AESGCM(_key(refresh_token)).decrypt(sealed[:12], sealed[12:], _INFO)
    except (InvalidTag, ValueError):
        return None
    payload: dict[str, Any] = json.loads(plain)
    return payload
